from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from onedoor.access.search import SEARCHERS
from onedoor.accounts.navigation import pages_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "role", ""):
        return {"navigation": []}
    items = []
    for page in pages_for(user.role):
        href = reverse(page.url_name)
        items.append({"label": page.label, "href": href, "current": request.path.startswith(href)})
    return {"navigation": items, "can_search": user.role in SEARCHERS}
