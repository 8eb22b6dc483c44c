import os

os.environ.setdefault("ONEDOOR_TESTING", "1")

import pytest
import time_machine
from pytest_django.plugin import blocking_manager_key

from onedoor.alliance.loader import DEFAULT_FILE, load
from onedoor.alliance.models import Alliance
from tests.personas import NOW, People, make_people

MEDWAY = "medway"  # the slug in onedoor/alliance/data/medway.toml


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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database starts with the Medway configuration loaded once per worker (600
    queries a test saved); each test's transaction rolls back to it."""
    with django_db_blocker.unblock():
        load(DEFAULT_FILE)


# What a test must ask for to reach the database (pytest-django refuses it otherwise);
# fixtures such as `alliance` or `client` reach it through `db`.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (the PostgreSQL tier: the others "
        "already ran, alike, on SQLite)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `--database-tests-only`, leave out every test that cannot touch the configured
    database: one that asks for none of `DATABASE_FIXTURES` and has no `django_db` marker.
    Such a test (a pure rule, a script started against a database of its own) runs the same
    whichever database the tier configures, so the PostgreSQL tier need not run it again."""
    if not config.getoption("--database-tests-only"):
        return
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        uses = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        (kept if uses or item.get_closest_marker("django_db") else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    """A transactional test empties every table when it ends: load the configuration again,
    so the tests after it start from the same database as every other. Not after a worker's
    last test (`nextitem` None): its teardown has already dropped the test database, and
    nothing follows."""
    yield
    if nextitem is None:
        return
    marker = item.get_closest_marker("django_db")
    transactional = "transactional_db" in getattr(item, "fixturenames", ()) or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if transactional and item.get_closest_marker("browser") is None:
        blocker = item.config.stash[blocking_manager_key]
        with blocker.unblock():
            load(DEFAULT_FILE)


@pytest.fixture
def empty_database(db) -> None:  # type: ignore[no-untyped-def]
    """The database as before the first `load_alliance`: the configuration loaded for every
    test is deleted inside this test's transaction (and so comes back after it)."""
    from onedoor.alliance import models as m

    for model in (
        m.KpiTarget, m.Offer, m.DirectoryService, m.AuditCriterion, m.EscalationLevel,
        m.CheckInCadence, m.TriageClock, m.GpPractice, m.AreaPostcode, m.DeliveryMode,
        m.PriorityGroup, m.Need,
        m.Organisation, m.Alliance,
    ):  # fmt: skip
        model.objects.all().delete()


@pytest.fixture
def alliance(db) -> Alliance:  # type: ignore[no-untyped-def]
    """The Medway alliance as loaded from its configuration (already in the database)."""
    return Alliance.objects.get(slug=MEDWAY)


@pytest.fixture
def people(alliance: Alliance) -> People:
    return make_people(alliance)
