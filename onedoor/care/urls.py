from django.urls import path

from onedoor.care import care_views, handover_views, young_adult_views

app_name = "care"
urlpatterns = [
    path("young-adults/", young_adult_views.young_adults, name="young_adults"),
    path("reassign-caseload/", young_adult_views.reassign, name="reassign"),
    path("<uuid:referral_uuid>/", care_views.care_record, name="record"),
    path(
        "<uuid:referral_uuid>/coordinator/",
        young_adult_views.name_coordinator,
        name="coordinator",
    ),
    path("<uuid:referral_uuid>/pathway/", young_adult_views.pathway, name="pathway"),
    path("feedback/<str:token>/", care_views.feedback, name="feedback"),
    path("handovers/<uuid:transition_uuid>/", handover_views.handover, name="handover"),
    path("handovers/<uuid:transition_uuid>/accept/", handover_views.accept, name="accept_handover"),
    path(
        "handovers/<uuid:transition_uuid>/decline/",
        handover_views.decline,
        name="decline_handover",
    ),
    path("handovers/<uuid:transition_uuid>/read/", handover_views.read, name="read_decline"),
]
