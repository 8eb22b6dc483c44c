"""Co-production's writes: feedback given at any time, themes tagged on feedback, and the
"you said, we did" log. Each runs in one transaction and writes its audit record, which
holds identifiers and theme slugs only, never what anyone wrote."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, Organisation
from onedoor.audit.trail import Action, record
from onedoor.care.models import Feedback
from onedoor.coproduction.experience import READERS
from onedoor.coproduction.models import (
    FeedbackAttempt,
    ServiceFeedback,
    Source,
    Theme,
    YouSaidWeDid,
    theme_tags,
)
from onedoor.rate_limits import attempt_allowed

PUBLIC_FEEDBACK_PER_HOUR = 10
COMMENTS_MAX = 4000


class RateLimited(Exception):
    """Too much feedback sent from one address in the last hour."""


def _check_rate(address: str, now: datetime) -> None:
    with transaction.atomic():
        if not attempt_allowed(FeedbackAttempt, address, now, PUBLIC_FEEDBACK_PER_HOUR):
            raise RateLimited(address)


def _check_helpful(helpful: int) -> None:
    if not 1 <= helpful <= 5:
        raise ValidationError("Choose how helpful the support was, from 1 to 5")


def leave_feedback(
    *,
    alliance: Alliance,
    helpful: int,
    comments: str = "",
    organisation: Organisation | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> ServiceFeedback:
    """Feedback from the public page, at any time: no account, no personal data asked. At
    most `PUBLIC_FEEDBACK_PER_HOUR` from one address (`RateLimited` after that)."""
    _check_helpful(helpful)
    comments = comments.strip()
    if len(comments) > COMMENTS_MAX:
        raise ValidationError(f"Keep your comments to {COMMENTS_MAX} characters or fewer")
    if organisation is not None and (
        organisation.alliance_id != alliance.pk
        or organisation.kind == Organisation.Kind.EXTERNAL
        or not organisation.active
    ):
        raise ValidationError("Choose one of the alliance's organisations, or none")
    now = now or clock.now()
    if address:
        _check_rate(address, now)
    with transaction.atomic():
        feedback = ServiceFeedback.objects.create(
            alliance=alliance,
            organisation=organisation,
            helpful=helpful,
            comments=comments,
            submitted_at=now,
        )
        record(
            Action.CREATE,
            actor=None,
            record_type="coproduction.servicefeedback",
            record_id=feedback.uuid,
            detail={"source": Source.ANY_TIME.value},
        )
    return feedback


def _alliance_of(user: User) -> int:
    """The alliance of a user who may work with feedback; PermissionDenied otherwise."""
    if user.role not in READERS or user.organisation is None:
        raise PermissionDenied(
            "Feedback and the you said, we did log are for the service manager and the "
            "clinical lead."
        )
    return user.organisation.alliance_id


def _feedback_alliance(feedback: ServiceFeedback | Feedback) -> int:
    if isinstance(feedback, ServiceFeedback):
        return feedback.alliance_id
    return feedback.discharge.referral.child.alliance_id


def set_themes(
    *, user: User, feedback: ServiceFeedback | Feedback, themes: Sequence[Theme]
) -> list[str]:
    """Tag one piece of feedback (from either source) with exactly these themes. A theme no
    longer in use may stay on feedback that has it, but is not added anew. Returns the slugs
    of the themes now on it, in order."""
    alliance = _alliance_of(user)
    if _feedback_alliance(feedback) != alliance:
        raise PermissionDenied("This feedback is not your alliance's.")
    with transaction.atomic():
        had = set(theme_tags(feedback).values_list("pk", flat=True))
        for theme in themes:
            if theme.alliance_id != alliance or (not theme.active and theme.pk not in had):
                raise ValidationError(f"“{theme.name}” is not one of the themes in use")
        theme_tags(feedback).set(themes)
        slugs = sorted(theme.slug for theme in themes)
        any_time = isinstance(feedback, ServiceFeedback)
        record(
            Action.CHANGE,
            actor=user,
            record_type="coproduction.servicefeedback" if any_time else "care.feedback",
            record_id=feedback.uuid if isinstance(feedback, ServiceFeedback) else feedback.pk,
            detail={"themes": slugs},
        )
    return slugs


def _check_entry(
    alliance: int,
    theme: Theme,
    you_said: str,
    we_did: str,
    changed_on: date,
    any_time_feedback: Sequence[ServiceFeedback],
    discharge_feedback: Sequence[Feedback],
    published: bool,
) -> None:
    if theme.alliance_id != alliance:
        raise ValidationError("Choose one of your alliance's themes")
    if not you_said.strip():
        raise ValidationError("Summarise what people told us")
    if not we_did.strip():
        raise ValidationError("Say what we did")
    if changed_on > clock.today():
        raise ValidationError("The change must have been made: its date cannot be in the future")
    linked: list[ServiceFeedback | Feedback] = [*any_time_feedback, *discharge_feedback]
    if published and not linked:
        raise ValidationError("Link the feedback this came from before publishing it")
    for feedback in linked:
        if _feedback_alliance(feedback) != alliance:
            raise ValidationError("Link only your alliance's feedback")
    tagged_any_time = set(
        theme.any_time_feedback.filter(pk__in=[f.pk for f in any_time_feedback]).values_list(
            "pk", flat=True
        )
    )
    tagged_discharge = set(
        theme.discharge_feedback.filter(pk__in=[f.pk for f in discharge_feedback]).values_list(
            "pk", flat=True
        )
    )
    if len(tagged_any_time) != len({f.pk for f in any_time_feedback}) or len(
        tagged_discharge
    ) != len({f.pk for f in discharge_feedback}):
        raise ValidationError(f"Link only feedback tagged with the theme “{theme.name}”")


def record_entry(
    *,
    user: User,
    theme: Theme,
    you_said: str,
    we_did: str,
    changed_on: date,
    any_time_feedback: Sequence[ServiceFeedback] = (),
    discharge_feedback: Sequence[Feedback] = (),
    published: bool = False,
) -> YouSaidWeDid:
    """A new "you said, we did" entry: the theme, what people told us (in staff's words),
    what we did and when, the feedback it came from, and whether it is published."""
    alliance = _alliance_of(user)
    _check_entry(
        alliance, theme, you_said, we_did, changed_on, any_time_feedback, discharge_feedback,
        published,
    )  # fmt: skip
    now = clock.now()
    with transaction.atomic():
        entry = YouSaidWeDid.objects.create(
            alliance_id=alliance,
            theme=theme,
            you_said=you_said.strip(),
            we_did=we_did.strip(),
            changed_on=changed_on,
            published=published,
            published_at=now if published else None,
            recorded_by=user,
            recorded_at=now,
            updated_at=now,
        )
        entry.any_time_feedback.set(any_time_feedback)
        entry.discharge_feedback.set(discharge_feedback)
        _audit(user, entry, Action.CREATE)
    return entry


def update_entry(
    *,
    user: User,
    entry: YouSaidWeDid,
    you_said: str,
    we_did: str,
    changed_on: date,
    any_time_feedback: Sequence[ServiceFeedback] = (),
    discharge_feedback: Sequence[Feedback] = (),
    published: bool = False,
) -> YouSaidWeDid:
    """Edit an entry (its theme stays), and publish or withdraw it from the public page."""
    alliance = _alliance_of(user)
    if entry.alliance_id != alliance:
        raise PermissionDenied("This entry is not your alliance's.")
    _check_entry(
        alliance, entry.theme, you_said, we_did, changed_on, any_time_feedback,
        discharge_feedback, published,
    )  # fmt: skip
    now = clock.now()
    with transaction.atomic():
        entry = YouSaidWeDid.objects.select_for_update().get(pk=entry.pk)
        if published and not entry.published:
            entry.published_at = now
        elif not published:
            entry.published_at = None
        entry.you_said = you_said.strip()
        entry.we_did = we_did.strip()
        entry.changed_on = changed_on
        entry.published = published
        entry.updated_at = now
        entry.save()
        entry.any_time_feedback.set(any_time_feedback)
        entry.discharge_feedback.set(discharge_feedback)
        _audit(user, entry, Action.CHANGE)
    return entry


def _audit(user: User, entry: YouSaidWeDid, action: str) -> None:
    record(
        action,
        actor=user,
        record_type="coproduction.yousaidwedid",
        record_id=entry.uuid,
        detail={
            "theme": entry.theme.slug,
            "published": entry.published,
            "any_time_feedback": entry.any_time_feedback.count(),
            "discharge_feedback": entry.discharge_feedback.count(),
        },
    )
