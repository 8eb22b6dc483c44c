"""Named people and children for tests, in the alliance's own words.

The triage lead sees every referral; Kim, a Kooth practitioner, sees Kooth's children; Chris,
a CHUMS practitioner, must never see the Kooth child.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance, Offer, Organisation
from onedoor.children.models import Child
from onedoor.referrals.models import Referral, Status
from onedoor.referrals.reference import ALPHABET, check_character

PASSWORD = "correct-horse-battery-staple"

# The personas' calendar: their referrals arrive on Monday 2 November 2026 at 10:00, and every
# test runs on Friday 20 November 2026 at 12:00 (London is on GMT then), with the clock
# ticking from there (`tests/conftest.py`). A test that needs another moment moves the clock
# explicitly with `time_machine.move_to(...)`.
RECEIVED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_user(username: str, role: Role, organisation: Organisation, **extra: object) -> User:
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        first_name=username.title(),
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def organisation(alliance: Alliance, slug: str) -> Organisation:
    return Organisation.objects.get(alliance=alliance, slug=slug)


_reference_counter = iter(range(10**6))


def make_reference() -> str:
    """Distinct, valid references in a fixed order."""
    while True:
        n = next(_reference_counter)
        body = ""
        for _ in range(7):
            n, digit = divmod(n, len(ALPHABET))
            body = ALPHABET[digit] + body
        check = check_character(body)
        if check is not None:
            return body + check


def make_child(
    alliance: Alliance,
    given_name: str,
    family_name: str = "Example",
    *,
    born: date = date(2012, 3, 14),
    nhs_number: str = "",
    allocated_to: str | None = None,
    status: Status = Status.AWAITING_TRIAGE,
    referred_by: User | None = None,
) -> Child:
    child = Child.objects.create(
        alliance=alliance,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=born,
        postcode="ME4 4AB",
        nhs_number=nhs_number,
    )
    child.set_match_names()
    child.save(update_fields=["match_given_name", "match_family_name"])
    organisation_ = (
        Organisation.objects.get(alliance=alliance, slug=allocated_to) if allocated_to else None
    )
    offer = Offer.objects.filter(organisation=organisation_).first() if organisation_ else None
    Referral.objects.create(
        reference=make_reference(),
        child=child,
        received_at=RECEIVED,
        source="school",
        status=status,
        allocated_organisation=organisation_,
        allocated_offer=offer,
        referred_by=referred_by,
    )
    return child


@dataclass
class People:
    triage: User
    coordinator: User
    clinical_lead: User
    safeguarding: User
    partner_safeguarding: User
    manager: User
    analyst: User
    commissioner: User
    admin: User
    referrer: User
    kooth_practitioner: User
    kooth_lead: User
    chums_practitioner: User
    chums_lead: User
    kooth_system: User  # the account of Kooth's API client
    gp_system: User  # the account of a GP system's API client (a referrer's system)

    def by_role(self) -> dict[str, User]:
        """Everyone who signs in: the people, not the API clients' accounts."""
        return {name: user for name, user in self.accounts().items() if "system" not in name}

    def accounts(self) -> dict[str, User]:
        """Every account, the API clients' too (the access matrix's rows)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def make_people(alliance: Alliance) -> People:
    lead = organisation(alliance, "north-kent-mind")
    kooth = organisation(alliance, "kooth")
    chums = organisation(alliance, "chums")
    return People(
        triage=make_user("tina-triage", Role.TRIAGE_LEAD, lead),
        coordinator=make_user("cora-coordinator", Role.CARE_COORDINATOR, lead),
        clinical_lead=make_user("cal-clinical", Role.CLINICAL_LEAD, lead),
        safeguarding=make_user("sam-safeguarding", Role.SAFEGUARDING_LEAD, lead),
        partner_safeguarding=make_user("sol-safeguarding", Role.SAFEGUARDING_LEAD, chums),
        manager=make_user("max-manager", Role.SERVICE_MANAGER, lead),
        analyst=make_user("ana-analyst", Role.ANALYST, lead),
        commissioner=make_user(
            "cam-commissioner", Role.COMMISSIONER, organisation(alliance, "medway-council")
        ),
        admin=make_user("ada-admin", Role.ADMINISTRATOR, lead),
        referrer=make_user(
            "gp-referrer",
            Role.PROFESSIONAL_REFERRER,
            organisation(alliance, "childrens-social-care"),
        ),
        kooth_practitioner=make_user("kim-kooth", Role.PRACTITIONER, kooth),
        kooth_lead=make_user("kit-kooth-lead", Role.PARTNER_LEAD, kooth),
        chums_practitioner=make_user("chris-chums", Role.PRACTITIONER, chums),
        chums_lead=make_user("cleo-chums-lead", Role.PARTNER_LEAD, chums),
        kooth_system=make_user("api-kooth", Role.PARTNER_SYSTEM, kooth),
        gp_system=make_user(
            "api-gp", Role.REFERRER_SYSTEM, organisation(alliance, "childrens-social-care")
        ),
    )


def sign_in(client: object, user: User) -> None:
    """Sign `user` in on a test client, second factor verified, as the real journey leaves it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)  # type: ignore[attr-defined]
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, defaults={"name": "test", "confirmed": True}
    )
    session = client.session  # type: ignore[attr-defined]
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


_CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def shown(response: object) -> str:
    """The page as sent, less its CSRF tokens: a random token can spell a short name."""
    page = response.content.decode()  # type: ignore[attr-defined]
    return _CSRF_TOKEN.sub('name="csrfmiddlewaretoken"', page)
