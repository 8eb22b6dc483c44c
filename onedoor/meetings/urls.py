from django.urls import path

from onedoor.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.new_meeting, name="new"),
    path("<uuid:uuid>/", views.meeting, name="meeting"),
    path("<uuid:uuid>/actions/<uuid:action_uuid>/done/", views.complete, name="complete"),
]
