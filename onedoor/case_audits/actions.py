"""Case audits' writes: starting a round (drawing its sample), scoring a sampled record,
recording an action, closing the round. Each is keyword-only, runs in one transaction and
writes its audit record, which holds identifiers and counts only, never what anyone wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from onedoor import clock
from onedoor.accounts.models import User
from onedoor.alliance.models import AuditCriterion, Organisation
from onedoor.audit.trail import Action, record
from onedoor.case_audits.models import AuditAction, AuditCase, AuditRound, AuditScore, Result
from onedoor.case_audits.records import AUDITORS
from onedoor.case_audits.sampling import MAX_SEED, draw, new_seed
from onedoor.checks import checked_text
from onedoor.clock import LONDON
from onedoor.governance.records import action_owners
from onedoor.referrals.models import Referral, Status

# The records an audit samples: those a partner has taken on, now or in the past.
AUDITABLE = (Status.WAITING, Status.IN_INTERVENTION, Status.IN_TRANSITION, Status.DISCHARGED)
AUDITED_KINDS = (Organisation.Kind.LEAD_PROVIDER, Organisation.Kind.PARTNER)


def _auditor(user: User) -> int:
    if user.role not in AUDITORS or user.organisation is None:
        raise PermissionDenied("Case audits are run by the clinical lead.")
    return user.organisation.alliance_id


def auditable(
    organisation: Organisation, allocated_from: date, allocated_to: date
) -> QuerySet[Referral]:
    """The records a round may sample for an organisation: allocated to it between the two
    dates (inclusive, London time) and taken on (waiting, in intervention, in transition
    or discharged)."""
    start = datetime.combine(allocated_from, time.min, tzinfo=LONDON)
    end = datetime.combine(allocated_to + timedelta(days=1), time.min, tzinfo=LONDON)
    return Referral.objects.filter(
        allocated_organisation=organisation,
        status__in=AUDITABLE,
        allocated_at__gte=start,
        allocated_at__lt=end,
    )


def start_round(
    *,
    user: User,
    title: str,
    allocated_from: date,
    allocated_to: date,
    organisations: Sequence[Organisation],
    sample_size: int | None = None,
    seed: int | None = None,
    today: date | None = None,
) -> AuditRound:
    """The clinical lead starts a round: for each organisation, `sample_size` (the alliance's
    configured size unless given) of its auditable records, drawn at random with `seed` (a
    new one unless given: the same seed over the same records draws the same sample)."""
    alliance = _auditor(user)
    title = checked_text(title, "a title", 200, required="Enter a title")
    if allocated_from > allocated_to:
        raise ValidationError("The start of the period must be on or before its end")
    if allocated_to > (today or clock.today()):
        raise ValidationError("The end of the period cannot be in the future")
    assert user.organisation is not None
    size = user.organisation.alliance.audit_sample_size if sample_size is None else sample_size
    if not 1 <= size <= 50:
        raise ValidationError("The sample size must be between 1 and 50 records")
    if seed is None:
        seed = new_seed()
    elif not 0 <= seed <= MAX_SEED:
        raise ValidationError(f"The seed must be a whole number from 0 to {MAX_SEED}")
    if not organisations:
        raise ValidationError("Choose at least one organisation to audit")
    if any(o.alliance_id != alliance or o.kind not in AUDITED_KINDS for o in organisations):
        raise ValidationError("Choose organisations from the alliance's lead provider and partners")
    criteria = list(AuditCriterion.objects.filter(alliance_id=alliance, active=True))
    if not criteria:
        raise ValidationError(
            "The alliance has no audit criteria: an administrator adds them in Configuration"
        )
    sampled: list[tuple[Organisation, Referral]] = []
    for organisation in organisations:
        records = {r.reference: r for r in auditable(organisation, allocated_from, allocated_to)}
        chosen = draw(records, size, seed=seed, stratum=organisation.slug)
        sampled += [(organisation, records[reference]) for reference in chosen]
    if not sampled:
        raise ValidationError(
            "None of the chosen organisations has a record allocated in that period: "
            "choose a longer period or other organisations"
        )
    with transaction.atomic():
        audit_round = AuditRound.objects.create(
            alliance_id=alliance,
            title=title,
            allocated_from=allocated_from,
            allocated_to=allocated_to,
            sample_size=size,
            seed=seed,
            started_by=user,
            started_at=clock.now(),
        )
        audit_round.organisations.set(list(organisations))
        audit_round.criteria.set(criteria)
        AuditCase.objects.bulk_create(
            AuditCase(round=audit_round, referral=referral, organisation=organisation)
            for organisation, referral in sampled
        )
        record(
            Action.CREATE,
            actor=user,
            record_type="case_audits.round",
            record_id=audit_round.uuid,
            detail={
                "seed": seed,
                "sample_size": size,
                "organisations": len(organisations),
                "sampled": len(sampled),
                "criteria": len(criteria),
            },
        )
    return audit_round


def _open(audit_round: AuditRound) -> None:
    if audit_round.closed_at is not None:
        raise ValidationError("This audit round is closed: its scores and actions are final")


def score_case(
    *, user: User, case: AuditCase, results: Mapping[int, str], comment: str = ""
) -> AuditCase:
    """Score a sampled record against every criterion of its round (a criterion id to a
    `Result`); scoring it again replaces the scores while the round is open."""
    alliance = _auditor(user)
    audit_round = case.round
    if audit_round.alliance_id != alliance:
        raise PermissionDenied("This audit round is not your alliance's.")
    _open(audit_round)
    criteria = {c.pk: c for c in audit_round.criteria.all()}
    if unknown := set(results) - set(criteria):
        raise ValidationError(f"{len(unknown)} of the results are not for this round's criteria")
    for pk, criterion in sorted(criteria.items(), key=lambda item: item[1].position):
        if results.get(pk) not in Result.values:
            raise ValidationError(f"Choose a result for “{criterion.name}”")
    comment = checked_text(comment, "the comment")
    with transaction.atomic():
        _open(AuditRound.objects.select_for_update().get(pk=audit_round.pk))
        rescored = AuditCase.objects.filter(pk=case.pk, scored_at__isnull=False).exists()
        AuditScore.objects.filter(case=case).delete()
        AuditScore.objects.bulk_create(
            AuditScore(case=case, criterion_id=pk, result=results[pk]) for pk in criteria
        )
        case.comment = comment
        case.scored_by = user
        case.scored_at = clock.now()
        case.save(update_fields=["comment", "scored_by", "scored_at"])
        record(
            Action.CHANGE if rescored else Action.CREATE,
            actor=user,
            record_type="case_audits.case",
            record_id=case.uuid,
            child_uuid=case.referral.child.uuid,
            detail={
                result: sum(1 for value in results.values() if value == result)
                for result in Result.values
            },
        )
    return case


def add_action(
    *,
    user: User,
    audit_round: AuditRound,
    action: str,
    owner: User,
    due_on: date,
    organisation: Organisation | None = None,
    today: date | None = None,
) -> AuditAction:
    """Record what the round found needs doing, by whom and by when; for one of the round's
    organisations, or (none given) for the whole alliance."""
    alliance = _auditor(user)
    if audit_round.alliance_id != alliance:
        raise PermissionDenied("This audit round is not your alliance's.")
    _open(audit_round)
    action = checked_text(action, "the action", required="Enter the action")
    if (
        organisation is not None
        and not audit_round.organisations.filter(pk=organisation.pk).exists()
    ):
        raise ValidationError("Choose one of the organisations this round audited, or none")
    if not action_owners(user).filter(pk=owner.pk).exists():
        raise ValidationError("Choose an owner from the alliance's staff")
    if due_on < (today or clock.today()):
        raise ValidationError("The due date cannot be in the past")
    with transaction.atomic():
        _open(AuditRound.objects.select_for_update().get(pk=audit_round.pk))
        created = AuditAction.objects.create(
            round=audit_round,
            organisation=organisation,
            action=action,
            owner=owner,
            due_on=due_on,
            recorded_by=user,
            recorded_at=clock.now(),
        )
        record(
            Action.CREATE,
            actor=user,
            record_type="case_audits.action",
            record_id=created.uuid,
            detail={"round": str(audit_round.uuid), "owner": str(owner.uuid)},
        )
    return created


def mark_action_done(*, user: User, action: AuditAction) -> AuditAction:
    """The owner, or the clinical lead, marks an action done (also after the round closed:
    actions are followed through after the scores are final)."""
    if user.pk != action.owner_id and user.role not in AUDITORS:
        raise PermissionDenied("Only the action's owner or the clinical lead marks it done.")
    with transaction.atomic():
        locked = AuditAction.objects.select_for_update().get(pk=action.pk)
        if locked.done_at is not None:
            raise ValidationError("This action is already marked done")
        locked.done_at = clock.now()
        locked.done_by = user
        locked.save(update_fields=["done_at", "done_by"])
        record(
            Action.CHANGE,
            actor=user,
            record_type="case_audits.action",
            record_id=locked.uuid,
            detail={"done": True},
        )
    return locked


def close_round(*, user: User, audit_round: AuditRound) -> AuditRound:
    """Close a round once every sampled record is scored: its figures are then final."""
    alliance = _auditor(user)
    if audit_round.alliance_id != alliance:
        raise PermissionDenied("This audit round is not your alliance's.")
    _open(audit_round)
    with transaction.atomic():
        locked = AuditRound.objects.select_for_update().get(pk=audit_round.pk)
        _open(locked)
        unscored = locked.cases.filter(scored_at__isnull=True).count()
        if unscored:
            raise ValidationError(
                f"Score every sampled record before closing the round: {unscored} "
                f"{'is' if unscored == 1 else 'are'} still to score"
            )
        locked.closed_at = clock.now()
        locked.save(update_fields=["closed_at"])
        record(
            Action.CHANGE,
            actor=user,
            record_type="case_audits.round",
            record_id=locked.uuid,
            detail={"closed": True},
        )
    audit_round.closed_at = locked.closed_at
    return audit_round
