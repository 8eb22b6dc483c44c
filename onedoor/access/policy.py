"""Who may see and do what: the access policy as one table.

Every read of case data on behalf of a user goes through `onedoor.access.records`, which
turns this table into querysets. Views never filter by organisation themselves. The table
is tested as a matrix: every role x own/other organisation x record type x action.
"""

from __future__ import annotations

from enum import StrEnum

from onedoor.accounts.roles import Role


class RecordType(StrEnum):
    CHILD = "child"
    REFERRAL = "referral"


class Do(StrEnum):
    VIEW = "view"
    CHANGE = "change"


class Scope(StrEnum):
    ALL = "every record in the alliance"
    REACH = "every record at the lead provider; own organisation's at a partner"
    OWN_ORGANISATION = "records allocated to the user's organisation"
    OWN_REFERRALS = "referrals the user made"
    NONE = "nothing"


_ = Scope  # short names for the table below
ALL, REACH, OWN, MINE, NONE = _.ALL, _.REACH, _.OWN_ORGANISATION, _.OWN_REFERRALS, _.NONE
CHILD, REFERRAL = RecordType.CHILD, RecordType.REFERRAL
VIEW, CHANGE = Do.VIEW, Do.CHANGE

POLICY: dict[Role, dict[RecordType, dict[Do, Scope]]] = {
    # role                      record:   view   change
    Role.PROFESSIONAL_REFERRER: {CHILD: {VIEW: NONE, CHANGE: NONE},
                                 REFERRAL: {VIEW: MINE, CHANGE: NONE}},
    Role.TRIAGE_LEAD:           {CHILD: {VIEW: ALL, CHANGE: ALL},
                                 REFERRAL: {VIEW: ALL, CHANGE: ALL}},
    Role.CARE_COORDINATOR:      {CHILD: {VIEW: ALL, CHANGE: ALL},
                                 REFERRAL: {VIEW: ALL, CHANGE: ALL}},
    Role.PRACTITIONER:          {CHILD: {VIEW: OWN, CHANGE: OWN},
                                 REFERRAL: {VIEW: OWN, CHANGE: OWN}},
    Role.PARTNER_LEAD:          {CHILD: {VIEW: OWN, CHANGE: OWN},
                                 REFERRAL: {VIEW: OWN, CHANGE: OWN}},
    Role.CLINICAL_LEAD:         {CHILD: {VIEW: ALL, CHANGE: ALL},
                                 REFERRAL: {VIEW: ALL, CHANGE: ALL}},
    Role.SAFEGUARDING_LEAD:     {CHILD: {VIEW: REACH, CHANGE: NONE},
                                 REFERRAL: {VIEW: REACH, CHANGE: NONE}},
    Role.SERVICE_MANAGER:       {CHILD: {VIEW: ALL, CHANGE: NONE},
                                 REFERRAL: {VIEW: ALL, CHANGE: NONE}},
    Role.ANALYST:               {CHILD: {VIEW: NONE, CHANGE: NONE},
                                 REFERRAL: {VIEW: NONE, CHANGE: NONE}},
    Role.COMMISSIONER:          {CHILD: {VIEW: NONE, CHANGE: NONE},
                                 REFERRAL: {VIEW: NONE, CHANGE: NONE}},
    Role.ADMINISTRATOR:         {CHILD: {VIEW: NONE, CHANGE: NONE},
                                 REFERRAL: {VIEW: NONE, CHANGE: NONE}},
}  # fmt: skip

# Roles that may ask for emergency ("break-glass") access to a child outside their scope.
# A grant lets them view, never change, and the clinical lead reviews every one.
# (Care coordinators already see every child, so they never need it.)
BREAK_GLASS_ROLES = frozenset({Role.PRACTITIONER, Role.PARTNER_LEAD, Role.SAFEGUARDING_LEAD})

# Roles that review emergency access and see who viewed a child's record.
AUDIT_REVIEWER_ROLES = frozenset({Role.CLINICAL_LEAD})


def scope_for(role: str, record_type: RecordType, action: Do) -> Scope:
    """The scope a role has; an unknown or empty role has none."""
    try:
        return POLICY[Role(role)][record_type][action]
    except (ValueError, KeyError):
        return Scope.NONE
