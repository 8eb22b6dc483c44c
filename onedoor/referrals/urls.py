"""The public referral form: /refer/ and its pages (see `views`)."""

from django.urls import path

from onedoor.referrals import saved_for_later_views, views

app_name = "referrals"
urlpatterns = [
    path("", views.start, name="start"),
    path("check/", views.check, name="check"),
    path("start-again/", views.start_again, name="start_again"),
    path("send/", views.send, name="send"),
    path("sent/", views.sent, name="sent"),
    path("save/", saved_for_later_views.save_for_later, name="save_for_later"),
    path("saved/", saved_for_later_views.link_sent, name="link_sent"),
    path("saved/leave/", saved_for_later_views.leave_device, name="leave_device"),
    path("come-back/<str:token>/", saved_for_later_views.come_back, name="come_back"),
    path("<slug:slug>/", views.step, name="step"),
]
