from django.urls import path

from onedoor.triage import consent_views, signposted_views, views

app_name = "triage"
urlpatterns = [
    path("incoming/", views.incoming, name="incoming"),
    path("<uuid:referral_uuid>/", views.triage_referral, name="referral"),
    path("<uuid:referral_uuid>/consent/", consent_views.consent_review, name="consent"),
    path("signposted/", signposted_views.signposted_list, name="signposted"),
    path("signposted/reviewed/", signposted_views.signposted_reviewed, name="signposted_reviewed"),
    path(
        "<uuid:referral_uuid>/eligibility/",
        signposted_views.overrule,
        name="overrule_eligibility",
    ),
]
