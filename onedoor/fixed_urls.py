"""The URLs every page links to, reversed once a process rather than on every request.

A signed-in page reversed about 18 URLs that never change (the header's and footer's links,
the navigation, the session script's endpoints), 30 µs each: a fifth of what a page with no
work of its own cost (B2 in `make bench`). Only names without arguments are kept; the key is
the URLconf and the script prefix as well as the name, so a deployment under a prefix, or a
test with a URLconf of its own, gets its own URLs.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@functools.cache
def _reversed(name: str, urlconf: Any, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def fixed_url(name: str) -> str:
    """`reverse(name)` for a URL name that takes no arguments."""
    return _reversed(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
