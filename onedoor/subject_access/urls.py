from django.urls import path

from onedoor.subject_access import views

app_name = "subject_access"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.find_child, name="find_child"),
    path("new/<uuid:child_uuid>/", views.open_request, name="new"),
    path("<uuid:request_uuid>/", views.request_page, name="request"),
    path("<uuid:request_uuid>/gather/", views.start_review, name="gather"),
    path("<uuid:request_uuid>/withhold/", views.withhold, name="withhold"),
    path(
        "<uuid:request_uuid>/redactions/<uuid:redaction_uuid>/remove/",
        views.remove_redaction,
        name="remove_redaction",
    ),
    path("<uuid:request_uuid>/reviewed/", views.mark_reviewed, name="reviewed"),
    path("<uuid:request_uuid>/disclose/", views.disclose, name="disclose"),
    path("<uuid:request_uuid>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:request_uuid>/archive.json", views.archive_json, name="archive_json"),
    path("<uuid:request_uuid>/archive.pdf", views.archive_pdf, name="archive_pdf"),
]
