from django.urls import path

from onedoor.care import care_views

app_name = "care"
urlpatterns = [
    path("<uuid:referral_uuid>/", care_views.care_record, name="record"),
    path("feedback/<str:token>/", care_views.feedback, name="feedback"),
]
