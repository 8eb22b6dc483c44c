"""Tracking a referral: /track/ (see `views`)."""

from django.urls import path

from onedoor.tracking import views

app_name = "tracking"
urlpatterns = [
    path("", views.start, name="start"),
    path("code/", views.code, name="code"),
    path("status/", views.status, name="status"),
]
