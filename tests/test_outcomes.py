"""Collecting outcome measures: recorded by the practitioner or through a single-use link,
scored on save, and a response that needs a review stays on My tasks until it has one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django_tasks_db.models import DBTaskResult

from onedoor import clock
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.children.models import CarerContact, TimelineEvent
from onedoor.outcomes.actions import complete_by_link, invite, record_response, review_response
from onedoor.outcomes.models import Invitation, MeasureResponse
from onedoor.outcomes.tasks import send_invitation
from onedoor.referrals.models import Referral, Status
from onedoor.worklist.items import due_items_for
from tests.personas import People, make_child, shown, sign_in

# YP-CORE answers (items 3, 5 and 10 reverse-scored; item 4 about self-harm left at 0)
LOW = {"1": 1, "2": 1, "3": 3, "4": 0, "5": 3, "6": 1, "7": 1, "8": 1, "9": 1, "10": 3}  # 9
HIGH = {"1": 3, "2": 3, "3": 1, "4": 0, "5": 1, "6": 3, "7": 3, "8": 2, "9": 3, "10": 1}  # 26


@pytest.fixture
def waiting(alliance: Alliance, people: People) -> Referral:
    """Kai, waiting for Kooth, held by Kim (its named practitioner)."""
    child = make_child(alliance, "Kai", allocated_to="kooth", status=Status.WAITING)
    Referral.objects.filter(child=child).update(named_practitioner=people.kooth_practitioner)
    return child.referrals.get()


def _record(people: People, referral: Referral, answers: dict[str, int]) -> MeasureResponse:
    return record_response(
        user=people.kooth_practitioner, referral=referral, measure="yp-core",
        answers=answers, completed_by="young_person",
    )  # fmt: skip


def _total(response: MeasureResponse) -> tuple[float, str, bool]:
    total = response.scores["scores"][0]
    return total["value"], total["band"], total["clinical"]


def _tasks(user: object) -> list[tuple[str, str]]:
    return [(item.what, item.referral.child.given_name) for item in due_items_for(user)]  # type: ignore[arg-type,union-attr]


def test_a_practitioner_records_a_measure_scored_on_save(people: People, waiting: Referral) -> None:
    response = _record(people, waiting, LOW)
    assert (response.measure, response.measure_version, response.organisation.slug) == (
        "yp-core", "1", "kooth",
    )  # fmt: skip
    assert _total(response) == (9, "Below the clinical cut-off", False)
    assert (response.scores["age"], response.scores["gender"]) == (
        waiting.child.age_on(clock.today()), "not_stated",
    )  # fmt: skip
    assert (response.needs_review, response.review_reasons) == (False, [])
    event = TimelineEvent.objects.get(referral=waiting)
    assert (event.summary, event.actor) == (
        "Outcome measure recorded: YP-CORE.", people.kooth_practitioner,
    )  # fmt: skip
    audit = AuditEvent.objects.get(record_type="measure_response")
    assert (audit.action, audit.record_id, audit.detail) == (
        "create", str(response.uuid), {"measure": "yp-core", "needs_review": False},
    )  # fmt: skip


def test_another_partner_is_refused_and_nothing_is_written(
    people: People, waiting: Referral
) -> None:
    audits, events = AuditEvent.objects.count(), TimelineEvent.objects.count()
    for user in (people.chums_practitioner, people.safeguarding, people.manager):
        with pytest.raises(PermissionDenied):
            record_response(
                user=user, referral=waiting, measure="yp-core", answers=LOW,
                completed_by="practitioner",
            )  # fmt: skip
        with pytest.raises(PermissionDenied):
            invite(user=user, referral=waiting, measure="yp-core", respondent="young_person",
                   email="kai@example.org")  # fmt: skip
    assert (MeasureResponse.objects.count(), Invitation.objects.count()) == (0, 0)
    assert (AuditEvent.objects.count(), TimelineEvent.objects.count()) == (audits, events)


def test_a_measure_is_not_recorded_after_discharge_or_for_an_unknown_measure(
    people: People, waiting: Referral
) -> None:
    with pytest.raises(ValidationError, match="Choose a measure"):
        record_response(user=people.kooth_practitioner, referral=waiting, measure="nope",
                        answers={}, completed_by="practitioner")  # fmt: skip
    with pytest.raises(ValidationError, match="Question 1: 7 is not one of the answers"):
        _record(people, waiting, {**LOW, "1": 7})
    Referral.objects.filter(pk=waiting.pk).update(status=Status.DISCHARGED)
    waiting.refresh_from_db()
    with pytest.raises(ValidationError, match="waiting or in intervention"):
        _record(people, waiting, LOW)
    assert MeasureResponse.objects.count() == 0


def test_crossing_into_the_clinical_range_is_a_task_until_it_is_reviewed(
    people: People, waiting: Referral
) -> None:
    _record(people, waiting, LOW)
    flagged = _record(people, waiting, HIGH)
    assert _total(flagged) == (26, "Clinical range", True)
    # 9 -> 26 is 17, beyond 9.30: a reliable deterioration too
    assert (flagged.needs_review, flagged.review_reasons) == (
        True, ["crossed_into_clinical_range", "reliable_deterioration"],
    )  # fmt: skip
    for user in (people.kooth_practitioner, people.kooth_lead):
        assert _tasks(user) == [("Review an outcome measure", "Kai")]
    for user in (people.chums_practitioner, people.chums_lead, people.triage):
        assert ("Review an outcome measure", "Kai") not in _tasks(user)
    item = due_items_for(people.kooth_practitioner)[0]
    assert (item.url_name, item.due.hour, item.due > flagged.recorded_at) == (
        "outcomes:measures", 17, True,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        review_response(user=people.chums_practitioner, response=flagged)
    reviewed = review_response(user=people.kooth_lead, response=flagged)
    assert reviewed.reviewed_by == people.kooth_lead
    assert _tasks(people.kooth_practitioner) == []
    with pytest.raises(ValidationError, match="does not need a review, or has had one"):
        review_response(user=people.kooth_practitioner, response=flagged)
    assert list(
        TimelineEvent.objects.filter(referral=waiting).order_by("at", "id")
        .values_list("summary", flat=True)
    ) == [
        "Outcome measure recorded: YP-CORE.",
        "Outcome measure recorded: YP-CORE.",
        "Outcome measure reviewed: YP-CORE.",
    ]  # fmt: skip


def test_a_reliable_improvement_needs_no_review(people: People, waiting: Referral) -> None:
    _record(people, waiting, HIGH)
    better = _record(people, waiting, LOW)
    assert (better.needs_review, _tasks(people.kooth_practitioner)) == (False, [])


def test_the_invitation_email_goes_once_and_never_names_the_child(
    people: People, waiting: Referral
) -> None:
    invitation = invite(
        user=people.kooth_practitioner, referral=waiting, measure="yp-core",
        respondent="young_person", email="kai@example.org",
    )  # fmt: skip
    assert DBTaskResult.objects.get().args_kwargs["args"] == [str(invitation.uuid)]
    assert invitation.expires_at - invitation.sent_at == timedelta(days=14)
    assert (
        send_invitation.call(str(invitation.uuid)),
        send_invitation.call(str(invitation.uuid)),
    ) == (1, 0)
    [message] = mail.outbox
    assert (message.to, message.subject) == (
        ["kai@example.org"],
        f"A short questionnaire to fill in (reference {waiting.reference_display})",
    )
    assert f"/measures/{invitation.token}/" in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert "Kai" not in message.body + html + message.subject
    audit = AuditEvent.objects.get(record_type="measure_invitation")
    assert audit.detail == {"measure": "yp-core", "respondent": "young_person"}


def test_a_scores_only_measure_cannot_be_sent_as_a_link(people: People, waiting: Referral) -> None:
    with pytest.raises(ValidationError, match="SDQ \\(self\\) cannot be completed through a link"):
        invite(user=people.kooth_practitioner, referral=waiting, measure="sdq-self",
               respondent="young_person", email="kai@example.org")  # fmt: skip
    assert Invitation.objects.count() == 0


def test_the_link_works_once_without_an_account(
    client: Client, people: People, waiting: Referral
) -> None:
    invitation = invite(
        user=people.kooth_practitioner, referral=waiting, measure="yp-core",
        respondent="young_person", email="kai@example.org",
    )  # fmt: skip
    url = f"/measures/{invitation.token}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "I have felt on edge or nervous" in page.content.decode()
    assert "Kai" not in shown(page)
    empty = client.post(url, {})
    assert empty.status_code == 400
    assert "Answer question 1" in empty.content.decode()
    answers = {f"response-item_{key}": str(value) for key, value in HIGH.items()}
    done = client.post(url, answers)
    assert "Thank you: your answers have been sent" in done.content.decode()
    response = MeasureResponse.objects.get()
    assert (response.completed_by, response.recorded_by, response.invitation) == (
        "young_person", None, invitation,
    )  # fmt: skip
    assert _total(response) == (26, "Clinical range", True)
    assert TimelineEvent.objects.get(referral=waiting, actor=None).summary == (
        "Outcome measure completed through a link: YP-CORE."
    )
    again = client.get(url)
    assert (
        again.status_code,
        "This link has been used or has expired" in again.content.decode(),
    ) == (410, True)
    assert client.post(url, answers).status_code == 410
    assert MeasureResponse.objects.count() == 1
    with pytest.raises(ValidationError, match="already been used or has expired"):
        complete_by_link(token=invitation.token, answers=HIGH)
    assert client.get("/measures/not-a-token/").status_code == 410


def test_an_expired_link_is_refused(client: Client, people: People, waiting: Referral) -> None:
    invitation = invite(
        user=people.kooth_practitioner, referral=waiting, measure="yp-core",
        respondent="young_person", email="kai@example.org",
    )  # fmt: skip
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=clock.now())
    url = f"/measures/{invitation.token}/"
    assert client.get(url).status_code == 410
    answers = {f"response-item_{key}": str(value) for key, value in HIGH.items()}
    assert client.post(url, answers).status_code == 410
    assert MeasureResponse.objects.count() == 0


def test_the_practitioner_enters_a_measure_on_the_page_and_sees_the_chart(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/measures/"
    assert f'<a href="{url}new/">Record a measure</a>' in shown(client.get(url))
    choose = client.get(f"{url}new/").content.decode()
    assert f'<a href="{url}new/yp-core/">' in choose
    assert f'<a href="{url}new/phq-9/">' not in choose  # PHQ-9 is for 16 and over
    refused = client.post(f"{url}new/yp-core/", {})
    assert refused.status_code == 400
    assert "Choose who completed the measure" in refused.content.decode()
    assert MeasureResponse.objects.count() == 0
    for answers in (LOW, HIGH):
        data = {"response-completed_by": "young_person"}
        data.update({f"response-item_{key}": str(value) for key, value in answers.items()})
        saved = client.post(f"{url}new/yp-core/", data)
        assert saved["Location"] == url
    page = client.get(url)
    html = page.content.decode()
    [history] = page.context["histories"]
    [series] = history.chart.series
    assert [point.value for point in series.points] == [9, 26]
    assert f'<polyline points="{series.path}"' in html
    assert "Review an outcome measure" in html
    assert "Total: 9 to 26: reliable deterioration, clinically significant" in html
    flagged = MeasureResponse.objects.get(needs_review=True)
    review = f"{url}{flagged.uuid}/review/"
    assert f'action="{review}"' in html
    assert "Mark as reviewed" in shown(client.get(review))
    reviewed = client.post(review)
    assert reviewed["Location"] == url
    flagged.refresh_from_db()
    assert flagged.reviewed_by == people.kooth_practitioner
    again = client.post(review)  # from a stale page: said, not a 500
    assert again.status_code == 400
    assert "This measure does not need a review, or has had one" in again.content.decode()


def test_a_scores_only_measure_is_entered_as_scores(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    data = {"response-completed_by": "young_person",
            "response-score_emotional": "7", "response-score_conduct": "3",
            "response-score_hyperactivity": "6", "response-score_peer": "2",
            "response-score_prosocial": "8"}  # fmt: skip
    saved = client.post(f"/care/{waiting.uuid}/measures/new/sdq-self/", data)
    assert saved["Location"] == f"/care/{waiting.uuid}/measures/"
    response = MeasureResponse.objects.get()
    assert response.answers == {
        "emotional": 7, "conduct": 3, "hyperactivity": 6, "peer": 2, "prosocial": 8,
    }  # fmt: skip
    assert response.scores["scores"][0] == {
        "slug": "total", "name": "Total difficulties", "value": 18.0, "answered": 4,
        "missing": 0, "prorated": False, "reason": "", "band": "Borderline", "clinical": True,
    }  # fmt: skip


def test_a_link_is_sent_from_the_page_to_a_parent_on_record(
    client: Client, people: People, waiting: Referral
) -> None:
    CarerContact.objects.create(
        child=waiting.child, name="Jo Example", relationship="Mother", email="jo@example.org",
        parental_responsibility="yes",
    )  # fmt: skip
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/measures/"
    page = client.get(f"{url}invite/")
    assert page.context["form"].fields["recipient"].choices == [
        ("parent-0", "Jo Example (Mother), at jo@example.org")
    ]
    response = client.post(
        f"{url}invite/", {"invite-measure": "rcads-25-parent", "invite-recipient": "parent-0"}
    )
    assert response["Location"] == url
    invitation = Invitation.objects.get()
    assert (invitation.measure, invitation.respondent, invitation.email) == (
        "rcads-25-parent", "parent", "jo@example.org",
    )  # fmt: skip


def test_another_partner_gets_a_404_and_a_reader_cannot_record(
    client: Client, people: People, waiting: Referral
) -> None:
    url = f"/care/{waiting.uuid}/measures/"
    sign_in(client, people.chums_practitioner)
    before = AuditEvent.objects.count()
    assert client.get(url).status_code == 404
    assert list(
        AuditEvent.objects.filter(sequence__gt=before).values_list("action", flat=True)
    ) == ["deny"]
    sign_in(client, people.safeguarding)
    page = client.get(url)
    assert page.status_code == 200
    assert "Record a measure" not in shown(page)
    data = {"response-completed_by": "young_person"}
    assert client.post(f"{url}new/yp-core/", data).status_code == 403
    assert MeasureResponse.objects.count() == 0


def test_each_write_is_refused_to_a_reader_and_writes_nothing(
    client: Client, people: People, waiting: Referral
) -> None:
    CarerContact.objects.create(
        child=waiting.child, name="Jo Example", relationship="Mother", email="jo@example.org",
        parental_responsibility="yes",
    )  # fmt: skip
    flagged = _record(people, waiting, HIGH)
    url = f"/care/{waiting.uuid}/measures/"
    writes = {
        f"{url}new/": None,
        f"{url}new/yp-core/": {"response-completed_by": "young_person"},
        f"{url}invite/": {"invite-measure": "yp-core", "invite-recipient": "parent-0"},
        f"{url}{flagged.uuid}/review/": {},
    }
    sign_in(client, people.safeguarding)  # reads the record, may not change it
    before = (
        MeasureResponse.objects.count(),
        Invitation.objects.count(),
        DBTaskResult.objects.count(),
    )
    for address, data in writes.items():
        assert client.get(address).status_code == 403, address
        if data is not None:
            assert client.post(address, data).status_code == 403, address
    after = (
        MeasureResponse.objects.count(),
        Invitation.objects.count(),
        DBTaskResult.objects.count(),
    )
    assert after == before
    flagged.refresh_from_db()
    assert (flagged.reviewed_at, flagged.reviewed_by) == (None, None)


def test_an_unknown_measure_or_response_is_a_404(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/measures/"
    assert client.get(f"{url}new/no-such-measure/").status_code == 404
    assert client.post(f"{url}new/no-such-measure/", {}).status_code == 404
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.post(f"{url}{missing}/review/").status_code == 404
    assert MeasureResponse.objects.count() == 0


def test_a_link_with_no_measure_or_no_one_chosen_says_so_and_sends_nothing(
    client: Client, people: People, waiting: Referral
) -> None:
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/measures/invite/"
    assert "There is no email address" in shown(client.get(url))
    CarerContact.objects.create(
        child=waiting.child, name="Jo Example", relationship="Mother", email="jo@example.org",
        parental_responsibility="yes",
    )  # fmt: skip
    response = client.post(url, {"invite-measure": "sdq-self"})  # scores only: not offered
    assert response.status_code == 400
    assert [e for errors in response.context["form"].errors.values() for e in errors] == [
        "Select a valid choice. sdq-self is not one of the available choices.",
        "Choose who to send the link to",
    ]
    assert (Invitation.objects.count(), DBTaskResult.objects.count()) == (0, 0)


@pytest.mark.parametrize("responses", [1, 5])
def test_the_measures_page_runs_a_fixed_number_of_queries(
    client: Client,
    people: People,
    waiting: Referral,
    django_assert_num_queries: object,
    responses: int,
) -> None:
    for n in range(responses):
        _record(people, waiting, HIGH if n % 2 else LOW)
    sign_in(client, people.kooth_practitioner)
    client.get("/")
    # session, user, device; the referral; its view's audit (savepoint, head, insert, head,
    # release); the responses; may the user record; the child's banner (its referral, with
    # what it shows, and the priority groups)
    with django_assert_num_queries(13):  # type: ignore[operator]
        response = client.get(f"/care/{waiting.uuid}/measures/")
    assert len(response.context["histories"][0].rows) == responses


def test_the_chart_places_each_score_on_the_measures_range() -> None:
    from datetime import UTC, datetime

    from onedoor.outcomes.chart import line_chart
    from onedoor.outcomes.measures import get_measure
    from onedoor.outcomes.scoring import score

    gad7 = get_measure("gad-7")
    assert gad7 is not None
    low = score(gad7, dict.fromkeys("1234567", 0), 17, "male")
    high = score(gad7, dict.fromkeys("1234567", 3), 17, "male")
    chart = line_chart(
        gad7, [(datetime(2026, 11, 2, tzinfo=UTC), low), (datetime(2026, 11, 30, tzinfo=UTC), high)]
    )
    [series] = chart.series
    # 0 on the baseline (y 212), 21 at the top (y 16); the first and last at the plot's edges
    assert [(p.x, p.y, p.value) for p in series.points] == [(48, 212, 0), (616, 16, 21)]
    assert series.path == "48.0,212.0 616.0,16.0"
    assert chart.cutoff is not None
    assert (round(chart.cutoff.at, 2), chart.cutoff.label) == (118.67, "Clinical cut-off 10")
    assert [(t.label, t.anchor) for t in chart.x_ticks] == [
        ("2 Nov 2026", "start"),
        ("30 Nov 2026", "end"),
    ]


@pytest.mark.parametrize(
    ("age", "offered"),
    [
        (7, ["gbo", "sdq-parent"]),
        (8, ["gbo", "rcads-25-child", "rcads-25-parent", "sdq-parent"]),
        (11, ["gbo", "rcads-25-child", "rcads-25-parent", "sdq-parent", "sdq-self", "yp-core"]),
        (16, ["chi-esq", "gad-7", "gbo", "ors", "phq-9", "rcads-25-child", "rcads-25-parent",
              "sdq-parent", "sdq-self", "yp-core"]),
        (18, ["chi-esq", "gad-7", "gbo", "ors", "phq-9", "rcads-25-child", "rcads-25-parent",
              "yp-core"]),
        (19, ["chi-esq", "gad-7", "gbo", "ors", "phq-9"]),
    ],
)  # fmt: skip
def test_the_measures_page_offers_only_the_measures_that_fit_the_childs_age(
    client: Client, alliance: Alliance, people: People, age: int, offered: list[str]
) -> None:
    today = clock.today()
    born = date(today.year - age, 1, 1)  # the birthday has come this year, whatever the day
    referral = make_child(
        alliance, "Ava", born=born, allocated_to="kooth", status=Status.IN_INTERVENTION
    ).referrals.get()
    assert referral.child.age_on(today) == age
    sign_in(client, people.kooth_practitioner)
    response = client.get(f"/care/{referral.uuid}/measures/new/")
    assert sorted(m.slug for m in response.context["offered"]) == offered


def test_each_page_builds_at_most_one_unbound_form(
    client: Client, people: People, waiting: Referral
) -> None:
    from tests.forms_built import forms_built, unbound_forms_of

    flagged = _record(people, waiting, HIGH)
    sign_in(client, people.kooth_practitioner)
    url = f"/care/{waiting.uuid}/measures/"
    expected = {
        url: [],
        f"{url}new/": [],
        f"{url}new/yp-core/": ["MeasureForm"],
        f"{url}invite/": ["InviteForm"],
        f"{url}{flagged.uuid}/review/": [],
    }
    for address, forms in expected.items():
        with forms_built() as built:
            assert client.get(address).status_code == 200, address
        assert unbound_forms_of(built, "onedoor.outcomes") == forms, address
