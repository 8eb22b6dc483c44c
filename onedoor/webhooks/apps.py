from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "onedoor.webhooks"
    label = "webhooks"
    verbose_name = "Event notifications (webhooks)"
