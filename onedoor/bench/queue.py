"""B1: the triage queue as the triage lead opens it, against `/health` in the same run; and
its deepest page against its first (a keyset page costs the same at any depth, `paging`).

The deepest page is found as a person would reach it: following each page's "Next page" link
(its `after=` cursor) from the first to the last.
"""

from __future__ import annotations

import html
import re

from django.test import Client

from onedoor.bench.harness import Context, interleaved, p95
from onedoor.bench.measure import Row

QUEUE = "/triage/"
_NEXT = re.compile(r'href="\?([^"]*)"><span class="nhsuk-pagination__title">Next page<')


def next_page(page: str) -> str:
    """The address of the page after `page` (its HTML), or "" on the last."""
    found = _NEXT.search(page)
    return f"{QUEUE}?{html.unescape(found.group(1))}" if found else ""


def pages(client: Client) -> list[str]:
    """Every page of the queue's address, first to last."""
    addresses = [QUEUE]
    while True:
        response = client.get(addresses[-1])
        if response.status_code != 200:
            raise SystemExit(f"bench: {addresses[-1]} answered {response.status_code}")
        following = next_page(response.content.decode())
        if not following:
            return addresses
        addresses.append(following)


def run(context: Context) -> list[Row]:
    client = context.client_as("triage")
    addresses = pages(client)
    first, deepest = addresses[0], addresses[-1]
    context.beat()
    p95s = interleaved(
        {
            "health": lambda: client.get("/health"),
            "first": lambda: client.get(first),
            "deepest": lambda: client.get(deepest),
        },
        context.repeat,
        p95,
    )
    health, first_page, deepest_page = p95s["health"], p95s["first"], p95s["deepest"]
    return [
        Row("B1", "triage queue p95 / /health p95", first_page / health, "ratio", ("<=", 15.0)),
        Row(
            "B1",
            "triage queue, deepest page p95 / first page p95",
            deepest_page / first_page,
            "ratio",
            ("<=", 1.2),
        ),
        Row("B1", "triage queue, first page p95", first_page, "ms"),
        Row("B1", f"triage queue, deepest page (page {len(addresses)}) p95", deepest_page, "ms"),
        Row("B1", "/health p95", health, "ms"),
    ]
