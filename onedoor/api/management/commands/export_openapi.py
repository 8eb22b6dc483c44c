"""Write the API's OpenAPI document to `docs/api/openapi.json`, the committed contract that
`tests/test_api_contract.py` compares with the code."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from onedoor.api.v1 import api

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"


def document() -> str:
    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the API's OpenAPI document to docs/api/openapi.json."

    def handle(self, *args: Any, **options: Any) -> None:
        DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT.write_text(document())
        self.stdout.write(f"Wrote {DOCUMENT}")
