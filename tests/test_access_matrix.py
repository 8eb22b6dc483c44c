"""The access policy as a matrix: every role x own/other organisation x record type x action.

The expectations here are written out by hand from the brief, not derived from the policy
table, so a change to the table that breaks the brief fails here.
"""

from __future__ import annotations

import pytest
from django.db.models import Max
from django.test import Client

from onedoor import clock
from onedoor.access.policy import POLICY, Do, RecordType
from onedoor.access.records import (
    children_visible_to,
    get_child_for_user,
    get_referral_for_user,
    referrals_visible_to,
)
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import Child
from onedoor.referrals.models import Referral
from tests.personas import People, make_child, organisation, shown, sign_in

# The children every test below works with:
#   kooth: allocated to Kooth          chums: allocated to CHUMS
#   lead: allocated to North Kent Mind  triage: not yet allocated
#   referred: not allocated, referred online by the professional referrer
CHILDREN = ("kooth", "chums", "lead", "triage", "referred")
EVERYONE = frozenset(CHILDREN)
NOBODY: frozenset[str] = frozenset()

# persona -> (children visible to view, children visible to change)
EXPECTED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "triage": (EVERYONE, EVERYONE),
    "coordinator": (EVERYONE, EVERYONE),
    "clinical_lead": (EVERYONE, EVERYONE),
    "safeguarding": (EVERYONE, NOBODY),  # the lead provider's safeguarding lead
    "partner_safeguarding": (frozenset({"chums"}), NOBODY),  # CHUMS's safeguarding lead
    "manager": (EVERYONE, NOBODY),
    "analyst": (NOBODY, NOBODY),
    "commissioner": (NOBODY, NOBODY),
    "admin": (NOBODY, NOBODY),
    "referrer": (NOBODY, NOBODY),  # sees the referral they made, not the child's record
    "kooth_practitioner": (frozenset({"kooth"}), frozenset({"kooth"})),
    "kooth_lead": (frozenset({"kooth"}), frozenset({"kooth"})),
    "chums_practitioner": (frozenset({"chums"}), frozenset({"chums"})),
    "chums_lead": (frozenset({"chums"}), frozenset({"chums"})),
    # API clients' accounts: Kooth's system works as Kooth's partner lead; a GP system sees
    # only the referrals it made (none here: "referred" was made by the professional).
    "kooth_system": (frozenset({"kooth"}), frozenset({"kooth"})),
    "gp_system": (NOBODY, NOBODY),
}
# Referrals differ from children only for the professional referrer.
EXPECTED_REFERRALS = {**EXPECTED, "referrer": (frozenset({"referred"}), NOBODY)}


@pytest.fixture
def children(alliance: Alliance, people: People) -> dict[str, Child]:
    return {
        "kooth": make_child(alliance, "Kai", allocated_to="kooth", nhs_number="9434765919"),
        "chums": make_child(alliance, "Cas", allocated_to="chums"),
        "lead": make_child(alliance, "Lou", allocated_to="north-kent-mind"),
        "triage": make_child(alliance, "Tia"),
        "referred": make_child(alliance, "Rae", referred_by=people.referrer),
    }


def _names(children: dict[str, Child], queryset: object, key: str) -> frozenset[str]:
    by_pk = {child.pk: name for name, child in children.items()}
    pks = queryset.values_list(key, flat=True)  # type: ignore[attr-defined]
    return frozenset(by_pk[pk] for pk in pks)


def test_the_policy_table_covers_every_role_record_type_and_action() -> None:
    assert set(POLICY) == set(Role)
    for role, rules in POLICY.items():
        assert set(rules) == set(RecordType), role
        for record_type in RecordType:
            assert set(rules[record_type]) == set(Do), (role, record_type)


def test_the_matrix_names_every_persona(people: People) -> None:
    assert set(EXPECTED) == set(people.accounts())
    assert {user.role for user in people.accounts().values()} == set(Role)


# record type -> (the access layer's queryset, the column naming the child, expectations)
QUERYSETS = {
    RecordType.CHILD: (children_visible_to, "pk", EXPECTED),
    RecordType.REFERRAL: (referrals_visible_to, "child_id", EXPECTED_REFERRALS),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
@pytest.mark.parametrize("action", [Do.VIEW, Do.CHANGE])
@pytest.mark.parametrize("record_type", list(QUERYSETS))
def test_what_each_role_sees_and_changes(
    persona: str, action: Do, record_type: RecordType, people: People, children: dict[str, Child]
) -> None:
    visible_to, child_column, expected = QUERYSETS[record_type]
    user = people.accounts()[persona]
    visible = _names(children, visible_to(user, action), child_column)
    assert visible == expected[persona][0 if action is Do.VIEW else 1]


@pytest.mark.parametrize("persona", sorted(EXPECTED))
@pytest.mark.parametrize("name", CHILDREN)
def test_getting_a_child_answers_only_within_scope(
    persona: str, name: str, people: People, children: dict[str, Child]
) -> None:
    user = people.accounts()[persona]
    child = children[name]
    if name in EXPECTED[persona][0]:
        assert get_child_for_user(user, child.uuid) == child
        assert AuditEvent.objects.last().action == AuditEvent.Action.VIEW  # type: ignore[union-attr]
    else:
        with pytest.raises(Exception) as raised:
            get_child_for_user(user, child.uuid)
        assert type(raised.value).__name__ == "Http404"
        denial = AuditEvent.objects.last()
        assert denial is not None
        assert (denial.action, denial.record_id, denial.actor_username) == (
            AuditEvent.Action.DENY,
            str(child.uuid),
            user.username,
        )


@pytest.mark.parametrize("persona", sorted(EXPECTED_REFERRALS))
def test_getting_a_referral_answers_only_within_scope(
    persona: str, people: People, children: dict[str, Child]
) -> None:
    user = people.accounts()[persona]
    for name, child in children.items():
        referral = child.referrals.get()
        if name in EXPECTED_REFERRALS[persona][0]:
            assert get_referral_for_user(user, referral.uuid) == referral
        else:
            with pytest.raises(Exception, match="No such record"):
                get_referral_for_user(user, referral.uuid)


def test_an_inactive_user_sees_nothing(people: People, children: dict[str, Child]) -> None:
    people.triage.is_active = False
    people.triage.save()
    assert children_visible_to(people.triage).count() == 0
    assert referrals_visible_to(people.triage).count() == 0


def test_another_partners_child_is_a_404_that_leaves_only_the_audit_of_the_denial(
    client: Client, people: People, children: dict[str, Child]
) -> None:
    sign_in(client, people.chums_practitioner)
    kooth_child = children["kooth"]
    counts_before = (Child.objects.count(), Referral.objects.count())
    last_before = AuditEvent.objects.aggregate(last=Max("sequence"))["last"] or 0

    response = client.get(f"/children/{kooth_child.uuid}/")

    assert response.status_code == 404
    page = shown(response)
    assert "Kai" not in page and "943 476 5919" not in page
    assert (Child.objects.count(), Referral.objects.count()) == counts_before
    written = list(AuditEvent.objects.filter(sequence__gt=last_before))
    assert [
        (e.action, e.record_type, e.record_id, e.child_uuid, e.actor_username) for e in written
    ] == [("deny", "child", str(kooth_child.uuid), kooth_child.uuid, "chris-chums")]


def test_a_denied_attempt_shows_on_the_childs_who_viewed_page(
    client: Client, people: People, children: dict[str, Child]
) -> None:
    """Issue 18: a denial carries the child it was about, when that child exists, so the
    clinical lead sees it among those who opened (or tried to open) the record."""
    kooth_child = children["kooth"]
    referral = kooth_child.referrals.get()
    sign_in(client, people.chums_practitioner)
    assert client.get(f"/children/{kooth_child.uuid}/").status_code == 404
    assert client.get(f"/referrals/{referral.uuid}/").status_code == 404
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/children/{unknown}/").status_code == 404
    denials = AuditEvent.objects.filter(action="deny").order_by("sequence")
    assert [(e.record_type, e.child_uuid) for e in denials] == [
        ("child", kooth_child.uuid),
        ("referral", kooth_child.uuid),
        ("child", None),
    ]

    sign_in(client, people.clinical_lead)
    response = client.get(f"/governance/children/{kooth_child.uuid}/access-log/")
    listed = [
        (e.actor_username, e.get_action_display(), e.record_type)
        for e in response.context["events"]
        if e.action == "deny"
    ]
    assert listed == [
        ("chris-chums", "Denied access", "referral"),
        ("chris-chums", "Denied access", "child"),
    ]
    assert "Denied access referral" in " ".join(shown(response).split())


def test_a_partner_sees_its_own_child_and_the_view_is_audited(
    client: Client, people: People, children: dict[str, Child]
) -> None:
    sign_in(client, people.kooth_practitioner)
    response = client.get(f"/children/{children['kooth'].uuid}/")
    assert response.status_code == 200
    assert "Kai Example" in response.content.decode()
    event = AuditEvent.objects.order_by("sequence").last()
    assert event is not None
    assert (event.action, event.child_uuid, event.actor_organisation) == (
        "view",
        children["kooth"].uuid,
        "kooth",
    )


# Care records (contacts, plans, reviews) follow the child, except the service manager,
# who sees waiting lists but no clinical records.
EXPECTED_CARE = {**EXPECTED, "manager": (NOBODY, NOBODY)}
# Whose notes each persona may read at all (before the sharing level): an API client reads
# no clinical notes, whatever its care records.
EXPECTED_NOTES = {**EXPECTED_CARE, "kooth_system": (NOBODY, NOBODY)}
AUTHOR = {"kooth": "kooth", "chums": "chums", "lead": "north-kent-mind",
          "triage": "north-kent-mind", "referred": "north-kent-mind"}  # fmt: skip


@pytest.fixture
def care(alliance: Alliance, people: People, children: dict[str, Child]) -> dict[str, object]:
    from datetime import date

    from onedoor.care.models import (
        CarePlan,
        CheckIn,
        ClinicalNote,
        Contact,
        RiskReview,
        SafetyPlan,
        YoungAdultPathway,
    )

    made: dict[str, object] = {}
    for name, child in children.items():
        referral = child.referrals.get()
        organisation = alliance.organisations.get(slug=AUTHOR[name])
        common = {"referral": referral, "organisation": organisation,
                  "recorded_by": people.triage, "recorded_at": clock.now()}  # fmt: skip
        made[f"{name}:contact"] = Contact.objects.create(
            **common, happened_at=clock.now(), outcome="attended", mode="phone"
        )
        made[f"{name}:checkin"] = CheckIn.objects.create(**common, contact_made=False)
        made[f"{name}:careplan"] = CarePlan.objects.create(
            **common, summary="Plan.", review_due=date(2099, 1, 1)
        )
        made[f"{name}:safetyplan"] = SafetyPlan.objects.create(
            **common, warning_signs="Signs.", coping_strategies="Helps."
        )
        made[f"{name}:riskreview"] = RiskReview.objects.create(
            **common, rating="green", rationale="Fine.", next_due=date(2099, 1, 1)
        )
        made[f"{name}:pathway"] = YoungAdultPathway.objects.create(**common, mentoring=True)
        made[f"{name}:shared"] = ClinicalNote.objects.create(
            **common, text="Shared note.", sharing=ClinicalNote.Sharing.ALLIANCE
        )
        made[f"{name}:private"] = ClinicalNote.objects.create(
            **common, text="Organisation note.", sharing=ClinicalNote.Sharing.ORGANISATION
        )
    return made


CARE_RECORDS = ("contact", "checkin", "careplan", "safetyplan", "riskreview", "pathway")


@pytest.mark.parametrize("persona", sorted(EXPECTED_CARE))
@pytest.mark.parametrize("action", [Do.VIEW, Do.CHANGE])
@pytest.mark.parametrize("kind", CARE_RECORDS)
def test_care_records_follow_the_child_and_the_manager_sees_none(
    persona: str, action: Do, kind: str, people: People, care: dict[str, object]
) -> None:
    from onedoor.access.records import care_records_visible_to

    user = people.accounts()[persona]
    model = type(care[f"kooth:{kind}"])
    found = set(care_records_visible_to(user, model, action))  # type: ignore[arg-type,type-var]
    visible = {name for name in CHILDREN if care[f"{name}:{kind}"] in found}
    assert visible == EXPECTED_CARE[persona][0 if action is Do.VIEW else 1]


@pytest.mark.parametrize("persona", sorted(EXPECTED_NOTES))
def test_organisation_only_notes_stay_in_their_organisation_and_with_the_clinical_lead(
    persona: str, people: People, care: dict[str, object]
) -> None:
    from onedoor.care.records import notes_visible_to

    user = people.accounts()[persona]
    visible_notes = set(notes_visible_to(user))
    allowed = EXPECTED_NOTES[persona][0]
    own = user.organisation.slug if user.organisation else ""
    expected = {f"{name}:shared" for name in allowed} | {
        f"{name}:private" for name in allowed if AUTHOR[name] == own or persona == "clinical_lead"
    }
    actual = {key for key, note in care.items() if note in visible_notes}
    assert actual == expected


def test_a_kooth_organisation_note_is_invisible_to_chums_and_the_triage_lead(
    people: People, care: dict[str, object]
) -> None:
    from onedoor.care.records import notes_visible_to

    private = care["kooth:private"]
    assert private in set(notes_visible_to(people.kooth_practitioner))
    assert private in set(notes_visible_to(people.clinical_lead))
    for persona in ("chums_practitioner", "chums_lead", "triage", "coordinator", "safeguarding"):
        assert private not in set(notes_visible_to(people.accounts()[persona])), persona


# Safeguarding concerns: limited to those involved. Each child here has a concern raised by
# the triage lead (so only the raiser, the safeguarding leads involved and the clinical lead
# see it).
EXPECTED_CONCERNS = {
    **dict.fromkeys(EXPECTED, NOBODY),
    "triage": EVERYONE,  # raised them all
    "clinical_lead": EVERYONE,
    "safeguarding": EVERYONE,  # the lead provider's safeguarding lead
    "partner_safeguarding": frozenset({"chums"}),  # CHUMS's, for CHUMS's child only
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_CONCERNS))
def test_safeguarding_concerns_are_seen_only_by_those_involved(
    persona: str, people: People, children: dict[str, Child]
) -> None:
    from onedoor.safeguarding.models import Concern
    from onedoor.safeguarding.records import concerns_visible_to

    for child in children.values():
        Concern.objects.create(
            referral=child.referrals.get(), category="neglect", seen_or_said="Seen.",
            immediate_actions="Done.", referred_to_social_care=False, owner=people.safeguarding,
            raised_by=people.triage, raised_at=clock.now(),
        )  # fmt: skip
    seen = concerns_visible_to(people.accounts()[persona])
    assert _names(children, seen, "referral__child") == EXPECTED_CONCERNS[persona]


# Meetings: limited to those involved, like concerns. Each child here was discussed at a
# meeting the triage lead recorded: the triage lead, the clinical lead and the lead provider's
# safeguarding lead see them all; CHUMS's safeguarding lead, the one about CHUMS's child.
@pytest.mark.parametrize("persona", sorted(EXPECTED_CONCERNS))
def test_meetings_are_seen_only_by_those_involved(
    persona: str, people: People, children: dict[str, Child]
) -> None:
    from datetime import date

    from onedoor.meetings.actions import AttendeeEntry, ChildDiscussed, record_meeting
    from onedoor.meetings.records import meetings_visible_to

    for child in children.values():
        record_meeting(
            user=people.triage, kind="multi_agency", held_on=date(2026, 11, 2), title="Review",
            chair_name="Pat Example", attendees=[AttendeeEntry("Lee Sample", "School")],
            children=[ChildDiscussed(child.referrals.get())], today=date(2026, 11, 20),
        )  # fmt: skip
    by_pk = {child.pk: name for name, child in children.items()}
    seen = meetings_visible_to(people.accounts()[persona])
    discussed = {by_pk[d.referral.child_id] for m in seen for d in m.discussed}  # type: ignore[attr-defined]
    assert (len(seen), discussed) == (len(EXPECTED_CONCERNS[persona]), EXPECTED_CONCERNS[persona])


# Case audits: the clinical lead reads every sampled record; a partner lead, their own
# organisation's only; nobody else reads a round. A round here samples Kooth's, CHUMS's and
# North Kent Mind's children (all taken on in November).
EXPECTED_AUDITED = {
    **dict.fromkeys(EXPECTED, NOBODY),
    "clinical_lead": frozenset({"kooth", "chums", "lead"}),
    "kooth_lead": frozenset({"kooth"}),
    "chums_lead": frozenset({"chums"}),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_AUDITED))
def test_case_audit_records_are_read_only_by_the_clinical_lead_and_their_partner_lead(
    persona: str, alliance: Alliance, people: People, children: dict[str, Child]
) -> None:
    from datetime import UTC, date, datetime

    from onedoor.case_audits.actions import start_round
    from onedoor.case_audits.records import cases_visible_to, rounds_visible_to
    from onedoor.referrals.models import Referral, Status

    Referral.objects.filter(allocated_organisation__isnull=False).update(
        status=Status.IN_INTERVENTION, allocated_at=datetime(2026, 11, 10, 12, tzinfo=UTC)
    )
    start_round(
        user=people.clinical_lead, title="Audit", allocated_from=date(2026, 11, 1),
        allocated_to=date(2026, 11, 30), today=date(2026, 12, 1), seed=1,
        organisations=[organisation(alliance, s) for s in ("kooth", "chums", "north-kent-mind")],
    )  # fmt: skip
    user = people.accounts()[persona]
    seen = [case for r in rounds_visible_to(user) for case in cases_visible_to(user, r)]
    by_pk = {child.pk: name for name, child in children.items()}
    assert {by_pk[case.referral.child_id] for case in seen} == EXPECTED_AUDITED[persona]
    assert all(case.record_visible for case in seen)  # type: ignore[attr-defined]


# Supervision's reflective notes: private to the pair and the clinical lead. Kit (Kooth's
# partner lead) supervised Kim (a Kooth practitioner).
@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_reflective_notes_are_private_to_the_pair_and_the_clinical_lead(
    persona: str, alliance: Alliance, people: People
) -> None:
    from datetime import date

    from onedoor.governance.models import Supervision
    from onedoor.governance.records import reflections_visible_to

    held = Supervision.objects.create(
        alliance=alliance, supervisor=people.kooth_lead, practitioner=people.kooth_practitioner,
        held_on=date(2026, 11, 2), reflections="Private.", recorded_at=clock.now(),
    )  # fmt: skip
    readers = {"kooth_lead", "kooth_practitioner", "clinical_lead"}
    assert (held in set(reflections_visible_to(people.accounts()[persona]))) is (persona in readers)
