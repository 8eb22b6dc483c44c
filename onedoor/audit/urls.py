from django.urls import path

from onedoor.audit import views

app_name = "audit"
urlpatterns = [
    path(
        "governance/children/<uuid:child_uuid>/access-log/",
        views.child_access_log,
        name="child_access_log",
    ),
]
