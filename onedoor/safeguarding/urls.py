from django.urls import path

from onedoor.safeguarding import views

app_name = "safeguarding"
urlpatterns = [
    path("", views.concerns, name="concerns"),
    path("raise/<uuid:referral_uuid>/", views.raise_view, name="raise"),
    path("<uuid:concern_uuid>/", views.concern, name="concern"),
]
