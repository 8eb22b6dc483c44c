from django.urls import path

from onedoor.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("care/<uuid:referral_uuid>/measures/", views.measures, name="measures"),
    path("care/<uuid:referral_uuid>/measures/new/", views.choose_measure, name="choose"),
    path(
        "care/<uuid:referral_uuid>/measures/new/<slug:slug>/", views.record_measure, name="record"
    ),
    path("care/<uuid:referral_uuid>/measures/invite/", views.invite_view, name="invite"),
    path(
        "care/<uuid:referral_uuid>/measures/<uuid:response_uuid>/review/",
        views.review,
        name="review",
    ),
    path("measures/<str:token>/", views.complete, name="complete"),
]
