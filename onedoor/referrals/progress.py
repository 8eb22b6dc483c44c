"""How a referral is going, in plain words, as the family and the referrer are told it: on the
public tracking page (`tracking`) and on a professional referrer's own pages (`referrers`).

`progress(facts)` is pure; `facts_of(referral)` reads what it depends on, now. The family or
referrer reads only this: never a risk, a reason, a member of staff's name or
the child's name. While the triage team has marked the referral "do not share status with
the family" (`referrals/status_sharing.py`), every status says the same: received, and we
will be in touch. A partner is named only when the family consented to share the referral
with partners (`consent_to_share`); otherwise "a service in the alliance".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from onedoor.referrals.models import Referral, Status
from onedoor.referrals.status_sharing import status_shared

WITHHELD_HEADING = "We have received the referral"
WITHHELD_SAID = "We will be in touch."
A_SERVICE = "a service in the alliance"


@dataclass(frozen=True)
class Service:
    """A service the referral was signposted to, from the directory."""

    name: str
    description: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class Facts:
    """What the words depend on, read from the referral when the page is shown."""

    status: str
    shared: bool  # `status_sharing.status_shared(referral)`, asked when the page is shown
    consent_to_share: bool = False
    partner: str = ""  # the allocated organisation's public name
    decide_by: date | None = None  # the triage clock's deadline, as a London date
    clock_paused: bool = False
    signposted: tuple[Service, ...] = ()


@dataclass(frozen=True)
class Progress:
    heading: str
    said: tuple[str, ...]
    services: tuple[Service, ...] = field(default=())


def progress(facts: Facts) -> Progress:
    """The status in plain words."""
    if not facts.shared:
        return Progress(WITHHELD_HEADING, (WITHHELD_SAID,))
    status = facts.status
    if status == Status.AWAITING_TRIAGE:
        return Progress("Received", ("The triage team will look at the referral.", *_aim(facts)))
    if status in (Status.MORE_INFORMATION, Status.AWAITING_SIGN_OFF):
        return Progress(
            "Being looked at by the triage team",
            ("The triage team is working out the right support.", *_aim(facts)),
        )
    if status in (Status.ALLOCATED, Status.WAITING):
        who = _partner(facts)
        return Progress(
            f"Waiting for {who}",
            (f"The referral has been passed to {who}. They will contact you about support.",),
        )
    if status in (Status.IN_INTERVENTION, Status.IN_TRANSITION):
        who = _partner(facts)
        return Progress(f"Getting support from {who}", (f"Support is with {who}.",))
    if status == Status.SIGNPOSTED:
        return Progress(
            "Advice and signposting given",
            ("We have suggested services that can help.",),
            facts.signposted,
        )
    if status == Status.STEPPED_UP:
        return Progress(
            "Passed to another service",
            ("The referral has been passed to a more specialist service. They will be in touch.",),
        )
    if status == Status.NOT_ACCEPTED:
        return Progress("Closed", ("We could not offer support this time.",))
    if status == Status.DISCHARGED:
        return Progress("Closed", ("The support from the service has ended.",))
    if status == Status.JOINED:
        return Progress(
            "Being looked at with another referral",
            ("We are looking at this together with another referral we already have.",),
        )
    # A referral to children's social care, or a status added later: say only what is safe.
    return Progress(WITHHELD_HEADING, (WITHHELD_SAID,))


def _partner(facts: Facts) -> str:
    return facts.partner if facts.consent_to_share and facts.partner else A_SERVICE


def _aim(facts: Facts) -> tuple[str, ...]:
    if facts.decide_by is None or facts.clock_paused:
        return ()
    return (f"We aim to decide by {facts.decide_by.day} {facts.decide_by:%B %Y}.",)


def facts_of(referral: Referral) -> Facts:
    """What the words depend on, read now (`status_shared` asked at this moment). The services
    signposted are read only for a signposted referral whose status is shared (prefetch
    `signposted_to` for a list)."""
    due = referral.triage_due_at
    partner = referral.allocated_organisation
    shared = status_shared(referral)
    return Facts(
        status=referral.status,
        shared=shared,
        consent_to_share=referral.consent_to_share,
        partner=partner.name if partner is not None else "",
        decide_by=timezone.localdate(due) if due is not None else None,
        clock_paused=referral.clock_paused_at is not None,
        signposted=tuple(
            Service(s.name, s.description, s.phone, s.website) for s in referral.signposted_to.all()
        )
        if referral.status == Status.SIGNPOSTED and shared
        else (),
    )
