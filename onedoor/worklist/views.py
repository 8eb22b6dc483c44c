"""My tasks: the work waiting on the signed-in person, derived from the records."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.triage.clock import ENGLAND_AND_WALES, TimeLeft, time_left
from onedoor.web.navigation import roles_for
from onedoor.worklist.items import SHOWN, Item, due_items_for


@dataclass(frozen=True)
class Row:
    item: Item
    clock: TimeLeft


@roles_required(*roles_for("web:tasks"))
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    now = timezone.now()
    rows = [
        Row(item, time_left(due=item.due, now=now, calendar=ENGLAND_AND_WALES))
        for item in due_items_for(user)
    ]
    return render(request, "worklist/my_tasks.html", {"rows": rows, "shown": SHOWN})
