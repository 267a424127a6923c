"""Sign-in, sign-out, password reset, registration, the account's users (portal.views.account)."""
urlpatterns: list = []
