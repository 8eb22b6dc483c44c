"""The children and young people the alliance works with."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import models

from onedoor import clock
from onedoor.children.names import canonical_given_name, normalise_name
from onedoor.children.nhs_number import format_nhs_number


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    SELF_DESCRIBED = "self_described", "Describes themselves another way"
    NOT_STATED = "not_stated", "Prefers not to say"


class Ethnicity(models.TextChoices):
    """The NHS Data Dictionary's ethnic categories (codes A to Z)."""

    A = "A", "White: British"
    B = "B", "White: Irish"
    C = "C", "White: any other White background"
    D = "D", "Mixed: White and Black Caribbean"
    E = "E", "Mixed: White and Black African"
    F = "F", "Mixed: White and Asian"
    G = "G", "Mixed: any other mixed background"
    H = "H", "Asian or Asian British: Indian"
    J = "J", "Asian or Asian British: Pakistani"
    K = "K", "Asian or Asian British: Bangladeshi"
    L = "L", "Asian or Asian British: any other Asian background"
    M = "M", "Black or Black British: Caribbean"
    N = "N", "Black or Black British: African"
    P = "P", "Black or Black British: any other Black background"
    R = "R", "Other ethnic groups: Chinese"
    S = "S", "Other ethnic groups: any other ethnic group"
    Z = "Z", "Not stated"


class Child(models.Model):
    """A child or young person known to the alliance: one row per person."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    alliance = models.ForeignKey("alliance.Alliance", on_delete=models.PROTECT)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_STATED)
    ethnicity = models.CharField(max_length=1, choices=Ethnicity.choices, default=Ethnicity.Z)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    school = models.CharField(max_length=200, blank=True)
    gp_practice = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True, help_text="The young person's own.")
    email = models.EmailField(blank=True, help_text="The young person's own.")
    # Names as the matcher compares them: lower-case ASCII, given name in its canonical
    # form (Bob -> robert). Kept by `set_match_names`, indexed for trigram search.
    match_given_name = models.CharField(max_length=100, blank=True, editable=False)
    match_family_name = models.CharField(max_length=100, blank=True, editable=False)
    priority_groups = models.ManyToManyField(
        "alliance.PriorityGroup", related_name="children", blank=True
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # Consent to share with the alliance's partners withdrawn (`children/sharing.py`): since
    # when, and the partner already working with the child that keeps them, if one does.
    # Kept by `referrals/sharing.py`, each decision a `SharingDecision`; None: not withdrawn.
    sharing_withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    sharing_kept_by = models.ForeignKey(
        "alliance.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "children"
        indexes = [
            models.Index(fields=["date_of_birth", "family_name"]),
            # The search reads the distinct names from these alone (`access/search.py`).
            models.Index(fields=["alliance", "match_given_name"], name="child_search_given_name"),
            models.Index(fields=["alliance", "match_family_name"], name="child_search_family_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else "Not known"

    def set_match_names(self) -> None:
        self.match_given_name = canonical_given_name(self.given_name)
        self.match_family_name = normalise_name(self.family_name)

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - int(before_birthday)


class CarerContact(models.Model):
    """A parent or carer of the child, and whether they hold parental responsibility."""

    class ParentalResponsibility(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_KNOWN = "not_known", "Not known"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="carers")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    parental_responsibility = models.CharField(
        max_length=10, choices=ParentalResponsibility.choices
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class Journey(models.Model):
    """One child's path through the alliance, from a referral to discharge: one open at a
    time, so a child never holds two places on the waiting lists."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="journeys")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_journey_per_child",
            )
        ]

    def __str__(self) -> str:
        return f"Journey {self.uuid}"


class TimelineEvent(models.Model):
    """One step on a child's timeline: who did what, and when."""

    class Kind(models.TextChoices):
        REFERRAL_RECEIVED = "referral_received", "Referral received"
        REFERRAL_BY_PHONE = "referral_by_phone", "Referral taken by phone"
        ADVICE_GIVEN = "advice_given", "Advice given"
        SIGNPOSTED = "signposted", "Signposted: not eligible for the alliance"
        MATCH_CONFIRMED = "match_confirmed", "Referral matched to this child"
        MATCH_REJECTED = "match_rejected", "Possible match ruled out"
        CONSENT_TO_SHARE = "consent_to_share", "Consent to share recorded"
        STATUS_CHANGED = "status_changed", "Referral moved on"
        REFERRAL_CORRECTED = "referral_corrected", "Referral corrected"
        DETAILS_CORRECTED = "details_corrected", "Details corrected"
        SHARING_WITHDRAWN = "sharing_withdrawn", "Consent to share withdrawn"
        SHARING_GIVEN_AGAIN = "sharing_given_again", "Consent to share given again"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    summary = models.TextField(blank=True)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class Correction(models.Model):
    """One field of one record corrected: the earlier value kept, with who, when and why
    (`children/corrections.py`). Any record can keep its history here: `record_type` and
    `record_uuid` name it (a child's details are the record "child", a clinical note
    "clinical_note"), and `child` is whom it is about, so the history is read with the
    record and only by those who may read the record. Corrections made together share a
    `batch`. Never changed or deleted: a correction of a correction is another row."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.UUIDField(db_index=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="corrections")
    record_type = models.CharField(max_length=40)
    record_uuid = models.UUIDField()
    field = models.CharField(max_length=40)  # the model field's name
    label = models.CharField(max_length=100)  # what the page calls it: "Date of birth"
    earlier = models.TextField(blank=True)  # as shown, "" for nothing
    new = models.TextField(blank=True)
    reason = models.TextField()
    corrected_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField()

    class Meta:
        ordering = ["-corrected_at", "-id"]
        indexes = [models.Index(fields=["record_type", "record_uuid"])]

    def __str__(self) -> str:
        return f"{self.label} corrected at {self.corrected_at:%Y-%m-%d %H:%M}"


class SharingDecision(models.Model):
    """One decision on sharing a child's records with the alliance's partners
    (`referrals/sharing.py`): consent to share withdrawn (with the partner already working
    with the child that keeps them, if any), or given again. The newest is in force, and
    `Child.sharing_withdrawn_at` and `sharing_kept_by` say what it decided."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="sharing_decisions")
    withdrawn = models.BooleanField()
    kept_by = models.ForeignKey(
        "alliance.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        said = "withdrawn" if self.withdrawn else "given again"
        return f"Consent to share {said} at {self.decided_at:%Y-%m-%d %H:%M}"
