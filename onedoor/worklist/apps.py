from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "onedoor.worklist"
    label = "worklist"
    verbose_name = "Tasks"
