"""My tasks: open tasks for the signed-in person's role, on referrals they may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from onedoor.access.records import referrals_visible_to
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.triage.clock import ENGLAND_AND_WALES, TimeLeft, time_left
from onedoor.web.navigation import roles_for
from onedoor.worklist.models import Task

SHOWN = 200


@dataclass(frozen=True)
class Row:
    task: Task
    clock: TimeLeft


@roles_required(*roles_for("web:tasks"))
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    tasks = (
        Task.objects.filter(
            role=user.role, done_at__isnull=True, referral__in=referrals_visible_to(user)
        )
        .select_related("referral__child")
        .order_by("due_at", "pk")[:SHOWN]
    )
    now = timezone.now()
    rows = [
        Row(task, time_left(due=task.due_at, now=now, calendar=ENGLAND_AND_WALES)) for task in tasks
    ]
    return render(request, "worklist/my_tasks.html", {"rows": rows, "shown": SHOWN})
