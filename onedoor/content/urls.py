from django.urls import path

from onedoor.content import views

app_name = "content"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.new_item, name="new"),
    path("<uuid:uuid>/", views.item, name="item"),
    path("<uuid:uuid>/edit/", views.edit, name="edit"),
    path("<uuid:uuid>/sign-off/", views.sign_off_view, name="sign_off"),
    path("<uuid:uuid>/retire/", views.retire_view, name="retire"),
]
