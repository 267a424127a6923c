"""The project's URLs, plus a stand-in `portal:login` when the portal's sign-in half (another
branch, portal/urls_account.py) is not merged yet: the door sends anonymous visitors there."""
from django.http import HttpResponse
from django.urls import include, path

from config import urls as project_urls
from portal import urls as portal_urls




def _stand_in_login(request):
    return HttpResponse("portal sign-in (stand-in)")


_portal = [p for p in portal_urls.urlpatterns]
if not any(getattr(p, "name", None) == "login" for inc in portal_urls.urlpatterns for p in getattr(inc, "url_patterns", [inc])):
    _portal.append(path("login/", _stand_in_login, name="login"))

urlpatterns = [p for p in project_urls.urlpatterns if str(p.pattern) != "portal/"]
urlpatterns.append(path("portal/", include((_portal, "portal"))))
