from django.urls import path

from onedoor.case_audits import views

app_name = "case_audits"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("new/", views.new_round, name="new_round"),
    path("compliance/", views.compliance, name="compliance"),
    path("actions/<uuid:action_uuid>/", views.action_page, name="action"),
    path("actions/<uuid:action_uuid>/done/", views.action_done, name="action_done"),
    path("<uuid:uuid>/", views.round_page, name="round"),
    path("<uuid:uuid>/actions/", views.add_action, name="add_action"),
    path("<uuid:uuid>/close/", views.close_round, name="close_round"),
    path("<uuid:uuid>/records/<uuid:case_uuid>/", views.score_case, name="score"),
]
