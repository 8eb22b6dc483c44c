"""Who may see which meetings, and which of their children, decided in the query.

A meeting is seen by:
- the clinical lead and the lead provider's safeguarding leads: every meeting in the
  alliance;
- a partner's safeguarding lead: the meetings that discussed a child allocated to their
  organisation (as with safeguarding concerns);
- everyone involved: whoever recorded it, its chair, the staff attendees linked to it and
  the owners of its actions.
Nobody else. Within a meeting, a child discussed (reference, name and the decisions about
them) is shown only to a viewer who may see that child's referral
(`access.records.referrals_visible_to`): the rest never leave the database.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from onedoor.access.records import alliance_of, denied, referrals_visible_to
from onedoor.accounts.models import User
from onedoor.accounts.roles import TASK_HOLDERS, Role
from onedoor.alliance.models import Organisation
from onedoor.audit.trail import Action, record
from onedoor.governance.records import action_owners
from onedoor.meetings.models import Attendee, Discussion, Meeting, MeetingAction

# Who records a meeting.
RECORDERS = frozenset(
    {
        Role.CLINICAL_LEAD,
        Role.SAFEGUARDING_LEAD,
        Role.CARE_COORDINATOR,
        Role.PARTNER_LEAD,
        Role.TRIAGE_LEAD,
    }
)
# Who may chair, attend as staff, own an action and so see a meeting: the staff with a task
# list ("My tasks"), where their actions appear.
MEETING_STAFF = TASK_HOLDERS
RECORD_TYPE = "meetings.meeting"


def _alliance(user: User) -> int | None:
    return alliance_of(user) if user.role in MEETING_STAFF else None


def _involved(user: User) -> Q:
    return (
        Q(recorded_by=user)
        | Q(chair=user)
        | Q(Exists(Attendee.objects.filter(meeting=OuterRef("pk"), user=user)))
        | Q(Exists(MeetingAction.objects.filter(meeting=OuterRef("pk"), owner=user)))
    )


def _scope(user: User) -> Q:
    assert user.organisation is not None
    if user.role == Role.CLINICAL_LEAD:
        return Q()
    if user.role == Role.SAFEGUARDING_LEAD:
        if user.organisation.kind == Organisation.Kind.LEAD_PROVIDER:
            return Q()
        theirs = Discussion.objects.filter(
            meeting=OuterRef("pk"), referral__allocated_organisation_id=user.organisation_id
        )
        return _involved(user) | Q(Exists(theirs))
    return _involved(user)


def meetings_visible_to(user: User) -> QuerySet[Meeting]:
    """The meetings `user` may see, each with `discussed`: the children discussed whose
    referral they may see (with the child), in the order recorded."""
    alliance = _alliance(user)
    if alliance is None:
        return Meeting.objects.none()
    visible = (
        Discussion.objects.filter(referral__in=referrals_visible_to(user))
        .select_related("referral__child")
        .order_by("id")
    )
    return (
        Meeting.objects.filter(_scope(user), alliance_id=alliance)
        .select_related("recorded_by", "chair")
        .prefetch_related(Prefetch("discussions", queryset=visible, to_attr="discussed"))
    )


def get_meeting_for_user(user: User, uuid: UUID, *, audit: bool = True) -> Meeting:
    """One meeting with its attendees and the actions `user` may read (their owners), the
    view audited; a 404 otherwise, the denial audited. An action about a child the viewer
    may not see stays in the database like the child, unless it is theirs to do.
    `audit=False` fetches it for a change, which the action audits."""
    readable = Q(referral__isnull=True) | Q(referral__in=referrals_visible_to(user)) | Q(owner=user)
    found = (
        meetings_visible_to(user)
        .prefetch_related(
            "attendees",
            Prefetch(
                "actions",
                queryset=MeetingAction.objects.filter(readable).select_related(
                    "owner", "completed_by"
                ),
            ),
        )
        .filter(uuid=uuid)
        .first()
    )
    if found is None:
        raise denied(user, RECORD_TYPE, uuid)
    if audit:
        shown = len(found.discussed)  # type: ignore[attr-defined]
        record(
            Action.VIEW, actor=user, record_type=RECORD_TYPE, record_id=uuid,
            detail={"children_shown": shown},
        )  # fmt: skip
    return found


def meeting_staff(user: User) -> QuerySet[User]:
    """The people of `user`'s alliance who may chair, attend as staff or own an action:
    active, with a task list, by name."""
    return action_owners(user) if _alliance(user) is not None else User.objects.none()
