"""The people who use OneDoor, by role (see "People and what each may see" in the brief)."""

from django.db import models


class Role(models.TextChoices):
    PROFESSIONAL_REFERRER = "professional_referrer", "Professional referrer"
    TRIAGE_LEAD = "triage_lead", "Triage lead"
    CARE_COORDINATOR = "care_coordinator", "Care coordinator"
    PRACTITIONER = "practitioner", "Practitioner"
    PARTNER_LEAD = "partner_lead", "Partner lead"
    CLINICAL_LEAD = "clinical_lead", "Clinical lead"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    SERVICE_MANAGER = "service_manager", "Service manager"
    ANALYST = "analyst", "Analyst"
    COMMISSIONER = "commissioner", "Commissioner"
    ADMINISTRATOR = "administrator", "Administrator"
    # The accounts API clients act as (`integrations.ApiClient.account`): never a person, never
    # signed in (`accounts.backends`), and seeing no more than the access policy gives them.
    PARTNER_SYSTEM = "partner_system", "Partner system"
    REFERRER_SYSTEM = "referrer_system", "Referrer system"


# The lead provider's triage team: screens, decides, confirms matches.
TRIAGE_TEAM = frozenset({Role.TRIAGE_LEAD, Role.CLINICAL_LEAD})
# The Referral and Advice Point: the triage team and the care coordinators, who take phone
# referrals, record advice given and consent obtained later.
ADVICE_POINT = TRIAGE_TEAM | {Role.CARE_COORDINATOR}

# Who answers for a partner when a child is allocated or handed over to it: accepts, or
# declines with a reason.
PARTNER_ANSWERS = frozenset({Role.PRACTITIONER, Role.PARTNER_LEAD, Role.PARTNER_SYSTEM})

# Roles with a task list ("My tasks"): who may own an action (from a meeting, a case audit,
# a safeguarding concern or an incident), since that is where their actions appear.
TASK_HOLDERS = frozenset(
    {
        Role.TRIAGE_LEAD,
        Role.CARE_COORDINATOR,
        Role.PRACTITIONER,
        Role.PARTNER_LEAD,
        Role.CLINICAL_LEAD,
        Role.SAFEGUARDING_LEAD,
        Role.SERVICE_MANAGER,
    }
)

# Roles that work for the alliance: staff (professional referrers are not, although they too
# use a second factor outside demo mode: `User.needs_second_factor`).
# API clients' accounts: a partner's system (a lead provider's or partner's) or a referrer's
# (a GP system's). Nobody signs in as one.
SYSTEM_ROLES = frozenset({Role.PARTNER_SYSTEM, Role.REFERRER_SYSTEM})

STAFF_ROLES = frozenset(Role) - {Role.PROFESSIONAL_REFERRER} - SYSTEM_ROLES
