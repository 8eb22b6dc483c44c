from django.urls import path

from onedoor.care import views as care_views
from onedoor.insights import views as insights_views
from onedoor.triage import views as triage_views
from onedoor.web import child_views, search_views, views
from onedoor.worklist import views as worklist_views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("triage/", triage_views.queue, name="triage"),
    path("waiting/", care_views.waiting, name="waiting"),
    path("caseload/", care_views.caseload, name="caseload"),
    path("tasks/", worklist_views.my_tasks, name="tasks"),
    path("insights/", insights_views.dashboard, name="insights"),
    path("governance/", views.governance, name="governance"),
    path("governance/escalations/", triage_views.escalations, name="escalations"),
    path(
        "governance/complex-decisions/<uuid:referral_uuid>/",
        triage_views.complex_decisions,
        name="complex_decisions",
    ),
    path("children/<uuid:child_uuid>/", views.child, name="child"),
    path("children/<uuid:child_uuid>/details/", child_views.correct, name="correct_details"),
    path(
        "children/<uuid:child_uuid>/consent-to-share/",
        child_views.consent_to_share,
        name="consent_to_share",
    ),
    path("search/", search_views.find_child, name="search"),
    path("assets/<path:path>", views.nhsuk_asset, name="nhsuk_asset"),
]
