from rest_framework.routers import SimpleRouter

from customers.api import views

router = SimpleRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("consumers", views.ConsumerViewSet, basename="consumer")
router.register("locations", views.LocationViewSet, basename="location")
router.register("contact-relationships", views.ContactRelationshipViewSet, basename="contact-relationship")
router.register("account-relationships", views.AccountRelationshipViewSet, basename="account-relationship")

urlpatterns = router.urls
