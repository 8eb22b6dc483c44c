from typing import Any

from django.core.management.base import BaseCommand

from onedoor.accounts.models import User


class Command(BaseCommand):
    help = "List the demo accounts (username, role, organisation)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = (
            User.objects.filter(is_demo=True).select_related("organisation").order_by("username")
        )
        for user in users:
            organisation = user.organisation.name if user.organisation else ""
            self.stdout.write(f"  {user.username:<38} {user.role_label}, {organisation}")
