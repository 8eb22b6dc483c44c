"""Event notifications to partners' systems (`onedoor/webhooks`, ADR 24, hazard H49): each
event delivered once per subscription after its change commits, never for a change rolled
back, retried after a failure, turned off after too many with the administrators told, signed
so the partner can check it, and never to another organisation's system."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core import mail
from django_tasks_db.models import DBTaskResult

from onedoor.alliance.models import Alliance, IThriveGrouping, Offer, Organisation
from onedoor.audit.models import AuditEvent
from onedoor.care.actions import discharge, start_transition
from onedoor.integrations.clients import change_scopes, revoke_client
from onedoor.integrations.models import ApiClient
from onedoor.referrals.models import Referral, Status
from onedoor.safeguarding.actions import raise_concern
from onedoor.safeguarding.models import Concern
from onedoor.triage.actions import accept_allocation, record_decision, screen_risk
from onedoor.triage.models import Outcome
from onedoor.webhooks.delivery import LEASE, deliver_event, retry_due, sign, wait_after
from onedoor.webhooks.models import Delivery, Event, Kind, Subscription
from tests.api_support import call, registered
from tests.personas import NOW, People, make_child, organisation

TASK = "onedoor.webhooks.delivery.deliver_event"
ALL = [kind.value for kind in Kind]
ADMIN_EMAIL = "ada.admin@example.org"


class Endpoint:
    """A partner's endpoint on 127.0.0.1: keeps each request it is sent, and answers with the
    statuses queued in `answers` (200 once they run out)."""

    def __init__(self) -> None:
        self.received: list[tuple[Message, bytes]] = []
        self.answers: list[int] = []
        self.url = ""

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(content) for _, content in self.received]


def _serve() -> Iterator[Endpoint]:
    endpoint = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            content = self.rfile.read(int(self.headers["Content-Length"]))
            endpoint.received.append((self.headers, content))
            status = endpoint.answers.pop(0) if endpoint.answers else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/onedoor-events"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    yield from _serve()


@pytest.fixture
def chums_endpoint() -> Iterator[Endpoint]:
    yield from _serve()


@pytest.fixture
def frozen(time_machine: time_machine.TimeMachineFixture) -> time_machine.TimeMachineFixture:
    """The personas' moment, not ticking: waits and timestamps are exact."""
    time_machine.move_to(NOW, tick=False)
    return time_machine


def _org(slug: str) -> Organisation:
    return organisation(Alliance.objects.get(slug="medway"), slug)


def _subscribe(
    people: People, slug: str, url: str, events: list[str] | None = None
) -> tuple[ApiClient, str, str]:
    """Kooth's (or another partner's) system, subscribed through the API: the client, its
    token and the subscription's signing secret."""
    client, token = registered(people.admin, _org(slug))
    response = call("POST", "/api/v1/webhooks", token, {"url": url, "events": events or ALL})
    assert response.status_code == 201, response.content
    return client, token, response.json()["secret"]


def _awaiting(alliance: Alliance, name: str = "Kai") -> Referral:
    child = make_child(alliance, name, born=date(2012, 3, 14))
    referral = child.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(consent_to_share=True)
    referral.refresh_from_db()
    return referral


def _allocate(people: People, referral: Referral) -> Referral:
    screen_risk(
        user=people.triage, referral=referral, version=referral.version, rating="amber",
        indicators=set(), rationale="Read the referral.",
    )  # fmt: skip
    referral.refresh_from_db()
    record_decision(
        user=people.triage, referral=referral, version=referral.version,
        grouping=IThriveGrouping.GETTING_HELP, outcome=Outcome.ALLOCATE,
        offer=Offer.objects.get(slug="kooth-online"),
    )  # fmt: skip
    referral.refresh_from_db()
    return referral


def _waiting_at(alliance: Alliance, name: str, slug: str = "kooth") -> Referral:
    child = make_child(alliance, name, allocated_to=slug, status=Status.WAITING)
    referral = child.referrals.get()
    Referral.objects.filter(pk=referral.pk).update(risk_rating="amber", consent_to_share=True)
    referral.refresh_from_db()
    return referral


def _queued() -> list[list[str]]:
    return [
        task.args_kwargs["args"]
        for task in DBTaskResult.objects.filter(task_path=TASK).order_by("pk")
    ]


def _run_queued() -> int:
    """Run every delivery task queued so far, as the worker would; how many were delivered."""
    return sum(deliver_event.call(*args) for args in _queued())


def _expected_signature(secret: str, headers: Message, content: bytes) -> str:
    timestamp = headers["OneDoor-Timestamp"]
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + content, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def test_an_allocation_delivers_one_signed_event_after_its_commit(
    people: People, alliance: Alliance, endpoint: Endpoint, frozen: Any
) -> None:
    secret = _subscribe(people, "kooth", endpoint.url, ["referral.allocated"])[2]
    referral = _allocate(people, _awaiting(alliance))
    event = Event.objects.get()
    # Queued with the change, in its transaction; nothing sent until the worker runs it.
    assert (_queued(), endpoint.received) == ([[str(event.uuid)]], [])
    assert (_run_queued(), _run_queued()) == (1, 0)  # run twice, sent once
    (headers, content), = endpoint.received  # fmt: skip
    assert json.loads(content) == {
        "id": str(event.uuid),
        "type": "referral.allocated",
        "occurred_at": "2026-11-20T12:00:00+00:00",
        "organisation": "kooth",
        "referral": {"uuid": str(referral.uuid), "reference": referral.reference},
    }
    assert (
        headers["OneDoor-Event-Id"], headers["OneDoor-Timestamp"], headers["Content-Type"],
    ) == (str(event.uuid), str(int(NOW.timestamp())), "application/json")  # fmt: skip
    assert headers["OneDoor-Signature"] == _expected_signature(secret, headers, content)
    assert headers["OneDoor-Signature"] != _expected_signature("whsec_other", headers, content)
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.delivered_at, delivery.last_status) == (1, NOW, 200)


def test_the_signature_is_hmac_sha256_of_the_timestamp_and_the_body() -> None:
    assert sign("whsec_k", "1795176000", b'{"a":1}') == (
        "v1=" + hmac.new(b"whsec_k", b'1795176000.{"a":1}', hashlib.sha256).hexdigest()
    )


def test_an_action_that_fails_after_publishing_leaves_no_event_delivery_or_task(
    people: People, alliance: Alliance, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    _subscribe(people, "kooth", endpoint.url)
    referral = _waiting_at(alliance, "Ola")

    def fails(*args: object, **kwargs: object) -> None:
        assert Event.objects.count() == 1  # published, inside the action's transaction
        raise RuntimeError("the timeline could not be written")

    monkeypatch.setattr("onedoor.safeguarding.actions.written", fails)
    with pytest.raises(RuntimeError):
        raise_concern(
            user=people.kooth_practitioner, referral=referral, category="neglect",
            seen_or_said="Said there is no food at home.", immediate_actions="Told the lead.",
            referred_to_social_care=False, social_care_reference="", owner=people.safeguarding,
        )  # fmt: skip
    assert (Concern.objects.count(), Event.objects.count(), Delivery.objects.count()) == (0, 0, 0)
    assert (_queued(), retry_due(), endpoint.received) == ([], 0, [])


def test_a_failed_delivery_is_retried_after_the_backoff_and_delivered_once(
    people: People, alliance: Alliance, endpoint: Endpoint, frozen: Any
) -> None:
    _subscribe(people, "kooth", endpoint.url)
    endpoint.answers = [500]
    _allocate(people, _awaiting(alliance))
    assert _run_queued() == 0
    delivery = Delivery.objects.get()
    assert (
        delivery.attempts, delivery.last_status, delivery.last_error, delivery.next_attempt_at,
        delivery.delivered_at, delivery.subscription.consecutive_failures,
    ) == (1, 500, "HTTP 500", NOW + timedelta(minutes=1), None, 1)  # fmt: skip
    assert (retry_due(), _run_queued(), len(endpoint.received)) == (0, 0, 1)  # not due yet
    frozen.move_to(NOW + timedelta(minutes=1), tick=False)
    assert (retry_due(), retry_due(), _run_queued()) == (1, 0, 0)
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.delivered_at, delivery.last_status) == (
        2, NOW + timedelta(minutes=1), 200,
    )  # fmt: skip
    assert Subscription.objects.get().consecutive_failures == 0
    first, second = endpoint.bodies()
    assert first == second  # the same event, signed again with its new timestamp


def test_a_redirect_or_an_endpoint_that_does_not_answer_is_a_failure(
    people: People, alliance: Alliance, endpoint: Endpoint, frozen: Any
) -> None:
    _subscribe(people, "kooth", endpoint.url)
    endpoint.answers = [302]
    _allocate(people, _awaiting(alliance))
    assert _run_queued() == 0
    assert Delivery.objects.values_list("last_status", "last_error").get() == (302, "HTTP 302")
    Subscription.objects.update(url="http://127.0.0.1:9/nobody-listens")
    frozen.move_to(NOW + timedelta(minutes=1), tick=False)
    assert retry_due() == 0
    delivery = Delivery.objects.get()
    assert (delivery.attempts, delivery.last_status, delivery.next_attempt_at) == (
        2, 0, NOW + timedelta(minutes=3),
    )  # fmt: skip
    assert delivery.last_error in {"URLError", "ConnectionRefusedError"}


def test_the_wait_doubles_from_a_minute_to_at_most_an_hour() -> None:
    assert [wait_after(n) for n in (1, 2, 3, 6, 7, 8, 20)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 32, 60, 60, 60)
    ]


def test_after_the_limit_the_subscription_is_turned_off_and_administrators_told_once(
    people: People, alliance: Alliance, endpoint: Endpoint, frozen: Any, settings: Any
) -> None:
    settings.WEBHOOK_MAX_FAILURES = 3
    people.admin.email = ADMIN_EMAIL
    people.admin.save(update_fields=["email"])
    _client, token, _ = _subscribe(people, "kooth", endpoint.url)
    endpoint.answers = [500] * 10
    _allocate(people, _awaiting(alliance))
    assert _run_queued() == 0
    frozen.move_to(NOW + timedelta(minutes=1), tick=False)
    assert retry_due() == 0
    frozen.move_to(NOW + timedelta(minutes=3), tick=False)
    assert retry_due() == 0  # the third failure in a row
    subscription = Subscription.objects.get()
    delivery = Delivery.objects.get()
    assert (subscription.disabled_at, subscription.consecutive_failures) == (
        NOW + timedelta(minutes=3), 3,
    )  # fmt: skip
    assert (delivery.attempts, delivery.given_up, delivery.delivered_at) == (3, True, None)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            [ADMIN_EMAIL],
            "Event notifications to Kooth's system turned off after 3 failed deliveries",
        )
    ]
    assert str(subscription.uuid) in mail.outbox[0].body
    assert AuditEvent.objects.filter(
        record_type="webhook subscription", record_id=str(subscription.uuid),
        detail__what="turned off",
    ).count() == 1  # fmt: skip
    frozen.move_to(NOW + timedelta(hours=2), tick=False)
    assert (retry_due(), len(endpoint.received), len(mail.outbox)) == (0, 3, 1)
    # Off, a new allocation writes nothing for it; turned on again by the client, it hears
    # the next event (not those missed while off).
    _allocate(people, _awaiting(alliance, "Mo"))
    assert Event.objects.count() == 1
    response = call("POST", f"/api/v1/webhooks/{subscription.uuid}/enable", token)
    assert response.status_code == 200
    assert (response.json()["active"], response.json()["consecutive_failures"]) == (True, 0)
    endpoint.answers = []
    _allocate(people, _awaiting(alliance, "Nia"))
    assert (Event.objects.count(), _run_queued(), len(endpoint.received)) == (2, 1, 4)


def test_a_delivery_claimed_by_another_worker_is_not_sent_until_its_lease_lapses(
    people: People, alliance: Alliance, endpoint: Endpoint, frozen: Any
) -> None:
    _subscribe(people, "kooth", endpoint.url)
    _allocate(people, _awaiting(alliance))
    Delivery.objects.update(claimed_until=NOW + LEASE)  # another worker is sending it
    assert (_run_queued(), retry_due(), endpoint.received) == (0, 0, [])
    frozen.move_to(NOW + LEASE + timedelta(seconds=1), tick=False)
    assert (retry_due(), _run_queued(), len(endpoint.received)) == (1, 0, 1)


def test_another_organisations_subscription_never_receives_the_event(
    people: People, alliance: Alliance, endpoint: Endpoint, chums_endpoint: Endpoint
) -> None:
    _subscribe(people, "chums", chums_endpoint.url)
    _subscribe(people, "kooth", endpoint.url, ["referral.discharged"])  # not this kind
    _allocate(people, _awaiting(alliance))
    assert (Event.objects.count(), Delivery.objects.count(), _queued()) == (0, 0, [])
    assert (retry_due(), chums_endpoint.received, endpoint.received) == (0, [], [])


def test_a_revoked_client_or_one_without_the_scope_is_told_nothing(
    people: People, alliance: Alliance, endpoint: Endpoint
) -> None:
    client, _, _ = _subscribe(people, "kooth", endpoint.url)
    change_scopes(user=people.admin, client=client, scopes=["cases:read"])
    _allocate(people, _awaiting(alliance))
    change_scopes(user=people.admin, client=client, scopes=["cases:read", "webhooks:manage"])
    revoke_client(user=people.admin, client=client)
    _allocate(people, _awaiting(alliance, "Mo"))
    assert (Event.objects.count(), _queued(), endpoint.received) == (0, [], [])


def test_each_kind_of_event_is_published_by_its_action(
    people: People, alliance: Alliance, endpoint: Endpoint, chums_endpoint: Endpoint
) -> None:
    _subscribe(people, "kooth", endpoint.url)
    _subscribe(people, "chums", chums_endpoint.url)
    allocated = _allocate(people, _awaiting(alliance))
    accept_allocation(user=people.kooth_practitioner, referral=allocated, version=allocated.version)
    worried = _waiting_at(alliance, "Ola")
    raise_concern(
        user=people.kooth_practitioner, referral=worried, category="neglect",
        seen_or_said="Said there is no food at home.", immediate_actions="Told the lead.",
        referred_to_social_care=False, social_care_reference="", owner=people.safeguarding,
    )  # fmt: skip
    start_transition(
        user=people.kooth_practitioner, referral=worried, kind="between_partners",
        reason="Bereavement is now the main need.",
        receiving_organisation=organisation(alliance, "chums"),
        receiving_offer=Offer.objects.get(slug="bereavement-support"),
        handover="Grief work started.",
    )  # fmt: skip
    ending = _waiting_at(alliance, "Pip")
    discharge(
        user=people.kooth_practitioner, referral=ending, reason="goals_met", summary="Goals met."
    )
    assert list(Event.objects.values_list("kind", "organisation__slug", "referral")) == [
        ("referral.allocated", "kooth", allocated.pk),
        ("safeguarding.concern_raised", "kooth", worried.pk),
        ("handover.requested", "chums", worried.pk),
        ("referral.discharged", "kooth", ending.pk),
    ]
    assert _run_queued() == 4
    assert sorted(body["type"] for body in endpoint.bodies()) == [
        "referral.allocated", "referral.discharged", "safeguarding.concern_raised",
    ]  # fmt: skip
    assert [body["type"] for body in chums_endpoint.bodies()] == ["handover.requested"]


# The API: a client manages its own subscriptions.


def test_a_client_subscribes_and_sees_the_secret_only_once(
    people: People, endpoint: Endpoint
) -> None:
    client, token = registered(people.admin, _org("kooth"))
    response = call(
        "POST", "/api/v1/webhooks", token,
        {"url": endpoint.url, "events": ["referral.discharged", "referral.allocated"]},
    )  # fmt: skip
    assert response.status_code == 201
    created = response.json()
    subscription = Subscription.objects.get()
    assert created["secret"].startswith("whsec_")
    assert created["secret"] not in subscription.sealed_secret
    assert (created["uuid"], created["events"], created["active"]) == (
        str(subscription.uuid), ["referral.allocated", "referral.discharged"], True,
    )  # fmt: skip
    listed = call("GET", "/api/v1/webhooks", token).json()
    assert [(each["uuid"], "secret" in each) for each in listed] == [(created["uuid"], False)]
    audited = AuditEvent.objects.get(record_type="webhook subscription")
    assert (audited.actor_uuid, audited.detail["what"], audited.detail["host"]) == (
        client.account.uuid, "subscribed", "127.0.0.1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"url": "http://partner.example/hooks", "events": ALL}, "url", "must start with https://"),
        ({"url": "ftp://partner.example/", "events": ALL}, "url", "must start with https://"),
        ({"url": "https://10.1.2.3/hooks", "events": ALL}, "url", "reachable on the internet"),
        ({"url": "https://u:p@partner.example/", "events": ALL}, "url", "must not carry a user"),
        ({"url": "https://partner.example/a\x00b", "events": ALL}, "url", "control characters"),
        ({"url": "https://partner.example:99999/", "events": ALL}, "url", "not a web address"),
        (
            {"url": "https://partner.example/", "events": ["child.born"]},
            "events.0",
            "Input should be",
        ),
        ({"url": "https://partner.example/", "events": []}, "events", "at least 1 item"),
        ({"url": "https://partner.example/", "events": ALL, "extra": 1}, "extra", "Extra inputs"),
    ],
)
def test_a_bad_subscription_is_refused_with_its_field_and_nothing_written(
    people: People, body: dict[str, Any], field: str, message: str, settings: Any
) -> None:
    settings.WEBHOOK_ALLOW_LOCAL = False
    _, token = registered(people.admin, _org("kooth"))
    response = call("POST", "/api/v1/webhooks", token, body)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], message in error["message"]) == (field, True)
    assert Subscription.objects.count() == 0


def test_local_addresses_are_refused_unless_allowed(people: People, settings: Any) -> None:
    settings.WEBHOOK_ALLOW_LOCAL = False
    _, token = registered(people.admin, _org("kooth"))
    for url in ("http://127.0.0.1:8000/hooks", "https://localhost/hooks", "https://[::1]/"):
        response = call("POST", "/api/v1/webhooks", token, {"url": url, "events": ALL})
        assert response.status_code == 422, url
    assert Subscription.objects.count() == 0


def test_without_the_scope_a_client_is_refused_and_nothing_written(
    people: People, endpoint: Endpoint
) -> None:
    from onedoor.integrations.scopes import Scope

    kooth = _org("kooth")
    _, token = registered(people.admin, kooth, [Scope.READ_CASES])
    response = call("POST", "/api/v1/webhooks", token, {"url": endpoint.url, "events": ALL})
    assert (response.status_code, response.json()["detail"]) == (
        403, "This client does not hold the scope webhooks:manage",
    )  # fmt: skip
    assert call("GET", "/api/v1/webhooks", token).status_code == 403
    assert Subscription.objects.count() == 0


def test_another_clients_subscription_is_a_404_and_left_alone(
    people: People, endpoint: Endpoint
) -> None:
    _, _, _ = _subscribe(people, "kooth", endpoint.url)
    theirs = Subscription.objects.get()
    Subscription.objects.update(disabled_at=NOW, consecutive_failures=8)
    _, chums_token = registered(people.admin, _org("chums"))
    assert call("GET", "/api/v1/webhooks", chums_token).json() == []
    for method, path in (
        ("DELETE", f"/api/v1/webhooks/{theirs.uuid}"),
        ("POST", f"/api/v1/webhooks/{theirs.uuid}/enable"),
    ):
        assert call(method, path, chums_token).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.disabled_at, theirs.consecutive_failures) == (NOW, 8)


def test_a_client_deletes_its_subscription(people: People, endpoint: Endpoint) -> None:
    _, token, _ = _subscribe(people, "kooth", endpoint.url)
    subscription = Subscription.objects.get()
    response = call("DELETE", f"/api/v1/webhooks/{subscription.uuid}", token)
    assert (response.status_code, Subscription.objects.count()) == (204, 0)
    assert AuditEvent.objects.filter(
        record_type="webhook subscription", detail__what="deleted"
    ).count() == 1  # fmt: skip


def test_the_list_of_subscriptions_runs_a_fixed_number_of_queries(people: People) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onedoor.webhooks.subscriptions import subscribe

    client, token = registered(people.admin, _org("kooth"))
    call("GET", "/api/v1/webhooks", token)  # the token's first use is written down once
    counts = []
    for size in (1, 4):
        for n in range(size):
            subscribe(client=client, url=f"https://kooth.example/{size}/{n}", events=ALL)
        with CaptureQueriesContext(connection) as queries:
            listed = call("GET", "/api/v1/webhooks", token)
        assert len(listed.json()) == {1: 1, 4: 5}[size]
        counts.append(len(queries))
    assert counts[0] == counts[1]
