"""Portal pages, one module per area: `account` (sign-in, registration, branding, the account's
users) and `cases` (home, my cases, the case page, submitting from the catalog)."""
