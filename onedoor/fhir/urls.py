"""The FHIR adapter's addresses, under `/fhir/R4/` (`onedoor/urls.py`). Each view admits a
client's token itself (`views.endpoint`); only `metadata` is open to anyone."""

from django.urls import path

from onedoor.fhir import views

app_name = "fhir"

urlpatterns = [
    path("", views.transaction, name="transaction"),
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient_search"),
    path("Patient/<str:id>", views.patient_read, name="patient"),
    path("ServiceRequest", views.service_request_search, name="service_request_search"),
    path("ServiceRequest/<str:id>", views.service_request_read, name="service_request"),
    path("Task", views.task_search, name="task_search"),
    path("Task/<str:id>", views.task_read, name="task"),
    path("Encounter", views.encounter_search, name="encounter_search"),
    path("Encounter/<str:id>", views.encounter_read, name="encounter"),
    path("Observation", views.observation_search, name="observation_search"),
    path("Observation/<str:id>", views.observation_read, name="observation"),
    path(
        "QuestionnaireResponse",
        views.questionnaire_response_search,
        name="questionnaire_response_search",
    ),
    path(
        "QuestionnaireResponse/<str:id>",
        views.questionnaire_response_read,
        name="questionnaire_response",
    ),
]
