"""Referrals: each request for help for a child, from whoever made it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from onedoor.alliance.models import RiskRating
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


class Route(models.TextChoices):
    """Who is asking: the three routes through the one referral form, and staff."""

    SELF = "self", "A young person referring themselves"
    PARENT = "parent", "A parent or carer"
    PROFESSIONAL = "professional", "A professional"


class Channel(models.TextChoices):
    ONLINE = "online", "Online form"
    PHONE = "phone", "Phone, recorded by staff"


class ConsentGivenBy(models.TextChoices):
    YOUNG_PERSON = "young_person", "The young person"
    PARENT_CARER = "parent_carer", "A parent or carer"


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
    # The triage queue: red referrals not yet reviewed by a clinician first (band 0), then
    # everything else (band 1), each by the deadline on its clock.
    queue_band = models.PositiveSmallIntegerField(default=1)
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
    consent_to_share = models.BooleanField(
        default=False, help_text="Without it, allocation to a partner is blocked."
    )
    family_may_be_contacted = models.BooleanField(default=False)
    # Eligibility, computed at the referral date from the alliance's rules.
    eligible = models.BooleanField(default=True)
    ineligibility_reason = models.CharField(max_length=300, blank=True)
    signposted_to = models.ManyToManyField(
        "alliance.DirectoryService", related_name="referrals", blank=True
    )
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
            models.Index(fields=["queue_band", "triage_due_at", "id"], name="triage_queue_order"),
            models.Index(
                fields=["received_at", "id"],
                condition=models.Q(match_status="possible"),
                name="possible_matches_to_check",
            ),
        ]

    def __str__(self) -> str:
        return display(self.reference)

    @property
    def reference_display(self) -> str:
        return display(self.reference)

    @property
    def risk_indicators(self) -> list[str]:
        return [label for field, label in RISK_INDICATORS.items() if getattr(self, field)]

    @property
    def discloses_risk_to_life(self) -> bool:
        return any(getattr(self, field) for field in sorted(URGENT_INDICATORS))


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


class SubmissionAttempt(models.Model):
    """When the public form was sent, and from which address: for the rate limit only.

    Holds no answers; rows older than a day are removed by the rate limiter itself.
    """

    address = models.GenericIPAddressField()
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.address} at {self.at}"


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
