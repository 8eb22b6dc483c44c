from django.urls import path

from onedoor.care import (
    care_views,
    handover_views,
    note_views,
    practitioner_views,
    young_adult_views,
)

app_name = "care"
urlpatterns = [
    path("young-adults/", young_adult_views.young_adults, name="young_adults"),
    path("reassign-caseload/", young_adult_views.reassign, name="reassign"),
    # The care record itself (`care:record`, `/care/<referral>/`) is a summary in the web
    # layer, which includes these: `web/care_urls.py`. One address per write:
    path("<uuid:referral_uuid>/contacts/new/", care_views.contact, name="contact"),
    path(
        "<uuid:referral_uuid>/appointment-offered/",
        care_views.appointment_offer,
        name="appointment_offer",
    ),
    path("<uuid:referral_uuid>/check-in/", care_views.check_in, name="check_in"),
    path("<uuid:referral_uuid>/care-plan/", care_views.care_plan, name="care_plan"),
    path("<uuid:referral_uuid>/safety-plan/", care_views.safety_plan, name="safety_plan"),
    path("<uuid:referral_uuid>/risk-review/", care_views.risk_review, name="risk_review"),
    path("<uuid:referral_uuid>/notes/new/", care_views.note, name="note"),
    path("<uuid:referral_uuid>/transition/", care_views.transition, name="transition"),
    path("<uuid:referral_uuid>/step-down/", care_views.step_down, name="step_down"),
    path("<uuid:referral_uuid>/discharge/", care_views.discharge_child, name="discharge"),
    path("<uuid:referral_uuid>/acknowledge/", care_views.acknowledge, name="acknowledge"),
    path("<uuid:referral_uuid>/history/", care_views.history, name="history"),
    path(
        "<uuid:referral_uuid>/coordinator/",
        young_adult_views.name_coordinator,
        name="coordinator",
    ),
    path("<uuid:referral_uuid>/pathway/", young_adult_views.pathway, name="pathway"),
    path(
        "<uuid:referral_uuid>/practitioner/",
        practitioner_views.change_practitioner,
        name="practitioner",
    ),
    path("notes/<uuid:note_uuid>/correct/", note_views.correct, name="correct_note"),
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
