"""Finding a child from the staff header's search box: `/search/?q=...`.

The page works without JavaScript; with it, the results follow what is typed (htmx, from
the page's own box). The query is read and run by `access/search.py`, through the access
layer, and audited there; it is never written to the application's logs.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onedoor.access.search import HOW_TO_SEARCH, SEARCHERS, Terms, read, search
from onedoor.accounts.decorators import roles_required, signed_in_user


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Name, date of birth, NHS number or referral reference",
        help_text=(
            "A name, a date of birth (3/4/2012), an NHS number (10 digits) or a referral "
            "reference (K7PX-3MQB), or more than one of these"
        ),
        required=False,
        strip=False,
    )

    def clean_q(self) -> Terms:
        return read(self.cleaned_data["q"])


@roles_required(*SEARCHERS)
@require_GET
def find_child(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = search(signed_in_user(request), form.cleaned_data["q"], typed=request.GET["q"])
    return render(
        request,
        "web/search.html",
        {
            "form": form,
            "found": found,
            "how_to_search": HOW_TO_SEARCH,
            "live": request.headers.get("HX-Request") == "true",
        },
    )
