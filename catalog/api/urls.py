from rest_framework.routers import SimpleRouter

from catalog.api import views

router = SimpleRouter()
router.register("products", views.ProductViewSet, basename="product")
router.register("schedules", views.ScheduleViewSet, basename="schedule")
router.register("schedule-spans", views.ScheduleSpanViewSet, basename="schedule-span")
router.register("holidays", views.HolidayViewSet, basename="holiday")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("sold-products", views.SoldProductViewSet, basename="sold-product")
router.register("install-base-items", views.InstallBaseItemViewSet, basename="install-base-item")
router.register("assets", views.AssetViewSet, basename="asset")
router.register("entitlements", views.EntitlementViewSet, basename="entitlement")
router.register("service-definitions", views.ServiceDefinitionViewSet, basename="service-definition")
router.register("catalog-items", views.CatalogItemViewSet, basename="catalog-item")
router.register("catalog-item-variables", views.CatalogItemVariableViewSet, basename="catalog-item-variable")

urlpatterns = router.urls
