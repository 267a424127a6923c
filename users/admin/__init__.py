"""The admin console for users (people.py: people, roles, teams, skills) and their sign-ins
(signin.py: API tokens, lock-outs and the sign-in records)."""
from users.admin import people, signin  # noqa: F401  (each registers its admins)
