from django.urls import path

from onedoor.insights import views

app_name = "insights"
urlpatterns = [
    path("export.csv", views.export_csv, name="export_csv"),
    path("extracts/<slug:name>.csv", views.extract, name="extract"),
]
