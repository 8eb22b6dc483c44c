"""My tasks: the work waiting on the signed-in person, derived from the records."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onedoor import clock
from onedoor.accounts.decorators import roles_required
from onedoor.accounts.models import User
from onedoor.accounts.navigation import roles_for
from onedoor.worklist.counts import DUE, due_counts, keeps
from onedoor.worklist.items import SHOWN, due_items_for, with_clocks


@roles_required(*roles_for("web:tasks"))
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The user's open tasks, each with its clock and the child's current risk; all of them,
    or only the overdue ones, or those due today (`?due=`; anything else shows all)."""
    user = request.user
    assert isinstance(user, User)
    now = clock.now()
    every = with_clocks(due_items_for(user, now), now)
    due = request.GET.get("due", "")
    if due not in DUE:
        due = ""
    context = {
        "rows": [row for row in every if keeps(row, due)],
        "shown": SHOWN,
        "capped": len(every) == SHOWN,
        "due": due,
        "due_choices": due_counts(every),
        "shown_label": DUE[due][0] if due else "Open tasks",
    }
    return render(request, "worklist/my_tasks.html", context)
