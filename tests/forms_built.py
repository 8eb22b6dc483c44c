"""Counting the forms a page builds: a view builds at most one unbound form for a GET (each
write has its own address, and the page that shows a record links to it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.forms.forms import BaseForm


@contextmanager
def forms_built() -> Iterator[list[BaseForm]]:
    """Every form built inside the block, in order."""
    built: list[BaseForm] = []
    original = BaseForm.__init__

    def counting(self: BaseForm, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    with mock.patch.object(BaseForm, "__init__", counting):
        yield built


def unbound_forms_of(built: list[BaseForm], package: str) -> list[str]:
    """The names of the unbound forms built from `package`'s modules (a page's header may
    build its own, such as a search box)."""
    return [
        type(form).__name__
        for form in built
        if not form.is_bound
        and any(kind.__module__.startswith(package) for kind in type(form).__mro__)
    ]
