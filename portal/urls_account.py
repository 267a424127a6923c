"""Sign-in, sign-out, password reset, registration, the account's users (portal.views.account)."""
from django.urls import path

from portal.views import account as views

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("password/reset/", views.PortalPasswordResetView.as_view(), name="password-reset"),
    path("password/reset/done/", views.PortalPasswordResetDoneView.as_view(), name="password-reset-done"),
    path("password/reset/<uidb64>/<token>/", views.PortalPasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("password/reset/complete/", views.PortalPasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("password/change/", views.PortalPasswordChangeView.as_view(), name="password-change"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register-done"),
    path("account/", views.account, name="account"),
    path("account/tokens/", views.token_list, name="token-list"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("account/registrations/", views.registration_list, name="registration-list"),
    path("account/registrations/<int:pk>/approve/", views.registration_approve, name="registration-approve"),
    path("account/registrations/<int:pk>/reject/", views.registration_reject, name="registration-reject"),
    path("account/users/", views.account_user_list, name="account-user-list"),
    path("account/users/new/", views.account_user_create, name="account-user-create"),
    path("account/users/<int:pk>/<slug:action>/", views.account_user_action, name="account-user-action"),
    path("branding/logo/", views.branding_logo, name="branding-logo"),
]
