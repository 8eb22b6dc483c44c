"""The five writes of the triage page, each at its own address, and which of them the page
offers for a referral now: the one the triage team does next as a form, the others that apply
as links. Pure rules on the referral and the person; the pages are in `referral_views.py`.

What a triage lead does in order, and so the form the page opens with (`next_write`):

1. A decision waiting for sign-off, for the clinical lead: sign it off or return it (signing
   off a red referral's decision is also a clinician's review of it).
2. A red rating no clinician has reviewed, for the clinical lead: review it (it is top of the
   queue until reviewed).
3. Not yet screened (an urgent disclosure first of all): screen the risk.
4. More information needed: record what arrived (back to triage, the clock restarted).
5. Screened and awaiting triage: decide.

Anything else (allocated, signposted, joined...) has no write here: the page is the referral.
"""

from __future__ import annotations

from enum import StrEnum

from onedoor.accounts.models import User
from onedoor.accounts.roles import Role
from onedoor.referrals.models import Referral, Status
from onedoor.triage.actions import SCREENABLE


class Write(StrEnum):
    """Each write's URL name in the `triage` namespace is its value."""

    SCREEN = "screen"
    REVIEW = "review"
    DECISION = "decision"
    SIGN_OFF = "sign_off"
    INFORMATION = "information"


# Writes only a clinician makes; the rest are the whole triage team's.
CLINICIAN_WRITES = frozenset({Write.REVIEW, Write.SIGN_OFF})

# The link to a write that applies but is not the page's form.
LINKS = {
    Write.SCREEN: "Screen the risk",
    Write.REVIEW: "Review this red referral",
    Write.DECISION: "Record a decision",
    Write.SIGN_OFF: "Sign off the decision",
    Write.INFORMATION: "Record the information that arrived",
}

# What each write says when it is saved.
DONE = {
    Write.SCREEN: "Risk screening saved.",
    Write.REVIEW: "Red rating reviewed.",
    Write.DECISION: "Decision saved.",
    Write.SIGN_OFF: "Sign-off saved.",
    Write.INFORMATION: "Information recorded: the referral is back in triage.",
}


def may(user: User, write: Write) -> bool:
    """Whether the person's role makes this write at all (the view's role check)."""
    if write in CLINICIAN_WRITES:
        return user.role == Role.CLINICAL_LEAD
    return user.role in {Role.TRIAGE_LEAD, Role.CLINICAL_LEAD}


def refusal(write: Write, referral: Referral, *, waiting_decision: bool) -> str:
    """Why `write` does not apply to the referral as it is now; empty when it does. The words
    are the actions' own, which refuse the same (`triage/actions.py`)."""
    status = referral.status
    if write is Write.SCREEN and status not in SCREENABLE:
        return "Only a referral awaiting triage can be screened"
    if write is Write.REVIEW and not referral.awaits_red_review:
        return "This referral has no red rating waiting for review"
    if write is Write.DECISION:
        if status != Status.AWAITING_TRIAGE:
            return "Only a referral awaiting triage can be decided"
        if not referral.risk_rating:
            return "Screen the risk before deciding"
    if write is Write.INFORMATION and status != Status.MORE_INFORMATION:
        return "This referral is not waiting for information"
    if write is Write.SIGN_OFF and not waiting_decision:
        return "There is no decision waiting for sign-off"
    return ""


def open_writes(user: User, referral: Referral, *, waiting_decision: bool) -> list[Write]:
    """The writes this person may make on the referral now, the next one first."""
    order = [Write.SIGN_OFF, Write.REVIEW]
    if referral.risk_rating:
        order += [Write.INFORMATION, Write.DECISION, Write.SCREEN]
    else:
        order += [Write.SCREEN, Write.INFORMATION, Write.DECISION]
    return [
        write
        for write in order
        if may(user, write) and not refusal(write, referral, waiting_decision=waiting_decision)
    ]


def next_write(user: User, referral: Referral, *, waiting_decision: bool) -> Write | None:
    """The write the page opens with: what this person does next (the module's list)."""
    writes = open_writes(user, referral, waiting_decision=waiting_decision)
    return writes[0] if writes else None
