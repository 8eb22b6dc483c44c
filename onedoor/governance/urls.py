from django.urls import path

from onedoor.governance import views

app_name = "governance"
urlpatterns = [
    path("supervision/", views.supervision_list, name="supervision"),
    path("supervision/new/", views.new_supervision, name="new_supervision"),
    path("supervision/compliance/", views.compliance, name="compliance"),
    path("supervision/<uuid:uuid>/", views.supervision_record, name="supervision_record"),
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.report_incident, name="report_incident"),
    path("incidents/<uuid:uuid>/", views.incident, name="incident"),
    path("incidents/<uuid:uuid>/review/", views.review_incident, name="review_incident"),
    path("incidents/<uuid:uuid>/changes/new/", views.add_practice_change, name="add_change"),
    path("incidents/<uuid:uuid>/close/", views.close_incident, name="close_incident"),
    path("incidents/<uuid:uuid>/share/", views.share_learning, name="share_learning"),
    path("learning/", views.learning, name="learning"),
]
