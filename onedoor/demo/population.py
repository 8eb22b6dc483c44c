"""A deterministic, synthetic alliance population for demonstrations, tests and benchmarks.

Names are obviously synthetic; NHS numbers come from the 999 test range with valid check
digits; the same seed and size always give the same people, so running it again adds
nothing and a larger size tops up.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from onedoor import clock
from onedoor.accounts.models import ReferrerDetails, User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Offer, Organisation, PriorityGroup
from onedoor.care.models import CoordinatorAssignment
from onedoor.care.young_adults import CARE_LEAVER, is_young_adult
from onedoor.children.models import Child, Ethnicity, Gender, Journey
from onedoor.children.nhs_number import check_digit
from onedoor.clock.calendar import ENGLAND_AND_WALES, due_at
from onedoor.demo.activity import review_past_signposting, seed_activity
from onedoor.demo.meetings import seed_demo_meetings
from onedoor.demo.shaping import Child as Shaped
from onedoor.demo.shaping import shape_child
from onedoor.demo.stories import Setting, SignOff, Story
from onedoor.referrals.actions import eligibility_rules
from onedoor.referrals.bands import queue_band
from onedoor.referrals.models import (
    ConsentGivenBy,
    Referral,
    RiskRating,
    Route,
    Source,
    Status,
)
from onedoor.referrals.reference import new_reference

T = TypeVar("T")

DEMO_NAMESPACE = uuid.UUID("6f1d6c8e-2b9a-4c41-9d5e-0d00d00d0001")

GIVEN_NAMES = (
    "Ava", "Noah", "Mia", "Leo", "Isla", "Oliver", "Amara", "Theo", "Zara", "Finley", "Ruby",
    "Kai", "Maya", "Arlo", "Ivy", "Ezra", "Aisha", "Jude", "Nia", "Reuben", "Priya", "Tomasz",
    "Layla", "Kofi", "Freya", "Yusuf", "Esme", "Dylan", "Sofia", "Rowan",
)  # fmt: skip
SYNTHETIC_FAMILY_NAMES = (
    "Example", "Sample", "Specimen", "Testwell", "Mockford", "Fakeham", "Dummyfield",
    "Pretendon", "Proxley", "Synthwaite", "Madeupson", "Notreal", "Democroft", "Fictiona",
)  # fmt: skip

# Demo accounts at the lead provider (or, for the commissioner, the council).
LEAD_PROVIDER_ACCOUNTS = {
    "triage": Role.TRIAGE_LEAD,
    "coordinator": Role.CARE_COORDINATOR,
    "practitioner": Role.PRACTITIONER,  # the lead provider's own offers (one-to-one support)
    "clinical-lead": Role.CLINICAL_LEAD,
    "safeguarding": Role.SAFEGUARDING_LEAD,
    "manager": Role.SERVICE_MANAGER,
    "analyst": Role.ANALYST,
    "admin": Role.ADMINISTRATOR,
}
COMMISSIONER_ACCOUNT = "commissioner"
COMMISSIONER_ORGANISATION = "medway-council"
# A GP who registered as a professional referrer, with referrals of their own.
GP_REFERRER = "gp-referrer"
GP_REFERRER_REFERRALS = (
    Status.AWAITING_TRIAGE, Status.WAITING, Status.IN_INTERVENTION, Status.SIGNPOSTED,
    Status.DISCHARGED,
)  # fmt: skip


def demo_usernames(alliance: Alliance) -> dict[str, tuple[Role, Organisation]]:
    """Every demo account: username -> (role, organisation)."""
    lead = alliance.organisations.get(kind=Organisation.Kind.LEAD_PROVIDER)
    accounts: dict[str, tuple[Role, Organisation]] = {
        name: (role, lead) for name, role in LEAD_PROVIDER_ACCOUNTS.items()
    }
    council = alliance.organisations.get(slug=COMMISSIONER_ORGANISATION)
    accounts[COMMISSIONER_ACCOUNT] = (Role.COMMISSIONER, council)
    for partner in alliance.organisations.filter(kind=Organisation.Kind.PARTNER).order_by("slug"):
        accounts[f"{partner.slug}-practitioner"] = (Role.PRACTITIONER, partner)
        accounts[f"{partner.slug}-lead"] = (Role.PARTNER_LEAD, partner)
    if alliance.referrer_organisation is not None:
        accounts[GP_REFERRER] = (Role.PROFESSIONAL_REFERRER, alliance.referrer_organisation)
    return accounts


@dataclass
class AccountsResult:
    created: list[str]
    password: str | None  # shown once: the generated password, when one was generated


class DemoAccountClash(Exception):
    """A real (non-demo) account already has a demo username: demo data never touches it."""


def ensure_demo_accounts(alliance: Alliance, password: str | None) -> AccountsResult:
    """Create the demo accounts that are missing. A given password is set on every one."""
    wanted = demo_usernames(alliance)
    existing = {user.username: user for user in User.objects.filter(username__in=wanted)}
    real = sorted(name for name, user in existing.items() if not user.is_demo)
    if real:
        raise DemoAccountClash(
            f"Real accounts already use demo usernames ({', '.join(real)}); "
            "demo data is not loaded alongside them"
        )
    generated = None
    if password is None and len(existing) < len(wanted):
        generated = secrets.token_urlsafe(12)
    chosen = password or generated
    # With no password (accounts exist, none given), new accounts can't sign in until one is.
    hashed = make_password(chosen)
    if password is not None and existing:
        User.objects.filter(username__in=existing, is_demo=True).update(password=hashed)
    created = []
    for username, (role, organisation) in wanted.items():
        if username in existing:
            continue
        user = User.objects.create(
            username=username,
            first_name="Demo",
            last_name=username,
            role=role,
            organisation=organisation,
            is_demo=True,
            password=hashed,
        )
        if role == Role.PROFESSIONAL_REFERRER:
            user.email = f"{username}@example.org"
            user.save(update_fields=["email"])
            ReferrerDetails.objects.create(
                user=user,
                job_title="GP",
                workplace="Demo Surgery",
                works_in=Source.GP,
                work_phone="01632 960001",
            )
        created.append(username)
    return AccountsResult(created=created, password=generated)


def refer_as_the_demo_gp(alliance: Alliance) -> int:
    """Make the demo GP (`gp-referrer`) the referrer of one professional referral from a GP in
    each of `GP_REFERRER_REFERRALS`' states, the newest of each, unless they have some already.
    How many are theirs now."""
    gp = User.objects.filter(username=GP_REFERRER, is_demo=True).first()
    if gp is None:
        return 0
    theirs = Referral.objects.filter(referred_by=gp)
    if theirs.exists():
        return theirs.count()
    for status in GP_REFERRER_REFERRALS:
        referral = (
            Referral.objects.filter(
                child__alliance=alliance, source=Source.GP, status=status, referred_by=None
            )
            .order_by("-received_at")
            .first()
        )
        if referral is not None:
            Referral.objects.filter(pk=referral.pk).update(
                referred_by=gp,
                route=Route.PROFESSIONAL,
                referrer_name="Demo gp-referrer",
                referrer_role="GP",
                referrer_organisation="Demo Surgery",
                referrer_email=gp.email,
                referrer_phone="01632 960001",
            )
    return theirs.count()


def demo_nhs_numbers() -> Iterator[str]:
    """Valid NHS numbers in the 999 test range, in a fixed scrambled order."""
    for j in range(1_000_000):
        first_nine = f"999{(j * 7919) % 1_000_000:06d}"
        digit = check_digit(first_nine)
        if digit is not None:
            yield first_nine + str(digit)


# Per thousand referrals over the demo's 400 days: most have ended; those still in triage
# or waiting for a partner's answer are the last few days' (`stories.py`).
STATUS_WEIGHTS = (
    (Status.AWAITING_TRIAGE, 20), (Status.MORE_INFORMATION, 4), (Status.AWAITING_SIGN_OFF, 5),
    (Status.ALLOCATED, 15), (Status.WAITING, 100), (Status.IN_INTERVENTION, 140),
    (Status.IN_TRANSITION, 5), (Status.SIGNPOSTED, 130), (Status.STEPPED_UP, 40),
    (Status.NOT_ACCEPTED, 40), (Status.SAFEGUARDING_REFERRAL, 15), (Status.DISCHARGED, 486),
)  # fmt: skip
ROUTES = {Source.SELF: Route.SELF, Source.PARENT: Route.PARENT}
ALLOCATED_STATUSES = {
    Status.ALLOCATED,
    Status.WAITING,
    Status.IN_INTERVENTION,
    Status.IN_TRANSITION,
    Status.DISCHARGED,
}
SOURCE_WEIGHTS = (
    (Source.SELF, 12), (Source.PARENT, 30), (Source.GP, 20), (Source.SCHOOL, 22),
    (Source.SOCIAL_CARE, 7), (Source.HEALTH, 5), (Source.YOUTH_JUSTICE, 2), (Source.OTHER, 2),
)  # fmt: skip
RISK_WEIGHTS = ((RiskRating.GREEN, 55), (RiskRating.AMBER, 35), (RiskRating.RED, 10))
AREA_DISTRICTS = ("ME1", "ME2", "ME3", "ME4", "ME5", "ME7", "ME8")
OUTSIDE_DISTRICTS = ("ME14", "ME10", "DA11", "DA12")
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _weighted(rng: random.Random, pairs: tuple[tuple[T, int], ...]) -> T:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


AGE_WEIGHTS = tuple(
    (age, 2 if age < 8 else 10 if age < 17 else 6 if age < 19 else 1) for age in range(5, 26)
)


def _age(rng: random.Random) -> int:
    return _weighted(rng, AGE_WEIGHTS)


def _reference(rng: random.Random) -> str:
    return new_reference(rng.randrange)


def seed_population(
    alliance: Alliance,
    children: int,
    *,
    seed: int = 2026,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 1000,
) -> int:
    """Make `children` synthetic children (and their referrals); returns how many were new."""
    today = today or clock.today()
    working_days = dict(alliance.triage_clocks.values_list("kind", "working_days"))
    deadlines: dict[tuple[date, bool, int], datetime] = {}

    def deadline(received: datetime, days: int) -> datetime:
        """The clock's deadline, computed once per day, side of 5pm and clock length."""
        local = timezone.localtime(received)
        key = (local.date(), local.time() >= time(17, 0), days)
        if key not in deadlines:
            deadlines[key] = due_at(
                received_at=received, working_days=days, calendar=ENGLAND_AND_WALES
            )
        return deadlines[key]

    groups = {group.slug: group for group in PriorityGroup.objects.filter(alliance=alliance)}
    offers = list(
        Offer.objects.filter(organisation__alliance=alliance, active=True).select_related(
            "organisation"
        )
    )
    wanted = [uuid.uuid5(DEMO_NAMESPACE, f"{seed}:{index}") for index in range(children)]
    used_references = set(Referral.objects.values_list("reference", flat=True))
    numbers = demo_nhs_numbers()
    created = 0
    tz = timezone.get_current_timezone()
    now = min(clock.now(), datetime.combine(today, time(18, 0), tzinfo=tz))
    setting = Setting(now=now, clock_days=working_days)
    rules = eligibility_rules(alliance)
    deciders = dict(
        User.objects.filter(username__in=("triage", "clinical-lead"), is_demo=True).values_list(
            "username", "pk"
        )
    )
    decided_by: dict[str, int | None] = {
        SignOff.NOT_NEEDED: deciders.get("triage"),
        SignOff.APPROVED: deciders.get("clinical-lead"),
    }
    stories: dict[uuid.UUID, Story] = {}
    for start in range(0, children, batch_size):
        batch_children: list[Child] = []
        batch_groups: list[tuple[Child, list[PriorityGroup]]] = []
        batch_referrals: list[Referral] = []
        existing = set(
            Child.objects.filter(uuid__in=wanted[start : start + batch_size]).values_list(
                "uuid", flat=True
            )
        )
        for index in range(start, min(start + batch_size, children)):
            number = next(numbers)
            rng = random.Random(f"{seed}:{index}")
            if wanted[index] in existing:
                continue
            age = _age(rng)
            flags = []
            if rng.random() < 0.18:
                flags.append("send")
            if age >= 18 and "send" not in flags:
                flags.append("care-leaver")
            elif rng.random() < 0.06:
                flags.append("care-experienced" if age < 18 else "care-leaver")
            if age >= 10 and rng.random() < 0.04:
                flags.append("at-risk-of-offending")
            if age >= 11 and rng.random() < 0.05:
                flags.append("lgbtqia")
            birth = today - timedelta(days=age * 365 + rng.randrange(0, 365))
            district = (
                rng.choice(OUTSIDE_DISTRICTS) if rng.random() < 0.04 else rng.choice(AREA_DISTRICTS)
            )
            letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
            postcode = f"{district} {rng.randrange(1, 10)}{letters}"
            child = Child(
                uuid=wanted[index],
                alliance=alliance,
                given_name=rng.choice(GIVEN_NAMES),
                family_name=rng.choice(SYNTHETIC_FAMILY_NAMES),
                date_of_birth=birth,
                gender=_weighted(
                    rng,
                    (
                        (Gender.FEMALE, 48),
                        (Gender.MALE, 45),
                        (Gender.NON_BINARY, 3),
                        (Gender.NOT_STATED, 4),
                    ),
                ),
                ethnicity=_weighted(
                    rng,
                    (
                        (Ethnicity.A, 78),
                        (Ethnicity.C, 4),
                        (Ethnicity.D, 2),
                        (Ethnicity.F, 2),
                        (Ethnicity.H, 3),
                        (Ethnicity.N, 5),
                        (Ethnicity.S, 2),
                        (Ethnicity.Z, 4),
                    ),
                ),
                postcode=postcode,
                nhs_number=number if rng.random() < 0.85 else "",
            )
            child.set_match_names()
            batch_children.append(child)
            batch_groups.append((child, [groups[slug] for slug in flags if slug in groups]))
            first = len(batch_referrals)
            for _ in range(2 if rng.random() < 0.08 else 1):
                status = _weighted(rng, STATUS_WEIGHTS)
                received = datetime.combine(
                    today - timedelta(days=rng.randrange(0, 400)),
                    time(9 + rng.randrange(0, 8), rng.randrange(0, 60)),
                    tzinfo=tz,
                )
                if status in (
                    Status.AWAITING_TRIAGE,
                    Status.MORE_INFORMATION,
                    Status.AWAITING_SIGN_OFF,
                ):
                    received = datetime.combine(
                        today - timedelta(days=rng.randrange(0, 9)), received.timetz()
                    )
                offer = None
                if status in ALLOCATED_STATUSES:
                    fitting = [o for o in offers if o.min_age <= age <= o.max_age]
                    # Each organisation with an offer that fits takes a like share.
                    taking = sorted({o.organisation_id for o in fitting})
                    chosen = rng.choice(taking) if taking else None
                    offer = (
                        rng.choice([o for o in fitting if o.organisation_id == chosen])
                        if fitting
                        else None
                    )
                source = _weighted(rng, SOURCE_WEIGHTS)
                rating = (
                    ""
                    if status == Status.AWAITING_TRIAGE and rng.random() < 0.5
                    else _weighted(rng, RISK_WEIGHTS)
                )
                reference = _reference(rng)
                while reference in used_references:
                    reference = _reference(rng)
                used_references.add(reference)
                batch_referrals.append(
                    Referral(
                        uuid=uuid.uuid5(DEMO_NAMESPACE, f"{seed}:{index}:{reference}"),
                        reference=reference,
                        child=child,
                        received_at=received,
                        source=source,
                        route=ROUTES.get(source, Route.PROFESSIONAL),
                        consent_to_refer=True,
                        consent_given_by=ConsentGivenBy.YOUNG_PERSON
                        if age >= 16 or source == Source.SELF
                        else ConsentGivenBy.PARENT_CARER,
                        judged_competent=True if age < 16 and source == Source.SELF else None,
                        # Allocated children have consent to share; a few waiting for triage don't.
                        consent_to_share=status in ALLOCATED_STATUSES or rng.random() < 0.9,
                        reasons="Synthetic demo referral.",
                        self_harm=rng.random() < 0.12,
                        suicidal_thoughts=rng.random() < 0.06,
                        safeguarding_concern=rng.random() < 0.05,
                        queue_band=queue_band(
                            risk_rating=rating,
                            red_reviewed=status != Status.AWAITING_TRIAGE or rng.random() < 0.5,
                        ),
                        status=status,
                        risk_rating=rating,
                        allocated_offer=offer,
                        allocated_organisation=offer.organisation if offer else None,
                    )
                )
            # Fitted to the rules: eligibility, one open referral, the records its state needs.
            in_groups = [groups[slug] for slug in flags if slug in groups]
            stories |= shape_child(
                batch_referrals[first:],
                Shaped(
                    date_of_birth=birth, postcode=postcode,
                    extends_age=any(group.extends_eligibility for group in in_groups),
                    priority=any(group.shortens_triage_clock for group in in_groups),
                    young_adult=CARE_LEAVER in flags
                    and is_young_adult(born=birth, on=today, up_to=alliance.extended_max_age),
                ),
                setting=setting, rules=rules, deadline=deadline, decided_by=decided_by,
            )  # fmt: skip
        with transaction.atomic():
            Child.objects.bulk_create(batch_children)
            saved = {
                c.uuid: c.pk
                for c in Child.objects.filter(uuid__in=[c.uuid for c in batch_children]).only(
                    "pk", "uuid"
                )
            }
            through = Child.priority_groups.through
            through.objects.bulk_create(
                [
                    through(child_id=saved[child.uuid], prioritygroup_id=group.pk)
                    for child, flags in batch_groups
                    for group in flags
                ]
            )
            # A journey for each eligible referral, from its arrival to its end: a child's
            # referrals follow one another, so only the last can be open.
            journeys = {
                referral.uuid: Journey(
                    uuid=uuid.uuid5(DEMO_NAMESPACE, f"journey:{referral.uuid}"),
                    child_id=saved[referral.child.uuid],
                    opened_at=referral.received_at,
                    closed_at=stories[referral.uuid].closed,
                )
                for referral in batch_referrals
                if referral.eligible
            }
            Journey.objects.bulk_create(journeys.values())
            for referral in batch_referrals:
                referral.child_id = saved[referral.child.uuid]
                referral.journey_id = journeys[referral.uuid].pk if referral.eligible else None
            Referral.objects.bulk_create(batch_referrals)
            seed_activity(
                alliance,
                list(
                    Referral.objects.filter(
                        uuid__in=[r.uuid for r in batch_referrals]
                    ).select_related("child", "allocated_offer", "allocated_organisation")
                ),
                stories,
                now=now,
            )
        created += len(batch_children)
        if progress:
            progress(min(start + batch_size, children), children)
    name_demo_coordinators(alliance, today)
    review_past_signposting(alliance, now)
    seed_demo_meetings(alliance, today)
    return created


# Young adults with a partner already have the demo care coordinator as their named care
# coordinator; those still in triage wait for one (so the gate shows).
COORDINATED_STATUSES = (
    Status.ALLOCATED, Status.WAITING, Status.IN_INTERVENTION, Status.IN_TRANSITION,
)  # fmt: skip


def name_demo_coordinators(alliance: Alliance, today: date) -> int:
    """Name the demo care coordinator for the care leavers aged 18 to 25 who are with a
    partner and have none; returns how many were named."""
    coordinator = User.objects.filter(
        username="coordinator", is_demo=True, role=Role.CARE_COORDINATOR
    ).first()
    if coordinator is None:
        return 0
    candidates = (
        Referral.objects.filter(
            child__alliance=alliance,
            child__priority_groups__slug=CARE_LEAVER,
            status__in=COORDINATED_STATUSES,
        )
        .exclude(Exists(CoordinatorAssignment.objects.current().filter(referral=OuterRef("pk"))))
        .select_related("child")
        .order_by("pk")
        .distinct()
    )
    named = CoordinatorAssignment.objects.bulk_create(
        CoordinatorAssignment(
            uuid=uuid.uuid5(DEMO_NAMESPACE, f"coordinator:{referral.uuid}"),
            referral=referral,
            coordinator=coordinator,
            how=CoordinatorAssignment.How.NAMED,
            assigned_by=coordinator,
            assigned_at=referral.received_at,
        )
        for referral in candidates
        if is_young_adult(
            born=referral.child.date_of_birth, on=today, up_to=alliance.extended_max_age
        )
    )
    return len(named)
