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
    # Contacts, check-ins, care and safety plans, risk reviews: the work with the child.
    CARE_RECORD = "care record"
    # Clinical notes, which also carry a sharing level (see `care.records.notes_visible_to`).
    CLINICAL_NOTE = "clinical note"


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

CARE, NOTE = RecordType.CARE_RECORD, RecordType.CLINICAL_NOTE


def _rules(
    child: tuple[Scope, Scope],
    referral: tuple[Scope, Scope],
    care: tuple[Scope, Scope],
    note: tuple[Scope, Scope],
) -> dict[RecordType, dict[Do, Scope]]:
    return {
        record: {VIEW: view, CHANGE: change}
        for record, (view, change) in (
            (CHILD, child),
            (REFERRAL, referral),
            (CARE, care),
            (NOTE, note),
        )
    }


POLICY: dict[Role, dict[RecordType, dict[Do, Scope]]] = {
    # role: (view, change) on     child            referral      care record   clinical note
    Role.PROFESSIONAL_REFERRER: _rules((NONE, NONE),     (MINE, NONE), (NONE, NONE), (NONE, NONE)),
    Role.TRIAGE_LEAD:           _rules((ALL, ALL),       (ALL, ALL),   (ALL, ALL),   (ALL, ALL)),
    Role.CARE_COORDINATOR:      _rules((ALL, ALL),       (ALL, ALL),   (ALL, ALL),   (ALL, ALL)),
    Role.PRACTITIONER:          _rules((OWN, OWN),       (OWN, OWN),   (OWN, OWN),   (OWN, OWN)),
    Role.PARTNER_LEAD:          _rules((OWN, OWN),       (OWN, OWN),   (OWN, OWN),   (OWN, OWN)),
    Role.CLINICAL_LEAD:         _rules((ALL, ALL),       (ALL, ALL),   (ALL, ALL),   (ALL, ALL)),
    Role.SAFEGUARDING_LEAD:     _rules((REACH, NONE), (REACH, NONE), (REACH, NONE), (REACH, NONE)),
    # Waiting lists, capacity and caseloads; no clinical records or notes.
    Role.SERVICE_MANAGER:       _rules((ALL, NONE),      (ALL, NONE),  (NONE, NONE), (NONE, NONE)),
    Role.ANALYST:               _rules((NONE, NONE),     (NONE, NONE), (NONE, NONE), (NONE, NONE)),
    Role.COMMISSIONER:          _rules((NONE, NONE),     (NONE, NONE), (NONE, NONE), (NONE, NONE)),
    Role.ADMINISTRATOR:         _rules((NONE, NONE),     (NONE, NONE), (NONE, NONE), (NONE, NONE)),
    # API clients: a partner's system works as its partner lead does, without clinical notes;
    # a referrer's system reads the referrals it made. Each token's scopes narrow it further.
    Role.PARTNER_SYSTEM:        _rules((OWN, OWN),       (OWN, OWN),   (OWN, OWN),   (NONE, NONE)),
    Role.REFERRER_SYSTEM:       _rules((NONE, NONE),     (MINE, NONE), (NONE, NONE), (NONE, NONE)),
}  # fmt: skip

# A handover between partners: while a `care.Transition` of this kind waits for the receiving
# partner's answer, the receiving organisation's own-organisation scope reaches the child to
# VIEW (never to change), as if the child were allocated to it: the child, the referral, the
# handover, risk, care and safety plans, and the notes shared with the alliance (the sender's
# organisation-only notes stay the sender's: `care.records.notes_visible_to`). Accepted, the
# child is allocated to it; declined, that access ends. `records._handed_over` applies it.
HANDOVER_BETWEEN_PARTNERS = "between_partners"

# Roles that may ask for emergency ("break-glass") access to a child outside their scope.
# A grant lets them view, never change, and the clinical lead reviews every one.
# (Care coordinators already see every child, so they never need it.)
BREAK_GLASS_ROLES = frozenset({Role.PRACTITIONER, Role.PARTNER_LEAD, Role.SAFEGUARDING_LEAD})

# Roles that see other people's case data: a scope beyond the referrals they made themselves
# on any record type. Granting one, or holding it again or elsewhere, waits for a clinical
# lead's approval (`access.roles`, issue 18). That includes a partner's system: its account,
# made with its API client on the API clients page, waits inactive until a clinical lead
# approves it; a referrer's system reads only the referrals it made.
SEES_CASE_DATA = frozenset(
    role
    for role, rules in POLICY.items()
    if any(rules[record][VIEW] in (ALL, REACH, OWN) for record in rules)
)

# Roles that review emergency access and see who viewed a child's record.
AUDIT_REVIEWER_ROLES = frozenset({Role.CLINICAL_LEAD})


def scope_for(role: str, record_type: RecordType, action: Do) -> Scope:
    """The scope a role has; an unknown or empty role has none."""
    try:
        return POLICY[Role(role)][record_type][action]
    except (ValueError, KeyError):
        return Scope.NONE
