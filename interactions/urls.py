"""The agent's inbox and the interaction pages (app_name "interactions", included at "")."""
from django.urls import path

from interactions import views, views_mail

app_name = "interactions"
urlpatterns = [
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/fragment/", views.inbox_fragment, name="inbox-fragment"),
    path("inbox/presence/", views.inbox_presence, name="inbox-presence"),
    path("inbox/offers/<int:pk>/accept/", views.offer_accept, name="offer-accept"),
    path("inbox/offers/<int:pk>/reject/", views.offer_reject, name="offer-reject"),
    path("mail/held/", views_mail.HeldMailView.as_view(), name="mail-held"),
    path("mail/held/<int:pk>/reprocess/", views_mail.held_reprocess, name="mail-held-reprocess"),
    path("mail/held/<int:pk>/discard/", views_mail.held_discard, name="mail-held-discard"),
    path("mail/held/<int:pk>/create-case/", views_mail.held_create_case, name="mail-held-create-case"),
    path("interactions/", views.InteractionListView.as_view(), name="interaction-list"),
    path("interactions/<str:number>/", views.InteractionDetailView.as_view(), name="interaction-detail"),
    path("interactions/<str:number>/create-case/", views.InteractionCreateCaseView.as_view(), name="interaction-create-case"),
    path("interactions/<str:number>/<slug:action>/", views.interaction_action, name="interaction-action"),
]
