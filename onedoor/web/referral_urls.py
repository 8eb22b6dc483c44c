from django.urls import path

from onedoor.web import practice_views, referral_views

app_name = "referrals_staff"
urlpatterns = [
    path("advice/new/", referral_views.advice, name="advice"),
    path("<uuid:referral_uuid>/", referral_views.referral, name="referral"),
    path("<uuid:referral_uuid>/matches/", referral_views.matches, name="matches"),
    path("<uuid:referral_uuid>/gp-practice/", practice_views.gp_practice, name="gp_practice"),
    path("<uuid:referral_uuid>/undo-match/", referral_views.undo_match_page, name="undo_match"),
    path(
        "<uuid:referral_uuid>/status-sharing/",
        referral_views.status_sharing,
        name="status_sharing",
    ),
]
