"""The work with a child once a partner has them: Waiting Well check-ins, contacts, care
plans and goals, safety plans, risk reviews, clinical notes, transitions and discharge.

Every record hangs off the referral it belongs to (and so its allocated organisation), which
is what the access layer scopes by; a clinical note also carries its sharing level.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models

from onedoor.access.policy import RecordType
from onedoor.alliance.models import RiskRating


class CareRecord(models.Model):
    """What every care record has: its referral, who wrote it and when, and which row of the
    access policy governs it (`record_type`, read by `access.records.care_records_visible_to`)."""

    record_type: ClassVar[RecordType] = RecordType.CARE_RECORD

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        abstract = True


class CheckIn(CareRecord):
    """A Waiting Well check-in: contact made or not, risk re-screened, materials sent."""

    contact_made = models.BooleanField()
    rating = models.CharField(max_length=10, choices=RiskRating.choices, blank=True)
    notes = models.TextField(blank=True)
    materials_sent = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Check-in {self.uuid}"


class Contact(CareRecord):
    class Outcome(models.TextChoices):
        ATTENDED = "attended", "Attended"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"
        CANCELLED_BY_YOUNG_PERSON = (
            "cancelled_by_young_person",
            "Cancelled by the young person or family",
        )
        CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by the service"

    class Mode(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "Face to face"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"
        ONLINE = "online", "Online"
        TEXT = "text", "Text"

    happened_at = models.DateTimeField()
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-happened_at"]
        indexes = [
            models.Index(fields=["happened_at"], name="contacts_by_time"),
            models.Index(
                fields=["referral", "outcome", "happened_at"], name="contacts_of_a_referral"
            ),
        ]

    def __str__(self) -> str:
        return f"Contact {self.uuid}"


class AppointmentOffer(CareRecord):
    """ "First appointment offered": the partner holding a waiting child has offered them an
    appointment, for when and how (`care/appointments.py`). The first one is a milestone the
    family and the referrer are told of (`referrals/milestones.py`); what then happens is a
    `Contact`."""

    class Mode(models.TextChoices):
        FACE_TO_FACE = "face_to_face", "Face to face"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"
        ONLINE = "online", "Online"

    offered_for = models.DateTimeField()
    mode = models.CharField(max_length=20, choices=Mode.choices)

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"Appointment offer {self.uuid}"


class CarePlan(CareRecord):
    summary = models.TextField()
    review_due = models.DateField()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Care plan {self.uuid}"


class Goal(models.Model):
    care_plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField(max_length=500)

    def __str__(self) -> str:
        return self.text


class SafetyPlan(CareRecord):
    warning_signs = models.TextField()
    coping_strategies = models.TextField()
    people_and_places = models.TextField(blank=True)
    keeping_safe = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Safety plan {self.uuid}"


class RiskReview(CareRecord):
    rating = models.CharField(max_length=10, choices=RiskRating.choices)
    rationale = models.TextField()
    next_due = models.DateField()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Risk review {self.uuid}"


class ClinicalNote(CareRecord):
    """A note with a sharing level: everyone who can see the case, or only the author's
    organisation (and the clinical lead)."""

    record_type: ClassVar[RecordType] = RecordType.CLINICAL_NOTE

    class Sharing(models.TextChoices):
        ALLIANCE = "alliance", "Everyone with access to the case"
        ORGANISATION = "organisation", "Only my organisation (and the clinical lead)"

    text = models.TextField()
    sharing = models.CharField(max_length=20, choices=Sharing.choices)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Note {self.uuid}"


class Discharge(models.Model):
    """The end of the work: why, a closing summary, and a single-use feedback invitation."""

    class Reason(models.TextChoices):
        GOALS_MET = "goals_met", "Goals met"
        DECLINED = "declined", "Declined further support"
        DISENGAGED = "disengaged", "Disengaged"
        MOVED_AWAY = "moved_away", "Moved away"
        TRANSFERRED = "transferred", "Transferred"
        OTHER = "other", "Other"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="discharge"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    summary = models.TextField()
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discharged_at = models.DateTimeField()
    feedback_token = models.CharField(max_length=64, unique=True)
    feedback_expires_at = models.DateTimeField()
    feedback_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Discharge {self.uuid}"


class Feedback(models.Model):
    """What a young person or family said about the service (for the KPIs)."""

    discharge = models.OneToOneField(Discharge, on_delete=models.PROTECT, related_name="feedback")
    helpful = models.PositiveSmallIntegerField(help_text="1 (not at all) to 5 (very)")
    comments = models.TextField(blank=True)
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Feedback on {self.discharge_id}"


class Transition(models.Model):
    """A move between services with a handover that the receiving side acknowledges. Sent by
    the partner holding the child (step-up, another partner, adult services), or, for a
    step-down from a service outside the alliance, recorded by the Referral and Advice Point
    for the partner the child is allocated to."""

    class Kind(models.TextChoices):
        STEP_UP = "step_up", "Step up to specialist CAMHS or crisis support"
        BETWEEN_PARTNERS = "between_partners", "Move to another partner"
        ADULT_SERVICES = "adult_services", "Transition to adult services"
        STEP_DOWN = "step_down", "Step down into the alliance"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="transitions"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reason = models.TextField()
    receiving_organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    receiving_offer = models.ForeignKey(
        "alliance.Offer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sending_organisation = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
        help_text="Who hands over: the partner moving the child to another partner, or, for "
        "a step-down, the service outside the alliance.",
    )  # fmt: skip
    handover = models.TextField()
    due_at = models.DateTimeField(help_text="When the receiving side should have acknowledged.")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the receiving side answered: acknowledged (accepted) or declined.",
    )  # fmt: skip
    acknowledgement = models.TextField(
        blank=True, help_text="Who at the receiving service acknowledged, and how."
    )
    # A move between partners: the receiving partner accepts or declines; a decline sends the
    # child back to the sender in the status it had (`returns_to`), and stays on the sender's
    # tasks until someone there has read it.
    returns_to = models.CharField(
        max_length=30, blank=True,
        help_text="The child's status before the handover, to return to if it is declined.",
    )  # fmt: skip
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    decline_read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.uuid})"


# The Young Adult Support Offer (care leavers aged 18 to 25): a named care coordinator before
# anything else, and the young adult's pathway (`onedoor/care/young_adults.py`).


class CoordinatorAssignmentQuerySet(models.QuerySet["CoordinatorAssignment"]):
    def current(self) -> CoordinatorAssignmentQuerySet:
        return self.filter(ended_at__isnull=True)

    def named(self) -> CoordinatorAssignmentQuerySet:
        """Current, and the coordinator still works here: a closed account is nobody."""
        return self.current().filter(coordinator__is_active=True)


class CoordinatorAssignment(models.Model):
    """A young adult's named care coordinator: who, since when and named by whom. Naming
    someone else ends this row and starts another, so the history stays; one current row
    per referral (a database constraint)."""

    class How(models.TextChoices):
        NAMED = "named", "Named"
        REASSIGNED = "reassigned", "Reassigned"
        CASELOAD_MOVED = "caseload_moved", "Caseload moved from a leaving worker"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, related_name="coordinator_assignments"
    )
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    how = models.CharField(max_length=20, choices=How.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CoordinatorAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(ended_at__isnull=True),
                name="one_named_coordinator_per_referral",
            )
        ]
        indexes = [
            models.Index(
                fields=["coordinator", "assigned_at", "id"],
                condition=models.Q(ended_at__isnull=True),
                name="coordinator_caseload",
            )
        ]

    def __str__(self) -> str:
        return f"Named care coordinator {self.uuid}"


class YoungAdultPathway(CareRecord):
    """What the Young Adult Support Offer gives this young adult: mentoring, advocacy,
    community-based engagement and a link with the Care Leaver Local Offer. The newest is
    the current one; the earlier ones are its history."""

    mentoring = models.BooleanField(default=False)
    advocacy = models.BooleanField(default=False)
    community_engagement = models.BooleanField(default=False)
    local_offer_linked = models.BooleanField(default=False)
    local_offer_notes = models.TextField(
        blank=True, help_text="How they are linked with the Care Leaver Local Offer."
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Young adult pathway {self.uuid}"

    @property
    def parts(self) -> list[str]:
        """The parts of the pathway in words, in a fixed order."""
        return [
            label
            for chosen, label in (
                (self.mentoring, "Mentoring"),
                (self.advocacy, "Advocacy"),
                (self.community_engagement, "Community-based engagement"),
                (self.local_offer_linked, "Linked with the Care Leaver Local Offer"),
            )
            if chosen
        ]
