from django.urls import path

from onedoor.referrals import staff_views

app_name = "referrals_staff"
urlpatterns = [
    path("advice/new/", staff_views.advice, name="advice"),
    path("<uuid:referral_uuid>/", staff_views.referral, name="referral"),
    path("<uuid:referral_uuid>/matches/", staff_views.matches, name="matches"),
]
