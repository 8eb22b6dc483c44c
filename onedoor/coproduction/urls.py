from django.urls import path

from onedoor.coproduction import views

app_name = "coproduction"
urlpatterns = [
    path("feedback/", views.give_feedback, name="give_feedback"),
    path("you-said-we-did/", views.published_log, name="published_log"),
    path("coproduction/feedback/", views.feedback_list, name="feedback"),
    path(
        "coproduction/feedback/<slug:source>/<uuid:uuid>/",
        views.feedback_themes,
        name="feedback_themes",
    ),
    path("coproduction/you-said-we-did/", views.log, name="log"),
    path("coproduction/you-said-we-did/new/", views.new_entry, name="new_entry"),
    path("coproduction/you-said-we-did/<uuid:uuid>/", views.entry, name="entry"),
]
