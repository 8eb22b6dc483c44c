"""Referrals: each request for help for a child, from whoever made it."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from onedoor import paging  # noqa: F401  # registers `__among`, this index's condition
from onedoor.alliance.models import RiskRating
from onedoor.referrals import consent
from onedoor.referrals.bands import EVERYTHING_ELSE, RED_UNREVIEWED, URGENT_UNSCREENED
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.reference import display

__all__ = ["RiskRating"]  # the vocabulary lives with the alliance; referrals use it


class Source(models.TextChoices):
    SELF = "self", "Self (the young person)"
    PARENT = "parent", "Parent or carer"
    GP = "gp", "GP"
    SCHOOL = "school", "School"
    SOCIAL_CARE = "social_care", "Social care"
    HEALTH = "health", "Health"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    OTHER = "other", "Other"


class Status(models.TextChoices):
    """Where a referral is on the journey; the allowed moves are in `referrals/states.py`."""

    AWAITING_TRIAGE = "awaiting_triage", "Awaiting triage"
    MORE_INFORMATION = "more_information", "More information needed"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting clinical lead sign-off"
    ALLOCATED = "allocated", "Allocated to a partner"
    WAITING = "waiting", "Waiting (Waiting Well)"
    IN_INTERVENTION = "in_intervention", "In intervention"
    IN_TRANSITION = "in_transition", "In transition"
    SIGNPOSTED = "signposted", "Advice and signposting"
    STEPPED_UP = "stepped_up", "Stepped up"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "Referred to children's social care"
    NOT_ACCEPTED = "not_accepted", "Not accepted"
    DISCHARGED = "discharged", "Discharged"
    # Confirmed to be about a child whose open referral it joined (`joined_to`): its
    # information is shown there; it is never triaged or allocated on its own.
    JOINED = "joined", "Joined the child's open referral"


# The states in triage: the triage queue's rows, and the condition of its index.
TRIAGE_STATES = (Status.AWAITING_TRIAGE, Status.MORE_INFORMATION, Status.AWAITING_SIGN_OFF)


class Route(models.TextChoices):
    """Who is asking: the three routes through the one referral form, and staff."""

    SELF = "self", "A young person referring themselves"
    PARENT = "parent", "A parent or carer"
    PROFESSIONAL = "professional", "A professional"


class Channel(models.TextChoices):
    ONLINE = "online", "Online form"
    PHONE = "phone", "Phone, recorded by staff"


class ConsentGivenBy(models.TextChoices):
    """Who actually gave consent (the rules are in `referrals/consent.py`)."""

    YOUNG_PERSON = "young_person", "The young person"
    PARENT_CARER = "parent_carer", "A parent or carer with parental responsibility"
    OTHER_ADULT = (
        "other_adult",
        "Another adult (without parental responsibility, or not known)",
    )


class Competence(models.TextChoices):
    """Under 16, whether the young person's own consent to the referral is settled."""

    TO_CONFIRM = "to_confirm", "Competence to be confirmed"
    JUDGED_BY_REFERRER = "judged_by_referrer", "Judged competent by the referrer"
    CONFIRMED = "confirmed", "Competence confirmed"
    REVISIT = "revisit", "Revisit: contact the young person or involve a parent or carer"


class MatchStatus(models.TextChoices):
    NEW = "new", "Not known before"
    EXACT = "exact", "Matched by NHS number"
    POSSIBLE = "possible", "Possible match: for the triage lead to check"
    CONFIRMED = "confirmed", "Match confirmed"
    REJECTED = "rejected", "Possible matches ruled out"


RISK_INDICATORS = {
    "self_harm": "Self-harm",
    "suicidal_thoughts": "Suicidal thoughts",
    "harm_to_others": "Harm to others",
    "safeguarding_concern": "A safeguarding concern",
    "eating_difficulties": "Eating difficulties",
    "unusual_experiences": "Unusual experiences (hearing or seeing things others don't)",
}
# Indicators of a risk to life: a referral that discloses one runs the red (same-day)
# triage clock until a triage lead has screened it (`clock.calendar.clock_kind`).
URGENT_INDICATORS = frozenset({"self_harm", "suicidal_thoughts", "harm_to_others"})


class Referral(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=8, unique=True)
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="referrals")
    received_at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(
        max_length=30, choices=Status.choices, default=Status.AWAITING_TRIAGE, db_index=True
    )
    risk_rating = models.CharField(max_length=10, choices=RiskRating.choices, blank=True)
    # The triage queue (`bands.py`): a disclosed risk to life not yet screened first (band 0),
    # then red referrals not yet reviewed by a clinician (band 1), then everything else
    # (band 2), each by the deadline on its clock, then by arrival.
    queue_band = models.PositiveSmallIntegerField(default=EVERYTHING_ELSE)
    triage_due_at = models.DateTimeField(null=True, blank=True)
    red_reviewed_at = models.DateTimeField(null=True, blank=True)
    clock_paused_at = models.DateTimeField(
        null=True, blank=True, help_text="When the triage clock paused for more information."
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    last_declined_by = models.ForeignKey(
        "alliance.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The partner that last declined this referral back to triage.",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Goes up with every move, so two people can't overwrite each other."
    )
    joined_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="joined",
        help_text="The child's open referral this one joined (status joined).",
    )
    allocated_organisation = models.ForeignKey(
        "alliance.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocated_referrals",
    )
    allocated_offer = models.ForeignKey(
        "alliance.Offer", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    named_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="named_for",
        help_text="The practitioner at the allocated partner who holds this child's care.",
    )
    journey = models.ForeignKey(
        "children.Journey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    route = models.CharField(max_length=20, choices=Route.choices, default=Route.PROFESSIONAL)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.ONLINE)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff who recorded a referral taken by phone.",
    )
    submission_key = models.UUIDField(
        null=True, blank=True, unique=True, help_text="One referral per form submission."
    )
    # The referrer (the young person themselves on the self route).
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_relationship = models.CharField(max_length=100, blank=True)
    referrer_role = models.CharField(max_length=100, blank=True)
    referrer_organisation = models.CharField(max_length=200, blank=True)
    referrer_email = models.EmailField(blank=True)
    referrer_phone = models.CharField(max_length=30, blank=True)
    # Why, and what has been tried.
    reasons = models.TextField(blank=True)
    needs = models.ManyToManyField("alliance.Need", related_name="referrals", blank=True)
    what_tried = models.TextField(blank=True)
    # Risk indicators as the referrer described them (screened at triage).
    self_harm = models.BooleanField(default=False)
    suicidal_thoughts = models.BooleanField(default=False)
    harm_to_others = models.BooleanField(default=False)
    safeguarding_concern = models.BooleanField(default=False)
    eating_difficulties = models.BooleanField(default=False)
    unusual_experiences = models.BooleanField(default=False)
    risk_details = models.TextField(blank=True)
    # Communication needs.
    language = models.CharField(max_length=100, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    accessibility_needs = models.TextField(blank=True)
    # Consent (see onedoor.referrals.consent for the rules).
    consent_to_refer = models.BooleanField(default=False)
    consent_given_by = models.CharField(max_length=20, choices=ConsentGivenBy.choices, blank=True)
    judged_competent = models.BooleanField(
        null=True, blank=True, help_text="Under 16: judged competent to consent themselves."
    )
    competence = models.CharField(
        max_length=20,
        choices=Competence.choices,
        blank=True,
        help_text="Under 16, on the young person's own consent: to be confirmed by triage, "
        "judged by the referrer, confirmed, or to revisit.",
    )
    consent_parental_responsibility = models.CharField(
        max_length=10,
        choices=[("yes", "Yes"), ("no", "No"), ("not_known", "Not known")],
        blank=True,
        help_text="Whether the adult who consented has parental responsibility for the child "
        "(blank when the young person consented, or when it was not asked).",
    )
    consent_to_share = models.BooleanField(
        default=False, help_text="Without it, allocation to a partner is blocked."
    )
    family_may_be_contacted = models.BooleanField(default=False)
    # Eligibility, computed at the referral date from the alliance's rules.
    eligible = models.BooleanField(default=True)
    # Text, not a short column: the age and area reasons together pass 300 characters.
    ineligibility_reason = models.TextField(blank=True)
    # The child's GP practice, as the referrer gave it: one on the alliance's list (which
    # eligibility counts), or the name typed when it was not on the list.
    gp_practice = models.ForeignKey(
        "alliance.GpPractice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    gp_practice_not_listed = models.CharField(
        max_length=200, blank=True, help_text="The GP practice as typed, when not on the list."
    )
    # Correcting the GP practice made a referral the rules had turned away eligible, and
    # brought it into triage (`referrals/gp_practice.py`): its triage clock starts then.
    corrected_into_triage_at = models.DateTimeField(null=True, blank=True)
    signposted_to = models.ManyToManyField(
        "alliance.DirectoryService", related_name="referrals", blank=True
    )
    # When the referral was signposted (at the door, or when a triage decision of advice and
    # signposting took effect) and by whom (nobody: the eligibility rules at the door), for
    # the triage lead's daily review of signposted referrals (`triage/signposted.py`).
    signposted_at = models.DateTimeField(null=True, blank=True)
    signposted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A triage lead overruled the eligibility rules and brought the referral into triage.
    eligibility_overruled_at = models.DateTimeField(null=True, blank=True)
    eligibility_overruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    eligibility_overrule_reason = models.TextField(blank=True)
    # "Do not share status with the family" (`referrals/status_sharing.py`): since when, while
    # the triage team has marked it so; who decided and why are its `StatusSharing` rows.
    status_withheld_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # One child, one journey.
    match_status = models.CharField(
        max_length=20, choices=MatchStatus.choices, default=MatchStatus.NEW
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        help_text="The professional referrer's account, when they referred online.",
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["allocated_organisation", "status"]),
            models.Index(fields=["child", "received_at"], name="referrals_of_a_child"),
            # The triage queue in its order, its states only (a few per cent of the rows):
            # a page reads its own rows from here, at any depth (`triage/queue.py`).
            models.Index(
                fields=["queue_band", "triage_due_at", "received_at", "id"],
                condition=models.Q(status__among=TRIAGE_STATES),
                name="triage_queue_order",
            ),
            models.Index(
                fields=["received_at", "id"],
                condition=models.Q(match_status="possible"),
                name="possible_matches_to_check",
            ),
            models.Index(
                fields=["signposted_at", "id"],
                condition=models.Q(signposted_at__isnull=False),
                name="signposted_by_day",
            ),
        ]

    def __str__(self) -> str:
        return display(self.reference)

    @property
    def reference_display(self) -> str:
        return display(self.reference)

    @property
    def age_when_referred(self) -> int:
        return age_on(self.child.date_of_birth, timezone.localdate(self.received_at))

    @property
    def consent_words(self) -> str:
        """Who consented, for the triage page: "the young person (competence to be confirmed)"."""
        return consent.consent_words(
            consent_to_refer=self.consent_to_refer,
            given_by=self.consent_given_by,
            competence=self.competence,
            parental_responsibility=self.consent_parental_responsibility,
        )

    @property
    def consent_warning(self) -> str | None:
        """For triage: an under-16's consent given by an adult without parental responsibility."""
        return consent.parental_responsibility_warning(
            age=self.age_when_referred,
            given_by=self.consent_given_by,
            parental_responsibility=self.consent_parental_responsibility,
        )

    @property
    def competence_to_review(self) -> bool:
        """The young person's own consent, under 16, for the triage team to confirm or revisit."""
        return consent.reviewable(self.competence)

    @property
    def risk_indicators(self) -> list[str]:
        return [label for field, label in RISK_INDICATORS.items() if getattr(self, field)]

    @property
    def triage_clock_from(self) -> datetime:
        """When the triage clock started: on receipt, or when a triage lead overruled the
        eligibility rules, or a corrected GP practice made it eligible, and brought the
        referral into triage (it could not start before)."""
        return self.eligibility_overruled_at or self.corrected_into_triage_at or self.received_at

    @property
    def discloses_risk_to_life(self) -> bool:
        return any(getattr(self, field) for field in sorted(URGENT_INDICATORS))

    @property
    def awaits_urgent_screening(self) -> bool:
        """It discloses a risk to life and no triage lead has screened it yet: top of the queue."""
        return self.queue_band == URGENT_UNSCREENED

    @property
    def awaits_red_review(self) -> bool:
        """Rated red and not yet reviewed by a clinician."""
        return self.queue_band == RED_UNREVIEWED


class MatchCandidate(models.Model):
    """A child already known who may be the child this referral is about."""

    class Decision(models.TextChoices):
        PENDING = "pending", "To check"
        CONFIRMED = "confirmed", "Same child"
        REJECTED = "rejected", "Not the same child"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="candidates")
    child = models.ForeignKey("children.Child", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "child"], name="one_candidate_per_child")
        ]

    def __str__(self) -> str:
        return f"Candidate {self.child_id} for {self.referral}"


class RetiredChild(models.Model):
    """The record opened for a referral's child, kept when a confirmed match retired it (the
    referral is about a child already known), so that undoing the match brings it back as it
    was (`joins.undo_match`): the row as Django's serialiser writes it, with the carers and
    timeline events that moved to the known child and the priority groups it gained."""

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="retired_child"
    )
    child_uuid = models.UUIDField()
    record = models.JSONField(help_text="The child's row as `django.core.serializers` wrote it.")
    carers = models.ManyToManyField("children.CarerContact", related_name="+", blank=True)
    events = models.ManyToManyField("children.TimelineEvent", related_name="+", blank=True)
    groups_added = models.ManyToManyField(
        "alliance.PriorityGroup",
        related_name="+",
        blank=True,
        help_text="The priority groups the known child gained with the match.",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"The child first recorded for {self.referral}"


class SubmissionAttempt(models.Model):
    """When the public form was sent, and from which address: for the rate limit only.

    Holds no answers; rows older than a day are removed by the rate limiter itself.
    """

    address = models.GenericIPAddressField()
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.address} at {self.at}"


class SavedForLaterRequest(models.Model):
    """A "save and come back later" link asked for: for the rate limits only. Holds a keyed
    digest of the email address, never the address, and the client address; rows older than
    a day are removed by the rate limiter itself."""

    email_digest = models.CharField(max_length=64, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Link asked for at {self.at}"


class AdviceContact(models.Model):
    """Advice given without a referral: who asked, what was advised, where they were sent."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="advice")
    at = models.DateTimeField()
    caller_name = models.CharField(max_length=200)
    caller_relationship = models.CharField(max_length=100)
    advice_given = models.TextField()
    signposted_to = models.ManyToManyField(
        "alliance.DirectoryService", blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Advice {self.uuid}"


class StatusSharing(models.Model):
    """One decision of the triage team on whether the family may hear how a referral is going
    (`referrals/status_sharing.py`): to withhold it ("do not share status with the family") or
    to share it again, who decided, when and why. The newest is in force."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_sharing")
    withheld = models.BooleanField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    reason = models.TextField()

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return "Do not share status" if self.withheld else "Share status again"


class SavedAnswers(models.Model):
    """The public referral form's answers so far, for one browser session: kept on the server
    (never in the page), encrypted at rest with `DRAFTS_KEY`, deleted when the referral is sent
    or after `REFERRAL_ANSWERS_KEPT_FOR` without an answer saved, or, saved for later, when
    their link expires (`referrals/saved_answers.py`, `saved_for_later.py`, hazard H42). Found
    only through the random identifier in the session that saved them, or through the link."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The answers page by page and the submission key, as JSON in a Fernet token: never plain.
    content = models.TextField()
    saved_at = models.DateTimeField(db_index=True)
    # "Save and come back later": kept until then, whatever the idle limit, for the emailed
    # link, whose SHA-256 alone is kept (the link itself only in the email); both cleared when
    # the link is used. A new link replaces the last.
    kept_until = models.DateTimeField(null=True, blank=True, db_index=True)
    link_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name_plural = "saved answers"

    def __str__(self) -> str:
        return f"Saved answers {self.uuid}"
