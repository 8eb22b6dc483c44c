from typing import Any

from django.contrib.auth.backends import ModelBackend

from onedoor.accounts.models import User


class ModelBackendWithOrganisation(ModelBackend):
    """Django's backend, fetching the user's organisation in the same query.

    Every page shows the organisation, so this saves a query on every page.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
