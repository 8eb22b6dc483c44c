from django.urls import path

from onedoor.safeguarding import views

app_name = "safeguarding"
urlpatterns = [
    path("", views.concerns, name="concerns"),
    path("raise/<uuid:referral_uuid>/", views.raise_view, name="raise"),
    path("<uuid:concern_uuid>/", views.concern, name="concern"),
    path("<uuid:concern_uuid>/follow-ups/new/", views.add_follow_up_view, name="add_follow_up"),
    path(
        "<uuid:concern_uuid>/follow-ups/<uuid:follow_up_uuid>/done/",
        views.follow_up_done,
        name="follow_up_done",
    ),
    path("<uuid:concern_uuid>/close/", views.close, name="close"),
]
