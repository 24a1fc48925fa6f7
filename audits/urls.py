from rest_framework.routers import SimpleRouter

app_name = "audits"

# Pages: each record type's RecordType.urls() and any workflow views of this app.
urlpatterns = []

# API: registered under /api/v1/ by aims_portal/urls.py.
api_router = SimpleRouter()
