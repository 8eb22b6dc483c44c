from django.urls import path

from onedoor.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("care/<uuid:referral_uuid>/measures/", views.measures, name="measures"),
    path("measures/<str:token>/", views.complete, name="complete"),
]
