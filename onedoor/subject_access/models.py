"""Subject access requests (issue 18, part 3): a request for everything held about a child or
a parent or carer, its review (redactions, each with a reason) and what was disclosed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    OPEN = "open", "Open"
    GATHERED = "gathered", "Being reviewed"
    REVIEWED = "reviewed", "Reviewed"
    DISCLOSED = "disclosed", "Disclosed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The moves each status allows, enforced in `actions._move`. A change to the redactions of a
# reviewed request takes it back to review (reviewed -> gathered).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.GATHERED, Status.WITHDRAWN}),
    Status.GATHERED: frozenset({Status.REVIEWED, Status.WITHDRAWN}),
    Status.REVIEWED: frozenset({Status.GATHERED, Status.DISCLOSED, Status.WITHDRAWN}),
    Status.DISCLOSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}
# Still waiting for a response: the one-month clock runs (My tasks, the governance count).
WAITING = (Status.OPEN, Status.GATHERED, Status.REVIEWED)


class Exemption(models.TextChoices):
    """Why something is withheld: the grounds the reviewer may give (UK GDPR and the Data
    Protection Act 2018, Schedules 2 and 3)."""

    THIRD_PARTY = "third_party", "third-party information"
    SERIOUS_HARM = "serious_harm", "serious harm (health data)"
    SAFEGUARDING = "safeguarding", "safeguarding or crime prevention"
    LEGAL_PRIVILEGE = "legal_privilege", "legal privilege"
    OTHER = "other", "other"


class SubjectAccessRequest(models.Model):
    """A request from a person (or someone acting for them) for what the alliance holds about
    a child, or about a parent or carer of a child (`carer`), due one calendar month after it
    was received (`deadline.due_date`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey("children.Child", on_delete=models.PROTECT, related_name="+")
    # Set when the subject is this parent or carer of the child, not the child.
    carer = models.ForeignKey(
        "children.CarerContact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requester_name = models.CharField("who asked", max_length=200)
    requester_contact = models.TextField("how to reach them")
    received_on = models.DateField("received")
    due_on = models.DateField("due")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    gathered_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The items reviewed ("record type|id"): an item gathered later was not reviewed, and
    # disclosure refuses until it is.
    reviewed_items = models.JSONField(default=list, blank=True)
    disclosed_to = models.TextField(blank=True)
    disclosed_at = models.DateTimeField(null=True, blank=True)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # What was disclosed: the archive as sent (JSON, redactions applied), its SHA-256 and the
    # number of items of each record type.
    archive = models.TextField(blank=True, editable=False)
    archive_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    item_counts = models.JSONField(default=dict, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["alliance", "status", "due_on"])]

    def __str__(self) -> str:
        return f"Subject access request {self.uuid}"

    @property
    def about_a_carer(self) -> bool:
        return self.carer_id is not None

    @property
    def waiting(self) -> bool:
        return self.status in WAITING


class Redaction(models.Model):
    """Something withheld from a request's disclosure: a whole item (`field` empty) or one
    field of it, with the exemption it is withheld under."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        SubjectAccessRequest, on_delete=models.CASCADE, related_name="redactions"
    )
    record_type = models.CharField(max_length=100)  # the register's record type
    record_key = models.CharField(max_length=64)  # the record's uuid, or its pk
    field = models.CharField(max_length=100, blank=True)  # the model field's name; "" = all
    reason = models.CharField(max_length=20, choices=Exemption.choices)
    reason_text = models.TextField(blank=True)  # for "other": what it is
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    redacted_at = models.DateTimeField()

    class Meta:
        ordering = ["record_type", "record_key", "field", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "record_type", "record_key", "field"],
                name="one_redaction_per_item_field",
            )
        ]

    def __str__(self) -> str:
        return f"Redaction {self.uuid}"

    @property
    def marker(self) -> str:
        """How the archive and the PDF show it: "[withheld: third-party information]"."""
        why = self.get_reason_display()
        if self.reason == Exemption.OTHER and self.reason_text:
            why = f"other: {self.reason_text}"
        return f"[withheld: {why}]"
