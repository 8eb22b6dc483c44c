from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onedoor.accounts"
    label = "accounts"
    verbose_name = "People and roles"
