from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.views import dashboards as case_dashboards
from core import views as core_views
from portal.views.account import home_for
from users.admin.signin import own_password_change


class SignInView(auth_views.LoginView):
    def get_default_redirect_url(self):
        return home_for(self.request.user)


# Under /api/ a 404 or 500 that no view answered is JSON in the API's error shape too.
handler404 = "core.api.exceptions.not_found"
handler500 = "core.api.exceptions.server_error"

admin.site.site_header = "Casedesk admin console"
admin.site.site_title = "Casedesk admin"
admin.site.index_title = "Customers, products, people and access"

urlpatterns = [
    path("", case_dashboards.workspace_home, name="home"),  # the workspace home: the agent dashboard
    # One sign-in for everybody: staff land in the workspace, customers in the portal.
    path("login/", SignInView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz/", core_views.healthz, name="healthz"),
    # Before admin.site.urls: the admin's own password change, checked like a sign-in (users/admin/signin.py).
    path("admin/password_change/", admin.site.admin_view(own_password_change), name="admin-password-change"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("", include("cases.urls")),  # the agent workspace's case pages
    path("", include("interactions.urls")),
    path("portal/", include("portal.urls")),
]
