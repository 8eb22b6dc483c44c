"""The alliance as data: the Medway file loads exactly, idempotently, all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onedoor.alliance import models as m
from onedoor.alliance.loader import DEFAULT_FILE, ConfigurationError, load

MEDWAY = DEFAULT_FILE.read_text(encoding="utf-8")


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            m.Alliance, m.Organisation, m.Need, m.PriorityGroup, m.DeliveryMode, m.Offer,
            m.AreaPostcode, m.GpPractice, m.TriageClock, m.CheckInCadence, m.EscalationLevel,
            m.DirectoryService, m.KpiTarget,
        )
    }  # fmt: skip


MEDWAY_COUNTS = {
    "Alliance": 1, "Organisation": 14, "Need": 13, "PriorityGroup": 5, "DeliveryMode": 7,
    "Offer": 10, "AreaPostcode": 7, "GpPractice": 6, "TriageClock": 3, "CheckInCadence": 3,
    "EscalationLevel": 3, "DirectoryService": 15, "KpiTarget": 6,
}  # fmt: skip


def test_the_medway_configuration_loads_with_the_briefs_defaults(db: None) -> None:
    alliance = load(DEFAULT_FILE)
    assert _counts() == MEDWAY_COUNTS
    assert (alliance.min_age, alliance.max_age, alliance.extended_max_age) == (5, 18, 25)
    assert (alliance.public_name, alliance.phone, alliance.email, alliance.opening_hours) == (
        "Medway Children and Young People's Wellbeing Service",
        "0808 157 0123",
        "advice@medway-wellbeing.example",
        "Monday to Friday, 9am to 5pm, except bank holidays",
    )
    assert dict(alliance.triage_clocks.values_list("kind", "working_days")) == {
        "red": 0,
        "priority": 2,
        "routine": 5,
    }
    assert dict(alliance.cadences.values_list("rating", "interval_days")) == {
        "red": 7,
        "amber": 14,
        "green": 28,
    }
    kinds = dict(alliance.organisations.values_list("slug", "kind"))
    assert [slug for slug, kind in kinds.items() if kind == "lead_provider"] == ["north-kent-mind"]
    assert sorted(slug for slug, kind in kinds.items() if kind == "partner") == [
        "barratt-behaviour-change", "bfb-labs", "chums", "kooth", "oasis", "salus",
        "young-lives-foundation",
    ]  # fmt: skip
    assert set(
        alliance.priority_groups.filter(extends_eligibility=True).values_list("slug", flat=True)
    ) == {"care-leaver", "send"}
    lumi = m.Offer.objects.get(slug="lumi-nova")
    assert (lumi.organisation.slug, lumi.min_age, lumi.max_age, lumi.ithrive_grouping) == (
        "bfb-labs", 7, 12, "getting_help",
    )  # fmt: skip
    assert [need.slug for need in lumi.needs.all()] == ["anxiety"]
    assert m.Offer.objects.filter(description_is_illustrative=False).count() == 0
    assert [level.roles for level in alliance.escalation_levels.all()] == [
        ["triage_lead", "partner_lead", "care_coordinator"],
        ["clinical_lead", "safeguarding_lead"],
        ["clinical_lead", "service_manager"],
    ]


def test_loading_the_same_file_twice_changes_nothing(db: None) -> None:
    load(DEFAULT_FILE)
    first = {
        model: list(model.objects.order_by("pk").values())
        for model in (m.Organisation, m.Offer, m.DirectoryService, m.EscalationLevel)
    }
    load(DEFAULT_FILE)
    assert _counts() == MEDWAY_COUNTS
    for model, rows in first.items():
        assert list(model.objects.order_by("pk").values()) == rows


def test_reloading_restores_a_value_edited_in_the_file(db: None, tmp_path: Path) -> None:
    load(DEFAULT_FILE)
    edited = tmp_path / "medway.toml"
    edited.write_text(
        MEDWAY.replace("routine = 5", "routine = 4").replace(
            'phone = "0808 157 0123"', 'phone = "+44 1634 123456"'
        ),
        encoding="utf-8",
    )
    shutil.copy(DEFAULT_FILE.parent / "medway-practices.csv", tmp_path)  # named beside it
    load(edited)
    assert m.TriageClock.objects.get(kind="routine").working_days == 4
    # A phone number is kept in its national form, however the file writes it.
    assert m.Alliance.objects.get().phone == "01634 123456"
    assert _counts() == MEDWAY_COUNTS


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'ithrive_grouping = "getting_help"\nmin_age = 7\n',
            'ithrive_grouping = "getting_help"\nmin_age = "seven"\n',
            "entry offers[4] 'lumi-nova', field 'min_age': Input should be a valid integer",
        ),
        (
            'needs = ["anxiety"]\n',
            'needs = ["anxiety", "worry"]\n',
            "entry offers[4] 'lumi-nova', field 'needs': 'worry' is not defined in [[needs]]",
        ),
        (
            'organisation = "oasis"',
            'organisation = "oasys"',
            "entry offers[9] 'domestic-abuse-support', field 'organisation': "
            "no organisation has the slug 'oasys'",
        ),
        (
            "[clocks]\nred = 0",
            "[clocks]\nred = -1",
            "entry clocks, field 'red': Input should be greater than or equal to 0",
        ),
        (
            'notify_roles = ["clinical_lead", "safeguarding_lead"]',
            'notify_roles = ["clinical_lead", "director"]',
            "entry escalation_levels[1], field 'notify_roles[1]': Input should be",
        ),
        (
            'slug = "chums"\nname = "CHUMS"\nkind = "partner"',
            'slug = "kooth"\nname = "CHUMS"\nkind = "partner"',
            "entry organisations[5] 'kooth', field 'slug': is used twice",
        ),
        (
            'ithrive_grouping = "getting_advice"\nmin_age = 11\nmax_age = 25',
            'ithrive_grouping = "getting_advice"\nmin_age = 11\nmax_age = 25\ncolour = "blue"',
            "entry offers[3] 'kooth-online', field 'colour': Extra inputs are not permitted",
        ),
        ("format_version = 1", "format_version = 2", "entry (top level), field 'format_version'"),
        (
            'phone = "0808 157 0123"',
            'phone = "01632 96012"',
            "entry alliance, field 'phone': Value error, is not a UK phone number that can be "
            "called, such as 01634 123456",
        ),
        (
            'phone = "0808 157 0123"',
            'phone = "0800 FLOWERS"',
            "entry alliance, field 'phone': Value error, must be a UK phone number written with "
            "digits",
        ),
        (
            'email = "advice@medway-wellbeing.example"',
            'email = "advice at medway"',
            "entry alliance, field 'email': Value error, must be an email address",
        ),
        (
            'opening_hours = "Monday to Friday, 9am to 5pm, except bank holidays"',
            'opening_hours = " "',
            "entry alliance, field 'opening_hours': String should have at least 1 character",
        ),
        (
            'public_name = "Medway Children and Young People\'s Wellbeing Service"\n',
            "",
            "entry alliance, field 'public_name': Field required",
        ),
        (
            'organisation = "registered-referrers"',
            'organisation = "kooth"',
            "entry referrer_accounts, field 'organisation': must be an external organisation",
        ),
        (
            'email_domains = ["nhs.net",',
            'email_domains = ["nhs",',
            "entry referrer_accounts, field 'email_domains[0]': Value error, nhs is not a domain "
            "such as nhs.net, or *. and a domain, such as *.medway.sch.uk",
        ),
        (
            'kpi = "check-ins"',
            'kpi = "check-in"',
            "entry kpi_targets[2], field 'kpi': Input should be 'referrals',",
        ),
        (
            'kpi = "check-ins"',
            'kpi = "first-contact"',
            "entry kpi_targets[2] 'first-contact', field 'kpi': has two targets",
        ),
        (
            'target = 90\nimprovement = "higher"',
            'target = 90\nimprovement = "up"',
            "entry kpi_targets[2], field 'improvement': Input should be 'higher' or 'lower'",
        ),
        (
            "target = 90\n",
            "target = -1\n",
            "entry kpi_targets[2], field 'target': Input should be greater than or equal to 0",
        ),
    ],
)
def test_a_file_with_an_error_names_file_entry_and_field_and_loads_nothing(
    empty_database: None, tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in MEDWAY
    broken = tmp_path / "broken.toml"
    broken.write_text(MEDWAY.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load(broken)
    assert str(raised.value).startswith(f"{broken}: {message}")
    assert set(_counts().values()) == {0}


def test_an_error_in_a_reload_leaves_the_loaded_configuration_as_it_was(
    db: None, tmp_path: Path
) -> None:
    load(DEFAULT_FILE)
    broken = tmp_path / "broken.toml"
    broken.write_text(
        MEDWAY.replace("routine = 5", "routine = 4").replace(
            'organisation = "oasis"', 'organisation = "nobody"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError):
        load(broken)
    assert m.TriageClock.objects.get(kind="routine").working_days == 5
    assert _counts() == MEDWAY_COUNTS


def test_a_file_that_is_not_toml_is_named(db: None, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[alliance\nslug = 1", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"broken.toml: not valid TOML"):
        load(broken)


def test_the_command_exits_with_the_error(empty_database: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"missing.toml: no such file"):
        call_command("load_alliance", str(tmp_path / "missing.toml"))
    assert set(_counts().values()) == {0}
