from django.urls import path

from onedoor.content import views

app_name = "content"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.new_item, name="new"),
    path("<uuid:uuid>/", views.item, name="item"),
]
