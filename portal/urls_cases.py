"""Home, my cases, the case page and its actions, the catalog (portal.views.cases)."""
urlpatterns: list = []
