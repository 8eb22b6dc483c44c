from django.urls import path

from onedoor.triage import views

app_name = "triage"
urlpatterns = [
    path("incoming/", views.incoming, name="incoming"),
    path("<uuid:referral_uuid>/", views.triage_referral, name="referral"),
]
