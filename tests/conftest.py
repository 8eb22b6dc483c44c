import os

os.environ.setdefault("ONEDOOR_TESTING", "1")

import pytest
import time_machine

from onedoor.alliance.loader import DEFAULT_FILE, load
from onedoor.alliance.models import Alliance
from tests.personas import NOW, People, make_people


@pytest.fixture(autouse=True)
def _pinned_clock(time_machine: time_machine.TimeMachineFixture) -> None:
    """Every test starts at the personas' moment (`personas.NOW`), whatever the day the suite
    runs; the clock ticks on from there. Move it with `time_machine.move_to(...)`."""
    time_machine.move_to(NOW, tick=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def alliance(db) -> Alliance:  # type: ignore[no-untyped-def]
    return load(DEFAULT_FILE)


@pytest.fixture
def people(alliance: Alliance) -> People:
    return make_people(alliance)
