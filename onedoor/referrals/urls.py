"""The public referral form: /refer/ and its pages (see `views`)."""

from django.urls import path

from onedoor.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.start, name="start"),
    path("check/", views.check, name="check"),
    path("start-again/", views.start_again, name="start_again"),
    path("send/", views.send, name="send"),
    path("sent/", views.sent, name="sent"),
    path("<slug:slug>/", views.step, name="step"),
]
