from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from onedoor.access.search import SEARCHERS
from onedoor.accounts.navigation import pages_for
from onedoor.alliance import identity
from onedoor.fixed_urls import fixed_url


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "role", ""):
        return {"navigation": []}
    items = []
    for page in pages_for(user.role):
        href = fixed_url(page.url_name)
        items.append({"label": page.label, "href": href, "current": request.path.startswith(href)})
    return {"navigation": items, "can_search": user.role in SEARCHERS}


def service(request: HttpRequest) -> dict[str, Any]:
    """The service's public name and contacts for the public pages (`public_base.html`): read
    only by a page that shows them (one query), so a staff page costs nothing."""
    return {"service": SimpleLazyObject(identity.current)}
