"""The committed OpenAPI document is the API's contract: it must be what the code serves."""

from __future__ import annotations

import json

from onedoor.api.management.commands.export_openapi import DOCUMENT, document


def test_the_committed_openapi_document_is_what_the_code_serves() -> None:
    assert DOCUMENT.read_text() == document(), (
        "docs/api/openapi.json has drifted from the code: run "
        "`ONEDOOR_TESTING=1 .venv/bin/python manage.py export_openapi` and commit it"
    )


def test_it_is_openapi_3_1_and_every_refusal_is_a_problem() -> None:
    committed = json.loads(DOCUMENT.read_text())
    assert committed["openapi"] == "3.1.0"
    for operations in committed["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"]
