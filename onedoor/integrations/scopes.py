"""What an API client's token may do: each scope opens a set of endpoints (`/api/v1/`,
`/fhir/R4/`), and never more than the client's account may do by the access policy.

A partner's system (a lead provider's or partner's client) takes the case scopes; a
referrer's system (a client of an external organisation, such as a GP system) takes the
referral scopes. `allowed_for` says which, and registering a client refuses any other.
"""

from __future__ import annotations

from enum import StrEnum

from onedoor.accounts.roles import Role


class Scope(StrEnum):
    READ_CASES = "cases:read"
    ANSWER_ALLOCATIONS = "allocations:answer"
    WRITE_CONTACTS = "contacts:write"
    WRITE_MEASURES = "measures:write"
    WRITE_RISK_REVIEWS = "risk-reviews:write"
    WRITE_DISCHARGES = "discharges:write"
    SUBMIT_REFERRALS = "referrals:submit"
    READ_REFERRALS = "referrals:read"
    MANAGE_WEBHOOKS = "webhooks:manage"


DESCRIPTIONS: dict[Scope, str] = {
    Scope.READ_CASES: "Read the children and referrals allocated to the organisation",
    Scope.ANSWER_ALLOCATIONS: "Accept or decline allocations and handovers",
    Scope.WRITE_CONTACTS: "Record contacts",
    Scope.WRITE_MEASURES: "Record outcome measure responses",
    Scope.WRITE_RISK_REVIEWS: "Record risk reviews",
    Scope.WRITE_DISCHARGES: "Record discharges",
    Scope.SUBMIT_REFERRALS: "Submit referrals",
    Scope.READ_REFERRALS: "Read the status of the referrals this client made",
    Scope.MANAGE_WEBHOOKS: "Subscribe to event notifications about the organisation's children",
}

PARTNER_SCOPES = frozenset(
    {
        Scope.READ_CASES,
        Scope.ANSWER_ALLOCATIONS,
        Scope.WRITE_CONTACTS,
        Scope.WRITE_MEASURES,
        Scope.WRITE_RISK_REVIEWS,
        Scope.WRITE_DISCHARGES,
        Scope.MANAGE_WEBHOOKS,
    }
)
REFERRER_SCOPES = frozenset({Scope.SUBMIT_REFERRALS, Scope.READ_REFERRALS})

SCOPES_OF_ROLE: dict[Role, frozenset[Scope]] = {
    Role.PARTNER_SYSTEM: PARTNER_SCOPES,
    Role.REFERRER_SYSTEM: REFERRER_SCOPES,
}


def system_role(organisation_kind: str) -> Role:
    """The role of a client's account, from its organisation's kind: the lead provider's and
    partners' clients are partner systems; an external organisation's is a referrer's."""
    if organisation_kind == "external":
        return Role.REFERRER_SYSTEM
    return Role.PARTNER_SYSTEM


def allowed_for(role: Role) -> frozenset[Scope]:
    return SCOPES_OF_ROLE.get(role, frozenset())
