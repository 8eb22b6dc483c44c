from django.urls import path

from onedoor.web import referral_views

app_name = "referrals_staff"
urlpatterns = [
    path("advice/new/", referral_views.advice, name="advice"),
    path("<uuid:referral_uuid>/", referral_views.referral, name="referral"),
    path("<uuid:referral_uuid>/matches/", referral_views.matches, name="matches"),
]
