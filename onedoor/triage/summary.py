"""What the referral says, for the triage page, read beside the screening and the decision
(hazard H35): the reasons, needs and what was tried, the risks it discloses, the child's age,
consent, the referrer, communication needs, the GP practice, the child's parents and carers,
and the child's history with the alliance: their other referrals (with how each ended) and
the advice given without a referral. Read through the access layer, as the person may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch

from onedoor.access.records import referrals_visible_to
from onedoor.accounts.models import User
from onedoor.alliance.models import Need
from onedoor.children.models import CarerContact
from onedoor.referrals.models import RISK_INDICATORS, AdviceContact, Referral
from onedoor.triage.models import TriageDecision

HISTORY_SHOWN = 20


@dataclass(frozen=True)
class Risk:
    label: str
    disclosed: bool


@dataclass(frozen=True)
class Earlier:
    """Another referral of the child, and how it went."""

    referral: Referral
    decision: TriageDecision | None  # the latest triage decision, if any

    @property
    def outcome(self) -> str:
        """How it ended, or where it is: its state, with the decision and the discharge."""
        words = self.referral.get_status_display()
        discharge = getattr(self.referral, "discharge", None)
        if discharge is not None:
            return f"{words}: {discharge.get_reason_display().lower()}"
        if self.referral.allocated_offer is not None:
            return f"{words}: {self.referral.allocated_offer.name}"
        return words


@dataclass(frozen=True)
class Summary:
    age: int  # today
    risks: tuple[Risk, ...]  # all six indicators, each disclosed or not
    needs: tuple[str, ...]
    carers: tuple[CarerContact, ...]
    earlier: tuple[Earlier, ...]  # the child's other referrals, newest first
    advice: tuple[AdviceContact, ...]  # advice given without a referral, newest first

    @property
    def any_risk(self) -> bool:
        return any(risk.disclosed for risk in self.risks)


def summary_of(user: User, referral: Referral, *, today: date) -> Summary:
    """The referral's summary as `user` may read it (the child's other referrals through the
    access layer). The referral itself was fetched, and its view audited, by the page."""
    child = referral.child
    earlier = (
        referrals_visible_to(user)
        .filter(child_id=child.pk)
        .exclude(pk=referral.pk)
        .select_related("allocated_offer", "discharge")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=TriageDecision.objects.order_by("-decided_at", "-pk"),
                to_attr="latest_decisions",
            )
        )
        .order_by("-received_at", "-pk")[:HISTORY_SHOWN]
    )
    return Summary(
        age=child.age_on(today),
        risks=tuple(
            Risk(label, bool(getattr(referral, field))) for field, label in RISK_INDICATORS.items()
        ),
        needs=tuple(
            Need.objects.filter(referrals=referral).order_by("name").values_list("name", flat=True)
        ),
        carers=tuple(child.carers.all()),
        earlier=tuple(
            Earlier(other, next(iter(other.latest_decisions), None))  # type: ignore[attr-defined]
            for other in earlier
        ),
        advice=tuple(
            AdviceContact.objects.filter(child_id=child.pk)
            .select_related("recorded_by")
            .prefetch_related("signposted_to")
            .order_by("-at", "-pk")[:HISTORY_SHOWN]
        ),
    )
