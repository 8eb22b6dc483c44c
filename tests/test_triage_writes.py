"""The triage page beside the referral (hazard H35): the page shows what the referral says
beside one form, for what comes next; each of its five writes (screen, review, decide, sign
off, information received) has its own address, checks the role first, reads the referral
through the access layer, calls one action and goes back to the page; the decision reads only
the chosen outcome's fields, and an offer over capacity is flagged and needs a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance, IThriveGrouping, Offer
from onedoor.children.models import CarerContact
from onedoor.referrals.models import AdviceContact, Referral, Status
from onedoor.triage import offers, writes
from onedoor.triage.actions import record_decision, screen_risk
from onedoor.triage.models import Outcome, TriageDecision
from onedoor.triage.writes import Write
from tests.personas import People, make_child, shown, sign_in
from tests.triage_traces import fresh, written

HELP = IThriveGrouping.GETTING_HELP


@pytest.fixture
def referral(alliance: Alliance) -> Referral:
    """Nia, 10, referred by her school: anxiety, some self-harm, a parent's consent."""
    found = make_child(alliance, "Nia", born=date(2016, 5, 1)).referrals.get()
    Referral.objects.filter(pk=found.pk).update(
        consent_to_share=True,
        consent_to_refer=True,
        consent_given_by="parent_carer",
        consent_parental_responsibility="yes",
        reasons="Panic attacks before school, most mornings since September.",
        what_tried="School counsellor, six sessions.",
        self_harm=True,
        risk_details="Scratches on her arms, seen by a teacher last week.",
        referrer_name="Ms Head",
        referrer_role="Head of year",
        referrer_organisation="Medway Primary",
        referrer_email="head@school.example",
        language="Polish",
        interpreter_needed=True,
        queue_band=0,  # as it arrived: an urgent disclosure
    )
    found.refresh_from_db()
    return found


def _screen(people: People, referral: Referral, rating: str = "amber") -> Referral:
    screen_risk(
        user=people.triage, referral=fresh(referral), version=fresh(referral).version,
        rating=rating, indicators={"self_harm"}, rationale="Scratching, no intent; safety plan.",
    )  # fmt: skip
    return fresh(referral)


def _prepared(people: People, referral: Referral, prepare: str) -> Referral:
    """The referral made ready for a write: "" as it arrived; "amber" or "red" screened so;
    "waiting" red and decided (waiting for sign-off); "asked" screened and waiting for
    information."""
    if prepare:
        referral = _screen(people, referral, "red" if prepare in {"red", "waiting"} else "amber")
    if prepare == "waiting":
        record_decision(
            user=people.triage, referral=referral, version=referral.version, grouping=HELP,
            outcome=Outcome.NOT_ACCEPTED, reason="With CAMHS already.",
        )  # fmt: skip
    if prepare == "asked":
        record_decision(
            user=people.triage, referral=referral, version=referral.version, grouping=HELP,
            outcome=Outcome.MORE_INFORMATION, information_requested="GP letter",
            information_due=date(2026, 12, 4),
        )  # fmt: skip
    return fresh(referral)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _address(referral: Referral, write: str = "") -> str:
    return f"/triage/{referral.uuid}/{write}/" if write else f"/triage/{referral.uuid}/"


@pytest.fixture
def forms_built(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """Every triage form a request builds: (its class, whether it is bound)."""
    built: list[tuple[str, bool]] = []
    original = forms.BaseForm.__init__

    def counting(self: forms.BaseForm, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if type(self).__module__.startswith("onedoor.triage"):
            built.append((type(self).__name__, self.is_bound))

    monkeypatch.setattr(forms.BaseForm, "__init__", counting)
    yield built


# The page: the referral beside one form


def test_the_page_shows_what_the_referral_says_beside_the_form_for_what_comes_next(
    client: Client, people: People, referral: Referral
) -> None:
    CarerContact.objects.create(
        child=referral.child, name="Ola Example", relationship="Mother",
        parental_responsibility="yes",
    )  # fmt: skip
    earlier = Referral.objects.create(
        reference="EARL1ERX", child=referral.child, received_at=datetime(2025, 3, 3, tzinfo=UTC),
        source="parent", status=Status.NOT_ACCEPTED,
    )  # fmt: skip
    TriageDecision.objects.create(
        referral=earlier, grouping=HELP, outcome=Outcome.NOT_ACCEPTED, reason="With CAMHS.",
        decided_by=people.triage, decided_at=datetime(2025, 3, 5, 10, tzinfo=UTC),
        sign_off=TriageDecision.SignOff.NOT_NEEDED,
    )  # fmt: skip
    AdviceContact.objects.create(
        child=referral.child, at=datetime(2025, 9, 1, 9, tzinfo=UTC), caller_name="Ola Example",
        caller_relationship="Mother", advice_given="Sleep routine; the school nurse.",
        recorded_by=people.triage,
    )  # fmt: skip
    sign_in(client, people.triage)
    response = client.get(_address(referral))
    assert response.status_code == 200
    page = shown(response)
    for text in [
        "Panic attacks before school, most mornings since September.",
        "School counsellor, six sessions.",
        "<strong>Self-harm: yes</strong>",
        "Suicidal thoughts: no",
        "Scratches on her arms, seen by a teacher last week.",
        "1 May 2016: aged 10",
        "Ms Head, Head of year, Medway Primary",
        "head@school.example",
        "Polish: <strong>interpreter needed</strong>",
        "Of the adult who consented: yes",
        "Ola Example, Mother: parental responsibility yes",
        f">{earlier.reference_display}</a>, received 3 Mar 2025 (Parent or carer): Not accepted",
        "Triage decision: Not accepted, 5 Mar 2025",
        "1 Sep 2025, Ola Example (Mother): Sleep routine; the school nurse.",
        "Save screening",
    ]:
        assert text in page, text
    # Unscreened: the screening form, and nothing else to do yet.
    assert (response.context["write"], response.context["links"]) == (Write.SCREEN, [])
    assert f'action="/triage/{referral.uuid}/screen/"' in page
    assert "Save decision" not in page


@pytest.mark.parametrize(
    ("state", "who", "form", "links"),
    [
        ("unscreened", "triage", "ScreeningForm", []),
        ("screened", "triage", "DecisionForm", ["Screen the risk again"]),
        ("red", "triage", "DecisionForm", ["Screen the risk again"]),
        ("red", "clinical_lead", "ReviewForm", ["Record a decision", "Screen the risk again"]),
        ("more information", "triage", "InformationForm", ["Screen the risk again"]),
        ("waiting for sign-off", "triage", None, []),
        ("waiting for sign-off", "clinical_lead", "SignOffForm", ["Review this red referral"]),
        ("allocated", "triage", None, []),
    ],
)
def test_a_get_of_the_page_builds_one_form_at_most_for_what_comes_next(
    client: Client,
    people: People,
    referral: Referral,
    forms_built: list[tuple[str, bool]],
    state: str,
    who: str,
    form: str | None,
    links: list[str],
) -> None:
    if state != "unscreened":
        _screen(people, referral, "red" if state in {"red", "waiting for sign-off"} else "amber")
    if state == "more information":
        record_decision(
            user=people.triage, referral=fresh(referral), version=fresh(referral).version,
            grouping=HELP, outcome=Outcome.MORE_INFORMATION, information_requested="GP letter",
            information_due=date(2026, 12, 4),
        )  # fmt: skip
    if state == "waiting for sign-off":
        record_decision(
            user=people.triage, referral=fresh(referral), version=fresh(referral).version,
            grouping=HELP, outcome=Outcome.NOT_ACCEPTED, reason="With CAMHS already.",
        )  # fmt: skip
    if state == "allocated":
        Referral.objects.filter(pk=referral.pk).update(status=Status.ALLOCATED)
    sign_in(client, getattr(people, who))
    forms_built.clear()
    response = client.get(_address(referral))
    assert response.status_code == 200
    assert forms_built == ([(form, False)] if form else [])
    assert [label for _, label in response.context["links"]] == links


def test_each_write_address_shows_the_page_with_its_one_form(
    client: Client, people: People, referral: Referral, forms_built: list[tuple[str, bool]]
) -> None:
    _screen(people, referral)
    sign_in(client, people.triage)
    forms_built.clear()
    response = client.get(_address(referral, "screen"))
    assert (response.status_code, forms_built) == (200, [("ScreeningForm", False)])
    page = shown(response)
    assert "Panic attacks before school" in page  # the referral, beside it
    assert [label for _, label in response.context["links"]] == ["Record a decision"]


@pytest.mark.parametrize(
    ("write", "why"),
    [
        ("decision", "Screen the risk before deciding."),
        ("information", "This referral is not waiting for information."),
        ("sign-off", "There is no decision waiting for sign-off."),
        ("review", "This referral has no red rating waiting for review."),
    ],
)
def test_a_write_that_does_not_apply_now_goes_back_to_the_page_saying_why(
    client: Client, people: People, referral: Referral, write: str, why: str
) -> None:
    sign_in(client, people.clinical_lead)
    response = client.get(_address(referral, write))
    assert (response.status_code, response["Location"]) == (302, _address(referral))
    assert _messages(response) == [why]


# Each write: the role first, nothing written when refused


WRITES = {
    "screen": {"rating": "amber", "rationale": "Scratching, no intent."},
    "review": {"note": "Spoke to mum: safety plan in place."},
    "decision": {"grouping": HELP, "outcome": Outcome.NOT_ACCEPTED,
                 "not_accepted_reason": "With CAMHS already."},
    "sign-off": {"approve": "yes", "note": ""},
    "information": {"note": "The GP letter came."},
}  # fmt: skip


@pytest.mark.parametrize(
    ("write", "who"),
    [
        *[(write, "kooth_practitioner") for write in WRITES],
        *[(write, "coordinator") for write in WRITES],
        ("review", "triage"),
        ("sign-off", "triage"),
    ],
)
def test_a_write_by_a_role_it_is_not_for_is_refused_and_writes_nothing(
    client: Client, people: People, referral: Referral, write: str, who: str
) -> None:
    referral = _screen(people, referral, "red")
    before = written(referral)
    sign_in(client, getattr(people, who))
    assert client.get(_address(referral, write)).status_code == 403
    response = client.post(
        _address(referral, write), {**WRITES[write], "version": referral.version}
    )
    assert response.status_code == 403
    assert written(referral) == before


@pytest.mark.parametrize(
    ("write", "prepare", "sends", "error"),
    [
        ("screen", "", {"rating": "purple", "rationale": "Hm."},
         "Select a valid choice. purple is not one of the available choices."),
        ("review", "red", {"note": " "}, "Write what you found on review"),
        ("decision", "amber", {"grouping": HELP, "outcome": Outcome.ALLOCATE},
         "Choose the offer to allocate to"),
        ("decision", "amber", {"grouping": HELP, "outcome": Outcome.MORE_INFORMATION,
                               "information_requested": "GP letter"},
         "Say by when the information is needed"),
        ("decision", "amber", {"grouping": "", "outcome": ""}, "Choose an i-THRIVE grouping"),
        ("sign-off", "waiting", {"note": ""}, "Choose whether to sign the decision off"),
        ("sign-off", "waiting", {"approve": "no", "note": ""},
         "Say why the decision goes back to triage"),
        ("information", "asked", {"note": ""}, "Say what information arrived"),
    ],
)  # fmt: skip
def test_bad_input_shows_the_page_again_with_that_form_and_its_errors_and_writes_nothing(
    client: Client,
    people: People,
    referral: Referral,
    write: str,
    prepare: str,
    sends: dict[str, str],
    error: str,
) -> None:
    referral = _prepared(people, referral, prepare)
    before = written(referral)
    sign_in(client, people.clinical_lead)
    response = client.post(_address(referral, write), {**sends, "version": referral.version})
    assert response.status_code == 400
    page = shown(response)
    assert error.replace("'", "&#x27;") in page
    assert '<div class="nhsuk-error-summary" data-module="nhsuk-error-summary">' in page
    assert "Panic attacks before school" in page  # the referral, still beside the form
    assert page.count('<form method="post" action="/triage/') == 1
    assert written(referral) == before


@pytest.mark.parametrize(
    ("write", "prepare", "done", "status"),
    [
        ("screen", "", "Risk screening saved.", Status.AWAITING_TRIAGE),
        ("review", "red", "Red rating reviewed.", Status.AWAITING_TRIAGE),
        ("decision", "amber", "Decision saved.", Status.NOT_ACCEPTED),
        ("sign-off", "waiting", "Sign-off saved.", Status.NOT_ACCEPTED),
        ("information", "asked", "Information recorded: the referral is back in triage.",
         Status.AWAITING_TRIAGE),
    ],
)  # fmt: skip
def test_each_write_saves_and_goes_back_to_the_page_saying_so(
    client: Client, people: People, referral: Referral, write: str, prepare: str, done: str,
    status: Status,
) -> None:  # fmt: skip
    referral = _prepared(people, referral, prepare)
    sign_in(client, people.clinical_lead)
    response = client.post(
        _address(referral, write), {**WRITES[write], "version": referral.version}
    )
    assert (response.status_code, response["Location"]) == (302, _address(referral))
    assert _messages(response) == [done]
    assert fresh(referral).status == status
    assert fresh(referral).version == referral.version + 1


# The decision: only the chosen outcome's fields


def test_the_decision_reads_only_the_chosen_outcomes_fields(
    client: Client, people: People, referral: Referral
) -> None:
    referral = _screen(people, referral)
    lumi = Offer.objects.get(slug="lumi-nova")
    sign_in(client, people.triage)
    response = client.post(
        _address(referral, "decision"),
        {
            "version": referral.version, "grouping": HELP, "outcome": Outcome.NOT_ACCEPTED,
            "not_accepted_reason": "Already seen by CAMHS.",
            # Typed under other outcomes (all shown without JavaScript), and ignored:
            "offer": lumi.pk, "capacity_reason": "Only one that fits.",
            "materials_sent": "Sleep leaflet.", "handover": "Urgent.",
            "safeguarding_reason": "Bruises.", "information_requested": "GP letter",
            "information_due_day": "31", "information_due_month": "2",
            "information_due_year": "2026",  # not a real date: not read either
        },
    )  # fmt: skip
    assert response.status_code == 302
    decision = TriageDecision.objects.get()
    assert (
        decision.outcome, decision.reason, decision.offer, decision.materials_sent,
        decision.information_requested, decision.information_due, decision.receiving_service,
    ) == (Outcome.NOT_ACCEPTED, "Already seen by CAMHS.", None, "", "", None, None)  # fmt: skip
    assert fresh(referral).status == Status.NOT_ACCEPTED


def test_the_decision_form_reveals_each_outcomes_fields_under_it(
    client: Client, people: People, referral: Referral
) -> None:
    referral = _screen(people, referral)
    sign_in(client, people.triage)
    page = shown(client.get(_address(referral, "decision")))
    assert 'data-aria-controls="conditional-id_outcome-2"' in page
    assert page.count("nhsuk-radios__conditional nhsuk-radios__conditional--hidden") == 6
    # With an outcome chosen (a form sent back with an error), its fields are shown open.
    response = client.post(
        _address(referral, "decision"),
        {"version": referral.version, "grouping": HELP, "outcome": Outcome.STEP_UP},
    )
    page = shown(response)
    assert page.count("nhsuk-radios__conditional nhsuk-radios__conditional--hidden") == 5
    assert '<div class="nhsuk-radios__conditional" id="conditional-id_outcome-3">' in page
    assert [str(e) for e in response.context["form"].errors["receiving_service"]] == [
        "Choose the receiving service"
    ]
    assert [str(e) for e in response.context["form"].errors["handover"]] == [
        "Write the handover for the receiving service"
    ]


# Offers over capacity


def _full(offer: Offer, alliance: Alliance, in_work: int) -> None:
    """`in_work` children in intervention with the offer."""
    for n in range(in_work):
        child = make_child(alliance, f"Busy{n}", allocated_to=offer.organisation.slug)
        Referral.objects.filter(child=child).update(
            status=Status.IN_INTERVENTION, allocated_offer=offer
        )


def test_an_offer_is_over_capacity_at_its_capacity_or_more() -> None:
    assert [offers.over_capacity(n, 2) for n in (0, 1, 2, 3)] == [False, False, True, True]
    assert offers.over_capacity(0, 0) is True  # an offer with no capacity has no place
    assert offers.capacity_words(3, 2) == "Over capacity (3 of 2)"


def test_an_offer_over_capacity_is_flagged_and_allocating_to_it_needs_a_reason(
    client: Client, alliance: Alliance, people: People, referral: Referral
) -> None:
    lumi = Offer.objects.get(slug="lumi-nova")
    Offer.objects.filter(pk=lumi.pk).update(capacity=2)
    _full(lumi, alliance, 2)
    referral = _screen(people, referral)
    sign_in(client, people.triage)
    page = shown(client.get(_address(referral, "decision")))
    assert (
        'Lumi Nova (BFB Labs) <strong class="nhsuk-tag nhsuk-tag--red">Over capacity (2 of 2)'
        "</strong>"
    ) in page
    assert page.count("Over capacity (") == 1
    assert "An offer is over capacity" in page
    before = written(referral)
    sends = {"version": referral.version, "grouping": HELP, "outcome": Outcome.ALLOCATE,
             "offer": lumi.pk}  # fmt: skip
    refused = client.post(_address(referral, "decision"), sends)
    assert refused.status_code == 400
    assert [str(e) for e in refused.context["form"].errors["capacity_reason"]] == [
        "Lumi Nova is over capacity (2 of 2): say why you are allocating to it, or choose "
        "another offer"
    ]
    assert written(referral) == before
    saved = client.post(
        _address(referral, "decision"),
        {**sends, "capacity_reason": "The only offer in Polish; family agree to wait."},
    )
    assert saved.status_code == 302
    decision = TriageDecision.objects.get()
    assert (decision.offer, decision.reason) == (
        lumi, "The only offer in Polish; family agree to wait.",
    )  # fmt: skip
    assert fresh(referral).status == Status.ALLOCATED


def test_the_action_refuses_an_allocation_over_capacity_without_a_reason(
    alliance: Alliance, people: People, referral: Referral
) -> None:
    lumi = Offer.objects.get(slug="lumi-nova")
    Offer.objects.filter(pk=lumi.pk).update(capacity=1)
    lumi.refresh_from_db()
    _full(lumi, alliance, 1)
    referral = _screen(people, referral)
    before = written(referral)
    with pytest.raises(ValidationError, match=r"Lumi Nova is over capacity \(1 of 1\)"):
        record_decision(
            user=people.triage, referral=referral, version=referral.version, grouping=HELP,
            outcome=Outcome.ALLOCATE, offer=lumi, reason="  ",
        )  # fmt: skip
    assert written(referral) == before


# What comes next, as a rule


def test_what_comes_next_is_the_next_step_of_triage_for_the_person(
    people: People, referral: Referral
) -> None:
    def next_for(user: User, fresh: Referral, waiting: bool = False) -> Write | None:
        return writes.next_write(user, fresh, waiting_decision=waiting)

    unscreened = fresh(referral)
    assert next_for(people.triage, unscreened) is Write.SCREEN
    assert next_for(people.clinical_lead, unscreened) is Write.SCREEN
    red = _screen(people, referral, "red")
    assert next_for(people.triage, red) is Write.DECISION
    assert next_for(people.clinical_lead, red) is Write.REVIEW
    red.status = Status.AWAITING_SIGN_OFF
    assert next_for(people.clinical_lead, red, waiting=True) is Write.SIGN_OFF
    assert next_for(people.triage, red, waiting=True) is None
    red.status = Status.MORE_INFORMATION
    assert next_for(people.triage, red) is Write.INFORMATION
    red.status, red.queue_band = Status.ALLOCATED, 2  # signed off: reviewed by a clinician
    assert (next_for(people.triage, red), next_for(people.clinical_lead, red)) == (None, None)
