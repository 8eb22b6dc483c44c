from django.apps import AppConfig


class CoproductionConfig(AppConfig):
    name = "onedoor.coproduction"
    label = "coproduction"
    verbose_name = "Co-production"
