"""The alliance as data: organisations, offers, rules, clocks, cadences, escalation levels.

Everything Medway-specific lives in rows of these tables, loaded from a versioned data file
(`onedoor/alliance/data/medway.toml`) and edited by administrators in the product.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from onedoor.alliance.contacts import validate_uk_phone
from onedoor.alliance.email_domains import parse as parse_domains
from onedoor.alliance.email_domains import validate_email_domains


class IThriveGrouping(models.TextChoices):
    THRIVING = "thriving", "Thriving"
    GETTING_ADVICE = "getting_advice", "Getting Advice and Signposting"
    GETTING_HELP = "getting_help", "Getting Help"
    GETTING_MORE_HELP = "getting_more_help", "Getting More Help"
    GETTING_RISK_SUPPORT = "getting_risk_support", "Getting Risk Support"


class RiskRating(models.TextChoices):
    """Red, amber, green: the one risk vocabulary for triage, Waiting Well and care."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


# How long records are kept, by default the NHS England Records Management Code of Practice's
# periods (`privacy.retention`): a child's record until their 25th birthday, or their 26th if
# they were 17 when care ended; a mental health record 20 years after care ended (the longer
# applies); incidents 10 years after they happened.
RETENTION_DEFAULTS = {
    "children_until_birthday": 25,
    "children_until_birthday_if_17": 26,
    "mental_health_years": 20,
    "incident_years": 10,
}


def default_retention() -> dict[str, int]:
    return dict(RETENTION_DEFAULTS)


class Alliance(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    area_name = models.CharField(max_length=100, help_text="The area the alliance serves.")
    # Eligibility (the defaults are the brief's: 5 to 18, to 25 with an extending flag).
    min_age = models.PositiveSmallIntegerField(validators=[MaxValueValidator(30)])
    max_age = models.PositiveSmallIntegerField(validators=[MaxValueValidator(30)])
    extended_max_age = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(30)],
        help_text="Upper age (inclusive) for young people in a group that extends eligibility.",
    )
    break_glass_hours = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text="How long an emergency access grant lasts.",
    )
    small_numbers_below = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Figures shown to commissioners count at least this many children, or are "
        "suppressed, so that no child can be identified.",
    )
    retention = models.JSONField(
        default=default_retention,
        help_text="Retention classes: how long records are kept (`privacy.retention`), from "
        "the alliance file's [retention], the NHS England Records Management Code of "
        "Practice's periods by default.",
    )
    supervision_every_days = models.PositiveSmallIntegerField(
        default=31,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
        help_text="A practitioner or partner lead with no clinical supervision in this many "
        "days is overdue.",
    )
    audit_sample_size = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="How many records a case audit round samples from each organisation, "
        "unless the round says otherwise.",
    )
    urgent_screening_hours = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(40)],
        help_text="A referral that discloses a risk to life is screened by a triage lead "
        "within this many working hours (09:00 to 17:00 on working days) of arriving, or it "
        "escalates.",
    )
    # The service's own identity, as families and referrers see it (not "OneDoor").
    public_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="The name of the service that families and referrers see on the public pages "
        "and in emails; blank for the alliance's name.",
    )
    phone = models.CharField(
        max_length=40,
        blank=True,
        validators=[validate_uk_phone],
        help_text="The Referral and Advice Point's phone number, such as 01634 123456.",
    )
    email = models.EmailField(blank=True, help_text="The Referral and Advice Point's email.")
    opening_hours = models.CharField(
        max_length=200,
        blank=True,
        help_text="When the Referral and Advice Point answers, in plain words, such as "
        '"Monday to Friday, 9am to 5pm, except bank holidays".',
    )
    config_version = models.CharField(max_length=40, blank=True)
    # Professional referrer accounts (hazard H45): who may register, and where they belong.
    referrer_email_domains = models.TextField(
        blank=True,
        validators=[validate_email_domains],
        help_text="Work email domains a professional may register with, one a line: a domain "
        "(nhs.net) allows exactly that domain; *. and a domain (*.medway.sch.uk) allows any "
        "subdomain of it. Blank: nobody can register.",
    )
    referrer_organisation = models.ForeignKey(
        "Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation every professional referrer who registers belongs to "
        "(an external service): they see only the referrals they made.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__lte=models.F("max_age"))
                & models.Q(max_age__lte=models.F("extended_max_age")),
                name="alliance_ages_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def allowed_email_domains(self) -> tuple[str, ...]:
        """The allow-list, as `email_domains.allowed` takes it (checked when saved)."""
        return parse_domains(self.referrer_email_domains)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        LEAD_PROVIDER = "lead_provider", "Lead provider"
        PARTNER = "partner", "Partner"
        EXTERNAL = "external", "External service"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="organisations")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    description_is_illustrative = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "slug"], name="organisation_slug_unique"),
            models.UniqueConstraint(
                fields=["alliance"],
                condition=models.Q(kind="lead_provider"),
                name="one_lead_provider_per_alliance",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_lead_provider(self) -> bool:
        return self.kind == self.Kind.LEAD_PROVIDER


def external_services(alliance: Alliance | None) -> models.QuerySet[Organisation]:
    """The services outside the alliance a child can be stepped up, referred or handed to, or
    come from: its external organisations, less the one registered professional referrers
    belong to (`Alliance.referrer_organisation`), which is no service."""
    services = Organisation.objects.filter(alliance=alliance, kind=Organisation.Kind.EXTERNAL)
    if alliance is not None and alliance.referrer_organisation_id is not None:
        services = services.exclude(pk=alliance.referrer_organisation_id)
    return services


class Need(models.Model):
    """A presenting need an offer can serve (anxiety, low mood, bereavement...)."""

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="needs")
    slug = models.SlugField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["alliance", "slug"], name="need_unique")]

    def __str__(self) -> str:
        return self.name


class PriorityGroup(models.Model):
    """A priority group or increased-vulnerability flag, and what it changes."""

    class Kind(models.TextChoices):
        PRIORITY = "priority", "Priority group"
        VULNERABILITY = "vulnerability", "Increased vulnerability"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="priority_groups")
    slug = models.SlugField()
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    extends_eligibility = models.BooleanField(
        default=False, help_text="Eligible up to the extended age (SEND, care leavers)."
    )
    shortens_triage_clock = models.BooleanField(default=False)
    needs_consent_to_record = models.BooleanField(
        default=False, help_text="Recorded only with the young person's consent (LGBTQIA+)."
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "slug"], name="priority_group_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryMode(models.Model):
    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="delivery_modes")
    slug = models.SlugField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "slug"], name="delivery_mode_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Offer(models.Model):
    """Something a partner offers children and young people, with its capacity."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offers")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    description = models.TextField()
    description_is_illustrative = models.BooleanField(default=True)
    ithrive_grouping = models.CharField(max_length=30, choices=IThriveGrouping.choices)
    min_age = models.PositiveSmallIntegerField(validators=[MaxValueValidator(30)])
    max_age = models.PositiveSmallIntegerField(validators=[MaxValueValidator(30)])
    needs = models.ManyToManyField(Need, related_name="offers", blank=True)
    priority_groups = models.ManyToManyField(
        PriorityGroup, related_name="offers", blank=True, help_text="Priority-group focus."
    )
    delivery_modes = models.ManyToManyField(DeliveryMode, related_name="offers")
    capacity = models.PositiveIntegerField(help_text="Children the offer can work with at once.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="offer_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(min_age__lte=models.F("max_age")), name="offer_ages_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class AreaPostcode(models.Model):
    """A postcode district (outward code) inside the alliance's area."""

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="postcodes")
    district = models.CharField(max_length=4)

    class Meta:
        ordering = ["district"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "district"], name="area_postcode_unique")
        ]

    def __str__(self) -> str:
        return self.district


class GpPracticeQuerySet(models.QuerySet["GpPractice"]):
    def offered(self) -> GpPracticeQuerySet:
        """The practices a referrer may choose and eligibility counts: the active ones."""
        return self.filter(status=GpPractice.Status.ACTIVE)


class GpPractice(models.Model):
    """A GP practice in the area: registration with an active one makes a child eligible.

    The list is loaded from the NHS's published practice file (`practices.py`, `manage.py
    load_practices`); a practice no longer in it that a referral names is kept, closed."""

    class Status(models.TextChoices):
        # The status codes of the NHS's practice file (epraccur): A, C, D and P.
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"
        DORMANT = "dormant", "Dormant"
        PROPOSED = "proposed", "Proposed"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="gp_practices")
    ods_code = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=400, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)

    objects = GpPracticeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "GP practice"
        constraints = [
            models.UniqueConstraint(fields=["alliance", "ods_code"], name="gp_practice_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """How the referral form lists it: "Priory Surgery, Chatham (ME4 4AB)"."""
        postcode = f"({self.postcode})" if self.postcode else ""
        place = " ".join(part for part in (self.town, postcode) if part)
        return f"{self.name}, {place}" if place else self.name


class TriageClock(models.Model):
    """How many working days triage may take for a kind of referral (0 = the same day)."""

    class Kind(models.TextChoices):
        RED = "red", "Red risk: reviewed by a clinician"
        PRIORITY = "priority", "Priority group"
        ROUTINE = "routine", "Routine"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="triage_clocks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    working_days = models.PositiveSmallIntegerField(validators=[MaxValueValidator(60)])

    class Meta:
        ordering = ["working_days"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "kind"], name="triage_clock_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.working_days} working days"


class CheckInCadence(models.Model):
    """How often a waiting child at a risk rating is checked in with (Waiting Well)."""

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="cadences")
    rating = models.CharField(max_length=10, choices=RiskRating.choices)
    interval_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(90)]
    )

    class Meta:
        ordering = ["interval_days"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "rating"], name="cadence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_rating_display()}: every {self.interval_days} days"


class AuditCriterion(models.Model):
    """One standard a case audit scores each sampled record against, for example "a current
    risk assessment". A round keeps the criteria it started with."""

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, help_text="What the auditor looks for.")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="New audit rounds use active ones.")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "slug"], name="audit_criterion_unique")
        ]

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    """One level of the escalation framework: who is told, and when the next level comes."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.PROTECT, related_name="escalation_levels"
    )
    level = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    name = models.CharField(max_length=100)
    notify_roles = models.CharField(
        max_length=300,
        help_text="Roles told at this level, as role codes separated by commas.",
    )
    notify_description = models.CharField(max_length=300, blank=True)
    hours_to_next_level = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty for the top level."
    )

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "level"], name="escalation_level_unique")
        ]

    def __str__(self) -> str:
        return f"Level {self.level}: {self.name}"

    @property
    def roles(self) -> list[str]:
        return [role.strip() for role in self.notify_roles.split(",") if role.strip()]


class DirectoryServiceQuerySet(models.QuerySet["DirectoryService"]):
    def fitting_age(self, age: int) -> DirectoryServiceQuerySet:
        """The services for someone of `age` (a blank minimum or maximum is any age): what a
        child, or the family of a child under 5, is signposted to."""
        return self.filter(
            (models.Q(min_age__isnull=True) | models.Q(min_age__lte=age))
            & (models.Q(max_age__isnull=True) | models.Q(max_age__gte=age))
        )


class DirectoryService(models.Model):
    """A wider service for signposting, when a child is not for the alliance or needs more."""

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="directory")
    slug = models.SlugField()
    name = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=60)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The youngest age it serves; blank for any age."
    )
    max_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The oldest age it serves (inclusive); blank for any age."
    )
    crisis = models.BooleanField(default=False, help_text="Shown as help in a crisis, today.")

    objects = DirectoryServiceQuerySet.as_manager()

    class Meta:
        ordering = ["category", "name"]
        verbose_name = "directory service"
        constraints = [
            models.UniqueConstraint(fields=["alliance", "slug"], name="directory_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="directory_ages_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The shared KPIs that can have a target: `insights.kpis` defines them (a test keeps the two
# lists the same; the alliance app sits below insights and cannot import it).
TARGETED_KPIS = [
    ("referrals", "Referrals received"),
    ("re-referrals", "Re-referrals"),
    ("time-to-triage", "Days from referral to triage"),
    ("first-contact", "Days from referral to first contact"),
    ("second-contact", "Days from referral to second contact"),
    ("seen", "Children and young people seen"),
    ("did-not-attend", "Did not attend"),
    ("disengaged", "Discharged as disengaged"),
    ("stepped-up", "Stepped up"),
    ("waiting", "Waiting now"),
    ("longest-wait", "Longest wait now"),
    ("check-ins", "Waiting Well check-ins up to date"),
    ("reviews-overdue", "Risk reviews or care plan reviews overdue"),
    ("paired", "Paired outcome measures"),
    ("improved", "Reliable improvement"),
    ("experience-all", "Found the service helpful (all feedback)"),
    ("experience", "Found the service helpful (at discharge)"),
]


class KpiTarget(models.Model):
    """What the alliance aims for on one shared KPI, and which way is better: the line on its
    chart and the assurance icon (will the target be met, consistently or not)."""

    class Improvement(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="kpi_targets")
    kpi = models.CharField(max_length=40, choices=TARGETED_KPIS)
    target = models.FloatField(validators=[MinValueValidator(0)])
    improvement = models.CharField(max_length=10, choices=Improvement.choices)

    class Meta:
        ordering = ["kpi"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "kpi"], name="one_target_per_kpi")
        ]

    def __str__(self) -> str:
        return f"{self.get_kpi_display()}: {self.target:g} ({self.get_improvement_display()})"
