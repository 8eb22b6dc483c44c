"""Load an alliance's configuration from its versioned data file, all or nothing.

The file is validated completely before anything is written; an error names the file, the
entry and the field. Entries are matched by slug, so loading the same file twice changes
nothing the second time.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from onedoor.accounts.roles import Role
from onedoor.alliance import email_domains, practices
from onedoor.alliance import models as m
from onedoor.alliance.contacts import uk_phone

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=50)]
Age = Annotated[int, Field(ge=0, le=30)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError as error:
        raise ValueError("must be an email address, such as advice@example.org") from error
    return value


UkPhone = Annotated[str, AfterValidator(uk_phone)]
Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_email)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AllianceEntry(Strict):
    slug: Slug
    name: Text
    area_name: Text
    config_version: Text
    # What families and referrers see: the service's name and the Referral and Advice Point's
    # contacts (on the public pages and in their emails).
    public_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    phone: UkPhone
    email: Email
    opening_hours: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    min_age: Age
    max_age: Age
    extended_max_age: Age
    break_glass_hours: Annotated[int, Field(ge=1, le=72)]
    small_numbers_below: Annotated[int, Field(ge=1, le=50)] = 5
    supervision_every_days: Annotated[int, Field(ge=7, le=365)] = 31
    audit_sample_size: Annotated[int, Field(ge=1, le=50)] = 5
    urgent_screening_hours: Annotated[int, Field(ge=1, le=40)] = 2
    postcode_districts: list[
        Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")]
    ]
    # The GP practices of an alliance that has none yet, in the NHS's practice file format,
    # beside this file (`practices.py`); `manage.py load_practices` replaces them.
    gp_practices_file: str = ""


class OrganisationEntry(Strict):
    slug: Slug
    name: Text
    kind: Literal["lead_provider", "partner", "external"]
    description: str = ""
    description_is_illustrative: bool = True


class NamedEntry(Strict):
    slug: Slug
    name: Text


class PriorityGroupEntry(NamedEntry):
    kind: Literal["priority", "vulnerability"]
    extends_eligibility: bool = False
    shortens_triage_clock: bool = False
    needs_consent_to_record: bool = False


class OfferEntry(Strict):
    organisation: Slug
    slug: Slug
    name: Text
    description: Text
    description_is_illustrative: bool = True
    ithrive_grouping: Literal[tuple(m.IThriveGrouping.values)]  # type: ignore[valid-type]
    min_age: Age
    max_age: Age
    needs: list[Slug]
    priority_groups: list[Slug]
    delivery_modes: Annotated[list[Slug], Field(min_length=1)]
    capacity: Annotated[int, Field(ge=0)]


class EscalationEntry(Strict):
    level: Annotated[int, Field(ge=1)]
    name: Text
    notify_roles: Annotated[list[Literal[tuple(Role.values)]], Field(min_length=1)]  # type: ignore[valid-type]
    notify_description: str = ""
    hours_to_next_level: Annotated[int, Field(ge=1)] | None = None


class AuditCriterionEntry(Strict):
    slug: Slug
    name: Text
    guidance: str = ""


class DirectoryEntry(Strict):
    slug: Slug
    name: Text
    category: Text
    description: Text
    phone: str = ""
    website: str = ""
    # The ages it serves, inclusive; leave one out for no limit that way (any age).
    min_age: Annotated[int, Field(ge=0, le=120)] | None = None
    max_age: Annotated[int, Field(ge=0, le=120)] | None = None
    crisis: bool = False


class Clocks(Strict):
    red: Annotated[int, Field(ge=0, le=60)]
    priority: Annotated[int, Field(ge=0, le=60)]
    routine: Annotated[int, Field(ge=0, le=60)]


class TargetEntry(Strict):
    kpi: Literal[tuple(slug for slug, _ in m.TARGETED_KPIS)]  # type: ignore[valid-type]
    target: Annotated[float, Field(ge=0)]
    improvement: Literal["higher", "lower"]


class Cadences(Strict):
    red: Annotated[int, Field(ge=1, le=90)]
    amber: Annotated[int, Field(ge=1, le=90)]
    green: Annotated[int, Field(ge=1, le=90)]


def _domain_pattern(value: str) -> str:
    try:
        return email_domains.check_pattern(value)
    except email_domains.NotAPattern as error:
        raise ValueError(str(error)) from error


class ReferrerAccountsEntry(Strict):
    """Professional referrer accounts: the external organisation they belong to, and the
    work email domains they may register with (`email_domains.py`)."""

    organisation: Slug
    email_domains: list[Annotated[str, AfterValidator(_domain_pattern)]]


class RetentionEntry(Strict):
    """How long records are kept (`privacy.retention`): the NHS England Records Management
    Code of Practice's periods unless the file says otherwise."""

    children_until_birthday: Annotated[int, Field(ge=18, le=30)] = m.RETENTION_DEFAULTS[
        "children_until_birthday"
    ]
    children_until_birthday_if_17: Annotated[int, Field(ge=18, le=30)] = m.RETENTION_DEFAULTS[
        "children_until_birthday_if_17"
    ]
    mental_health_years: Annotated[int, Field(ge=1, le=100)] = m.RETENTION_DEFAULTS[
        "mental_health_years"
    ]
    incident_years: Annotated[int, Field(ge=1, le=100)] = m.RETENTION_DEFAULTS["incident_years"]


class AllianceFile(Strict):
    format_version: Literal[1]
    alliance: AllianceEntry
    clocks: Clocks
    waiting_well: Cadences
    organisations: list[OrganisationEntry]
    needs: list[NamedEntry]
    priority_groups: list[PriorityGroupEntry]
    delivery_modes: list[NamedEntry]
    offers: list[OfferEntry]
    escalation_levels: Annotated[list[EscalationEntry], Field(min_length=1)]
    directory: list[DirectoryEntry]
    audit_criteria: list[AuditCriterionEntry] = []
    referrer_accounts: ReferrerAccountsEntry | None = None
    kpi_targets: list[TargetEntry] = []
    retention: RetentionEntry = RetentionEntry()


class ConfigurationError(Exception):
    """A data file that cannot be loaded: says which file, which entry, which field."""


def _entry_label(data: dict[str, Any], loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Turn a pydantic location such as ("offers", 3, "min_age") into an entry and a field."""
    if len(loc) == 1:
        return "(top level)", str(loc[0])
    section = str(loc[0])
    rest: tuple[int | str, ...] = loc[1:]
    entry = section
    if len(loc) >= 3 and isinstance(loc[1], int):
        position = loc[1]
        entry = f"{section}[{position}]"
        items = data.get(section)
        if isinstance(items, list) and position < len(items) and isinstance(items[position], dict):
            slug = items[position].get("slug")
            if isinstance(slug, str):
                entry += f" '{slug}'"
        rest = loc[2:]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    return entry, field.lstrip(".")


def parse(path: Path) -> AllianceFile:
    return _parse(path)[0]


def _parse(path: Path) -> tuple[AllianceFile, list[practices.PracticeLine] | None]:
    """The file, checked, and the practices in its practice file (None when it names none)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigurationError(f"{path}: no such file") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{path}: not valid TOML: {error}") from error
    try:
        parsed = AllianceFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        entry, field = _entry_label(data, tuple(first["loc"]))
        raise ConfigurationError(
            f"{path}: entry {entry}, field '{field}': {first['msg']}"
        ) from error
    _check_references(path, parsed)
    return parsed, _practices(path, parsed.alliance)


def _practices(path: Path, entry: AllianceEntry) -> list[practices.PracticeLine] | None:
    if not entry.gp_practices_file:
        return None
    try:
        found = practices.read_file(path.parent / entry.gp_practices_file)
        return practices.in_area(found, entry.postcode_districts, entry.area_name)
    except practices.PracticeFileError as error:
        raise ConfigurationError(
            f"{path}: entry alliance, field 'gp_practices_file': {entry.gp_practices_file}: {error}"
        ) from error


def _check_references(path: Path, config: AllianceFile) -> None:
    def fail(entry: str, field: str, message: str) -> None:
        raise ConfigurationError(f"{path}: entry {entry}, field '{field}': {message}")

    a = config.alliance
    if not a.min_age <= a.max_age <= a.extended_max_age:
        fail("alliance", "max_age", "ages must satisfy min_age <= max_age <= extended_max_age")
    sections = ("organisations", "needs", "priority_groups", "delivery_modes", "directory")
    for section in (*sections, "audit_criteria"):
        seen: set[str] = set()
        for index, item in enumerate(getattr(config, section)):
            if item.slug in seen:
                fail(f"{section}[{index}] '{item.slug}'", "slug", "is used twice")
            seen.add(item.slug)
    targeted: set[str] = set()
    for index, target in enumerate(config.kpi_targets):
        if target.kpi in targeted:
            fail(f"kpi_targets[{index}] '{target.kpi}'", "kpi", "has two targets")
        targeted.add(target.kpi)
    kinds = [org.kind for org in config.organisations]
    if kinds.count("lead_provider") != 1:
        fail("organisations", "kind", "there must be exactly one lead_provider")
    organisations = {org.slug: org for org in config.organisations}
    needs = {need.slug for need in config.needs}
    groups = {group.slug for group in config.priority_groups}
    modes = {mode.slug for mode in config.delivery_modes}
    offer_keys: set[tuple[str, str]] = set()
    for index, offer in enumerate(config.offers):
        label = f"offers[{index}] '{offer.slug}'"
        if offer.organisation not in organisations:
            fail(label, "organisation", f"no organisation has the slug '{offer.organisation}'")
        if organisations[offer.organisation].kind == "external":
            fail(label, "organisation", "external services do not have alliance offers")
        if (offer.organisation, offer.slug) in offer_keys:
            fail(label, "slug", "is used twice for this organisation")
        offer_keys.add((offer.organisation, offer.slug))
        if offer.min_age > offer.max_age:
            fail(label, "max_age", "must not be below min_age")
        for field, known, values in (
            ("needs", needs, offer.needs),
            ("priority_groups", groups, offer.priority_groups),
            ("delivery_modes", modes, offer.delivery_modes),
        ):
            for value in values:
                if value not in known:
                    fail(label, field, f"'{value}' is not defined in [[{field}]]")
    referrers = config.referrer_accounts
    if referrers is not None:
        if referrers.organisation not in organisations:
            fail(
                "referrer_accounts",
                "organisation",
                f"no organisation has the slug '{referrers.organisation}'",
            )
        if organisations[referrers.organisation].kind != "external":
            fail("referrer_accounts", "organisation", "must be an external organisation")
    levels = [level.level for level in config.escalation_levels]
    if sorted(levels) != list(range(1, len(levels) + 1)):
        fail("escalation_levels", "level", "levels must be numbered 1, 2, 3... without gaps")
    top = max(config.escalation_levels, key=lambda level: level.level)
    for index, level in enumerate(config.escalation_levels):
        if level is not top and level.hours_to_next_level is None:
            fail(f"escalation_levels[{index}]", "hours_to_next_level", "required below the top")
    for index, service in enumerate(config.directory):
        label = f"directory[{index}] '{service.slug}'"
        if service.website and not service.website.startswith("https://"):
            fail(label, "website", "must start with https://")
        youngest, oldest = service.min_age, service.max_age
        if youngest is not None and oldest is not None and youngest > oldest:
            fail(label, "max_age", "must not be below min_age")


@transaction.atomic
def load(path: Path) -> m.Alliance:
    """Validate the file, then write all of it in one transaction."""
    config, practice_lines = _parse(path)
    a = config.alliance
    alliance, _ = m.Alliance.objects.update_or_create(
        slug=a.slug,
        defaults={
            "name": a.name,
            "area_name": a.area_name,
            "public_name": a.public_name,
            "phone": a.phone,
            "email": a.email,
            "opening_hours": a.opening_hours,
            "config_version": a.config_version,
            "min_age": a.min_age,
            "max_age": a.max_age,
            "extended_max_age": a.extended_max_age,
            "break_glass_hours": a.break_glass_hours,
            "small_numbers_below": a.small_numbers_below,
            "supervision_every_days": a.supervision_every_days,
            "audit_sample_size": a.audit_sample_size,
            "urgent_screening_hours": a.urgent_screening_hours,
            "retention": config.retention.model_dump(),
        },
    )
    for district in a.postcode_districts:
        m.AreaPostcode.objects.get_or_create(alliance=alliance, district=district)
    for target in config.kpi_targets:
        m.KpiTarget.objects.update_or_create(
            alliance=alliance,
            kpi=target.kpi,
            defaults={"target": target.target, "improvement": target.improvement},
        )
    for kind, days in config.clocks.model_dump().items():
        m.TriageClock.objects.update_or_create(
            alliance=alliance, kind=kind, defaults={"working_days": days}
        )
    for rating, interval in config.waiting_well.model_dump().items():
        m.CheckInCadence.objects.update_or_create(
            alliance=alliance, rating=rating, defaults={"interval_days": interval}
        )
    organisations = {
        org.slug: m.Organisation.objects.update_or_create(
            alliance=alliance, slug=org.slug, defaults=org.model_dump(exclude={"slug"})
        )[0]
        for org in config.organisations
    }
    needs = _named(m.Need, alliance, config.needs)
    groups = {
        group.slug: m.PriorityGroup.objects.update_or_create(
            alliance=alliance, slug=group.slug, defaults=group.model_dump(exclude={"slug"})
        )[0]
        for group in config.priority_groups
    }
    modes = _named(m.DeliveryMode, alliance, config.delivery_modes)
    for entry in config.offers:
        offer, _ = m.Offer.objects.update_or_create(
            organisation=organisations[entry.organisation],
            slug=entry.slug,
            defaults=entry.model_dump(
                exclude={"organisation", "slug", "needs", "priority_groups", "delivery_modes"}
            ),
        )
        offer.needs.set([needs[slug] for slug in entry.needs])
        offer.priority_groups.set([groups[slug] for slug in entry.priority_groups])
        offer.delivery_modes.set([modes[slug] for slug in entry.delivery_modes])
    if practice_lines is not None and not m.GpPractice.objects.filter(alliance=alliance).exists():
        # The file's practices start an alliance's list; after that `load_practices` keeps it,
        # and reloading this file never puts back practices a published file took away.
        practices.replace(alliance, practice_lines)
    for level in config.escalation_levels:
        m.EscalationLevel.objects.update_or_create(
            alliance=alliance,
            level=level.level,
            defaults={
                "name": level.name,
                "notify_roles": ",".join(level.notify_roles),
                "notify_description": level.notify_description,
                "hours_to_next_level": level.hours_to_next_level,
            },
        )
    for service in config.directory:
        m.DirectoryService.objects.update_or_create(
            alliance=alliance, slug=service.slug, defaults=service.model_dump(exclude={"slug"})
        )
    if config.referrer_accounts is not None:
        alliance.referrer_organisation = organisations[config.referrer_accounts.organisation]
        alliance.referrer_email_domains = "\n".join(config.referrer_accounts.email_domains)
        alliance.save(update_fields=["referrer_organisation", "referrer_email_domains"])
    for position, criterion in enumerate(config.audit_criteria, start=1):
        m.AuditCriterion.objects.update_or_create(
            alliance=alliance,
            slug=criterion.slug,
            defaults={**criterion.model_dump(exclude={"slug"}), "position": position},
        )
    return alliance


def _named(model: Any, alliance: m.Alliance, entries: list[NamedEntry]) -> dict[str, Any]:
    return {
        entry.slug: model.objects.update_or_create(
            alliance=alliance, slug=entry.slug, defaults={"name": entry.name}
        )[0]
        for entry in entries
    }


DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "medway.toml"
