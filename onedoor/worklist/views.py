"""My tasks: the work waiting on the signed-in person, derived from the records."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onedoor import clock
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.worklist.items import SHOWN, due_items_for, with_clocks


@roles_required(*roles_for("web:tasks"))
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    now = clock.now()
    rows = with_clocks(due_items_for(user, now), now)
    return render(request, "worklist/my_tasks.html", {"rows": rows, "shown": SHOWN})
