from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "onedoor.meetings"
    label = "meetings"
    verbose_name = "Multi-agency and professionals' meetings"
