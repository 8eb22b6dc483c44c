from django.urls import path

from onedoor.insights import views

app_name = "insights"
urlpatterns = [
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("kpis/<slug:slug>/", views.kpi_detail, name="kpi"),
    path("pack/", views.pack, name="pack"),
    path("pack.pdf", views.pack_pdf, name="pack_pdf"),
    path("records/<slug:slug>/", views.records_behind, name="records"),
    path("extracts/<slug:name>.csv", views.extract, name="extract"),
]
