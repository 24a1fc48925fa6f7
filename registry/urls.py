from django.urls import path
from rest_framework.routers import SimpleRouter

from .api.views import (
    AISystemViewSet,
    ChangeRequestViewSet,
    DataSourceViewSet,
    IncidentViewSet,
    ModelVersionViewSet,
    RegistryPolicyViewSet,
    SupplierViewSet,
    YAMLViewSet,
)
from .records import (
    ai_systems,
    change_requests,
    data_sources,
    incidents,
    model_versions,
    policies,
    suppliers,
)
from .views import AISystemListView, ChangeRequestForSystemView, PolicyListView, system_lookup

app_name = "registry"

urlpatterns = [
    # The system list with the YAML import/export bar; same URL and name as the generic one.
    path("systems/", AISystemListView.as_view(record_type=ai_systems), name="aisystem-list"),
    path("systems/lookup/", system_lookup, name="aisystem-lookup"),
    *ai_systems.urls(),
    *suppliers.urls(),
    *data_sources.urls(),
    *model_versions.urls(),
    *incidents.urls(),
    *change_requests.urls(),
    path(
        "changes/new/<int:system>/",
        ChangeRequestForSystemView.as_view(record_type=change_requests),
        name="change-create-for",
    ),
    path("policies/", PolicyListView.as_view(record_type=policies), name="policy-list"),
    *policies.urls(),
]

api_router = SimpleRouter()
api_router.register("registry/systems", AISystemViewSet, basename="aisystem")
api_router.register("registry/suppliers", SupplierViewSet, basename="supplier")
api_router.register("registry/data-sources", DataSourceViewSet, basename="datasource")
api_router.register("registry/model-versions", ModelVersionViewSet, basename="modelversion")
api_router.register("registry/incidents", IncidentViewSet, basename="incident")
api_router.register("registry/changes", ChangeRequestViewSet, basename="changerequest")
api_router.register("registry/policies", RegistryPolicyViewSet, basename="registrypolicy")
api_router.register("registry/yaml", YAMLViewSet, basename="registry-yaml")
