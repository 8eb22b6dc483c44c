from django.apps import AppConfig


class SubjectAccessConfig(AppConfig):
    name = "onedoor.subject_access"
    label = "subject_access"
    verbose_name = "Subject access"
