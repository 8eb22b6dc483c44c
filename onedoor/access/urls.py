from django.urls import path

from onedoor.access import access_log_views, role_views, views

app_name = "access"
urlpatterns = [
    path("emergency-access/", views.request_emergency_access, name="break_glass"),
    path("governance/emergency-access/", views.review_list, name="review_list"),
    path("governance/emergency-access/<uuid:grant_uuid>/", views.review, name="review"),
    path("governance/role-requests/", role_views.role_requests, name="role_requests"),
    path(
        "governance/role-requests/<uuid:request_uuid>/",
        role_views.role_request,
        name="role_request",
    ),
    path(
        "governance/children/<uuid:child_uuid>/access-log/",
        access_log_views.child_access_log,
        name="child_access_log",
    ),
]
