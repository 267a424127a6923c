"""Inbound email: pure parsing (`parse`), quoted-history stripping (`quotes`), HTML to text
(`html`) and the mail sources (`sources`: IMAP and maildir). No database here: the services in
`interactions.services_mail` store, thread and process what these modules read."""
