from django.urls import path

from onedoor.triage import consent_views, incoming_views, referral_views, signposted_views

app_name = "triage"
urlpatterns = [
    path("incoming/", incoming_views.incoming, name="incoming"),
    # The partner's two answers to an allocation, each at its own address.
    path("incoming/<uuid:referral_uuid>/accept/", incoming_views.accept, name="accept"),
    path("incoming/<uuid:referral_uuid>/decline/", incoming_views.decline, name="decline"),
    path("<uuid:referral_uuid>/", referral_views.triage_referral, name="referral"),
    # The triage page's writes, each at its own address (`triage/writes.py`).
    path("<uuid:referral_uuid>/screen/", referral_views.screen, name="screen"),
    path("<uuid:referral_uuid>/review/", referral_views.review, name="review"),
    path("<uuid:referral_uuid>/decision/", referral_views.decision, name="decision"),
    path("<uuid:referral_uuid>/sign-off/", referral_views.sign_off_decision, name="sign_off"),
    path("<uuid:referral_uuid>/information/", referral_views.information, name="information"),
    path("<uuid:referral_uuid>/consent/", consent_views.consent_review, name="consent"),
    path("signposted/", signposted_views.signposted_list, name="signposted"),
    path("signposted/reviewed/", signposted_views.signposted_reviewed, name="signposted_reviewed"),
    path(
        "<uuid:referral_uuid>/eligibility/",
        signposted_views.overrule,
        name="overrule_eligibility",
    ),
]
