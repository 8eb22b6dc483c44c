from typing import Any

from django.contrib.auth.backends import ModelBackend

from onedoor.accounts.models import User
from onedoor.accounts.roles import SYSTEM_ROLES
from onedoor.accounts.user_read import read_user


class ModelBackendWithOrganisation(ModelBackend):
    """Django's backend, fetching the user's organisation in the same query.

    Every page shows the organisation, so this saves a query on every page; the read is one
    statement written once a process (`user_read.py`, ADR 32). An API client's
    account (a system role) never signs in and never has a session: it acts only through its
    token, on `/api/v1/` and `/fhir/R4/`.
    """

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and user.role not in SYSTEM_ROLES

    def get_user(self, user_id: Any) -> User | None:
        # By one statement written once a process, on every signed-in request (ADR 32).
        user = read_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
