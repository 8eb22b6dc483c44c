"""The FHIR R4 adapter's addresses under `/fhir/R4/`: the CapabilityStatement, reads and
searches of the resources in `resources.py`, and a referral sent as a transaction Bundle.

Every call but `metadata` carries a client's bearer token, admitted as the REST API admits
it (`integrations/calls.py`: rate, body size, one audit record of the call), and needs a
scope. Every read is on behalf of the client's account, through the access layer, so a
client sees no more than the pages show its organisation: another organisation's record is
a 404, audited. Every refusal is an OperationOutcome (`outcomes.py`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from onedoor import clock
from onedoor.access.records import (
    care_records_visible_to,
    children_visible_to,
    denied,
    get_child_for_user,
    get_referral_for_user,
    referrals_visible_to,
)
from onedoor.accounts.models import User
from onedoor.audit.trail import Action, record
from onedoor.care.models import Contact, Transition
from onedoor.fhir import resources
from onedoor.fhir.intake import Invalid, read_bundle
from onedoor.fhir.outcomes import Outcome, fhir_response, refuse
from onedoor.integrations.calls import UNAVAILABLE, admit, bearer_secret, database_away
from onedoor.integrations.scopes import Scope
from onedoor.integrations.submissions import KeyReused, submit_for_client
from onedoor.integrations.tokens import Caller
from onedoor.outcomes.models import MeasureResponse
from onedoor.referrals.actions import listed_practice
from onedoor.referrals.models import Referral

logger = logging.getLogger(__name__)

MAX_RESULTS = 100
PUBLISHED = datetime(2026, 12, 1, tzinfo=UTC)  # when the CapabilityStatement last changed

View = Callable[..., HttpResponse]


def _account(request: HttpRequest) -> User:
    caller: Caller = request.fhir_caller  # type: ignore[attr-defined]
    return caller.client.account


def endpoint(*scopes: Scope, method: str = "GET", public: bool = False) -> Callable[[View], View]:
    """A FHIR address: one method; the caller admitted and holding one of `scopes` (unless
    `public`); every refusal an audited OperationOutcome, and never a 500 for bad input."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            caller: Caller | None = None
            try:
                if request.method != method:
                    raise Outcome(
                        405, f"This address answers {method} only", headers={"Allow": method}
                    )
                if not public:
                    caller, refused = admit(request, bearer_secret(request))
                    if refused is not None:
                        raise Outcome(refused.status, refused.detail, headers=refused.headers)
                    assert caller is not None
                    if not any(caller.may(scope) for scope in scopes):
                        wanted = " or ".join(scope.value for scope in scopes)
                        raise Outcome(403, f"This client does not hold the scope {wanted}")
                    request.fhir_caller = caller  # type: ignore[attr-defined]
                return view(request, *args, **kwargs)
            except Outcome as outcome:
                return refuse(request, caller, outcome)
            except Http404:
                return refuse(request, caller, Outcome(404, "There is no such resource"))
            except RequestDataTooBig:
                return refuse(request, caller, Outcome(413, "The request body is too large"))
            except ValidationError as error:
                return refuse(request, caller, Outcome(422, "; ".join(error.messages)))
            except Exception as error:
                if database_away(error):  # it recovers when the database returns
                    away = Outcome(
                        UNAVAILABLE.status, UNAVAILABLE.detail, headers=UNAVAILABLE.headers
                    )
                    return refuse(request, caller, away)
                logger.exception("FHIR call failed (%s)", type(error).__name__)
                return refuse(
                    request, caller, Outcome(500, "Something went wrong; it has been logged")
                )

        return login_not_required(csrf_exempt(never_cache(wrapper)))

    return decorate


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise Outcome(404, "There is no such resource") from None


def _params(request: HttpRequest, allowed: set[str]) -> dict[str, str]:
    """The search's parameters, each once; one the adapter does not know is refused rather
    than ignored, so a search is never wider than the caller meant."""
    unknown = sorted(set(request.GET) - allowed - {"_count"})
    if unknown:
        raise Outcome(400, f"Unknown search parameter: {', '.join(unknown)}")
    if any(len(request.GET.getlist(name)) > 1 for name in request.GET):
        raise Outcome(400, "Give each search parameter once")
    return {name: request.GET[name] for name in request.GET}


def _count(params: dict[str, str]) -> int:
    text = params.get("_count", str(MAX_RESULTS))
    if not text.isdigit() or not 0 < int(text) <= MAX_RESULTS:
        raise Outcome(400, f"_count is a whole number from 1 to {MAX_RESULTS}")
    return int(text)


def _patient_id(value: str) -> UUID | None:
    """A reference search's Patient: "Patient/<id>" or "<id>"; None for anything else."""
    try:
        return UUID(value.removeprefix("Patient/"))
    except ValueError:
        return None


def _searchset(request: HttpRequest, found: list[Any]) -> HttpResponse:
    entries = [
        {
            "fullUrl": request.build_absolute_uri(f"/fhir/R4/{item.get_resource_type()}/{item.id}"),
            "resource": item.model_dump(mode="json", by_alias=True, exclude_none=True),
            "search": {"mode": "match"},
        }
        for item in found
    ]
    return fhir_response(
        {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
    )


def _one(resource: Any) -> HttpResponse:
    return fhir_response(resource.model_dump(mode="json", by_alias=True, exclude_none=True))


def _viewed(user: User, record_type: str, records: list[Model], child_uuid: UUID | None) -> None:
    """The audit of what a search returned: one record per call, naming the child."""
    if records:
        record(
            Action.VIEW,
            actor=user,
            record_type=record_type,
            child_uuid=child_uuid,
            detail={"fhir search": [str(getattr(r, "uuid", "")) for r in records]},
        )


# The CapabilityStatement


@endpoint(public=True)
def metadata(request: HttpRequest) -> HttpResponse:
    return _one(resources.capability_statement(PUBLISHED))


# Patient


@endpoint(Scope.READ_CASES)
def patient_read(request: HttpRequest, id: str) -> HttpResponse:
    return _one(resources.patient(get_child_for_user(_account(request), _uuid(id))))


@endpoint(Scope.READ_CASES)
def patient_search(request: HttpRequest) -> HttpResponse:
    params = _params(request, {"identifier"})
    system, bar, number = params.get("identifier", "").partition("|")
    if not bar or system != resources.NHS_NUMBER or not number.isdigit():
        raise Outcome(400, f"Search by identifier={resources.NHS_NUMBER}|<NHS number>")
    user = _account(request)
    children = list(children_visible_to(user).filter(nhs_number=number)[: _count(params)])
    for child in children:
        record(
            Action.VIEW,
            actor=user,
            record_type="child",
            record_id=child.uuid,
            child_uuid=child.uuid,
        )
    return _searchset(request, [resources.patient(child) for child in children])


# ServiceRequest


def _referrals(user: User) -> QuerySet[Referral]:
    return referrals_visible_to(user).select_related("child", "allocated_organisation")


@endpoint(Scope.READ_CASES, Scope.READ_REFERRALS)
def service_request_read(request: HttpRequest, id: str) -> HttpResponse:
    return _one(resources.service_request(get_referral_for_user(_account(request), _uuid(id))))


@endpoint(Scope.READ_CASES, Scope.READ_REFERRALS)
def service_request_search(request: HttpRequest) -> HttpResponse:
    params = _params(request, {"patient"})
    child = _patient_id(params.get("patient", ""))
    if child is None:
        raise Outcome(400, "Search by patient=<Patient id>")
    user = _account(request)
    found = list(
        _referrals(user).filter(child__uuid=child).order_by("-received_at")[: _count(params)]
    )
    _viewed(user, "referral", list(found), child)
    return _searchset(request, [resources.service_request(referral) for referral in found])


# Task: an allocation (id: the referral's) or a handover (id: the transition's)


def _allocations(user: User) -> QuerySet[Referral]:
    return _referrals(user).filter(allocated_organisation__isnull=False, allocated_at__isnull=False)


def _handovers(user: User) -> QuerySet[Transition]:
    return Transition.objects.filter(referral__in=referrals_visible_to(user)).select_related(
        "referral__child", "receiving_organisation", "sending_organisation"
    )


@endpoint(Scope.READ_CASES)
def task_read(request: HttpRequest, id: str) -> HttpResponse:
    user, wanted = _account(request), _uuid(id)
    handover = _handovers(user).filter(uuid=wanted).first()
    if handover is not None:
        record(
            Action.VIEW, actor=user, record_type="transition", record_id=handover.uuid,
            child_uuid=handover.referral.child.uuid,
        )  # fmt: skip
        return _one(resources.handover_task(handover))
    allocation = _allocations(user).filter(uuid=wanted).first()
    if allocation is None:
        raise denied(user, "task", wanted)
    record(
        Action.VIEW, actor=user, record_type="referral", record_id=allocation.uuid,
        child_uuid=allocation.child.uuid,
    )  # fmt: skip
    return _one(resources.allocation_task(allocation))


@endpoint(Scope.READ_CASES)
def task_search(request: HttpRequest) -> HttpResponse:
    """The caller's tasks, newest first: allocations and handovers, or those one
    organisation owns (`owner=<its identifier>`)."""
    params = _params(request, {"owner"})
    user, count = _account(request), _count(params)
    allocations, handovers = _allocations(user), _handovers(user)
    if "owner" in params:
        owner = params["owner"].removeprefix(f"{resources.ORGANISATION}|")
        allocations = allocations.filter(allocated_organisation__slug=owner)
        handovers = handovers.filter(receiving_organisation__slug=owner)
    tasks: list[tuple[datetime, Any]] = []
    for referral in allocations.order_by("-allocated_at")[:count]:
        assert referral.allocated_at is not None  # _allocations
        tasks.append((referral.allocated_at, resources.allocation_task(referral)))
    for handover in handovers.order_by("-sent_at")[:count]:
        tasks.append((handover.sent_at, resources.handover_task(handover)))
    tasks.sort(key=lambda pair: pair[0], reverse=True)
    found = [task for _, task in tasks[:count]]
    if found:
        record(
            Action.VIEW,
            actor=user,
            record_type="task",
            detail={"fhir search": [str(t.id) for t in found]},
        )
    return _searchset(request, found)


# Encounter, Observation and QuestionnaireResponse: care records, through the access layer


def _care(user: User, model: type[Model]) -> QuerySet[Any]:
    return care_records_visible_to(user, model).select_related("referral__child", "organisation")


def _care_read(
    request: HttpRequest, id: str, model: type[Model], build: Callable[[Any], Any]
) -> HttpResponse:
    user, wanted = _account(request), _uuid(id)
    found = _care(user, model).filter(uuid=wanted).first()
    if found is None:
        raise denied(user, "care record", wanted)
    record(
        Action.VIEW, actor=user, record_type="care record", record_id=found.uuid,
        child_uuid=found.referral.child.uuid,
    )  # fmt: skip
    return _one(build(found))


def _care_search(
    request: HttpRequest, model: type[Model], build: Callable[[Any], Any], order: str
) -> HttpResponse:
    params = _params(request, {"subject", "patient"})
    child = _patient_id(params.get("subject", params.get("patient", "")))
    if child is None:
        raise Outcome(400, "Search by subject=<Patient id>")
    user = _account(request)
    found = list(
        _care(user, model).filter(referral__child__uuid=child).order_by(order)[: _count(params)]
    )
    _viewed(user, "care record", found, child)
    return _searchset(request, [build(item) for item in found])


@endpoint(Scope.READ_CASES)
def encounter_read(request: HttpRequest, id: str) -> HttpResponse:
    return _care_read(request, id, Contact, resources.encounter)


@endpoint(Scope.READ_CASES)
def encounter_search(request: HttpRequest) -> HttpResponse:
    return _care_search(request, Contact, resources.encounter, "-happened_at")


@endpoint(Scope.READ_CASES)
def observation_read(request: HttpRequest, id: str) -> HttpResponse:
    return _care_read(request, id, MeasureResponse, resources.observation)


@endpoint(Scope.READ_CASES)
def observation_search(request: HttpRequest) -> HttpResponse:
    return _care_search(request, MeasureResponse, resources.observation, "-recorded_at")


@endpoint(Scope.READ_CASES)
def questionnaire_response_read(request: HttpRequest, id: str) -> HttpResponse:
    return _care_read(request, id, MeasureResponse, resources.questionnaire_response)


@endpoint(Scope.READ_CASES)
def questionnaire_response_search(request: HttpRequest) -> HttpResponse:
    return _care_search(request, MeasureResponse, resources.questionnaire_response, "-recorded_at")


# A referral, sent as a transaction Bundle


def _body(request: HttpRequest) -> Any:
    kind = request.content_type or ""
    if kind not in ("application/fhir+json", "application/json"):
        raise Outcome(415, "Send the Bundle as application/fhir+json")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Outcome(400, "The body is not JSON") from None


@endpoint(Scope.SUBMIT_REFERRALS, method="POST")
def transaction(request: HttpRequest) -> HttpResponse:
    """A referral as a GP system sends it: read and checked as the form's answers, then
    made by the form's own action, once per the sender's identifier for it (201); the same
    Bundle again is the same referral (200); that identifier with other content, a 409."""
    caller: Caller = request.fhir_caller  # type: ignore[attr-defined]
    data = _body(request)
    try:
        received = read_bundle(data, clock.today())
    except Invalid as error:
        faults = [(fault.where, fault.message) for fault in error.faults]
        raise Outcome(error.status, str(error), faults=faults) from None
    answers = received.answers
    if (
        answers.gp_ods_code
        and listed_practice(caller.client.organisation.alliance, answers.gp_ods_code) is None
    ):
        answers = replace(answers, gp_ods_code="")  # not on the list: the practice in words
    try:
        referral, made = submit_for_client(client=caller.client, key=received.key, answers=answers)
    except KeyReused:
        raise Outcome(
            409,
            "This identifier was sent before with another referral: send a new referral with"
            " its own identifier",
        ) from None
    status = "201 Created" if made else "200 OK"
    locations = {
        "Patient": f"Patient/{referral.child.uuid}",
        "ServiceRequest": f"ServiceRequest/{referral.uuid}",
    }
    entries = []
    for entry in data.get("entry") or []:
        kind = (entry.get("resource") or {}).get("resourceType", "")
        response: dict[str, str] = {"status": status}
        if kind in locations:
            response["location"] = locations[kind]
        entries.append({"response": response})
    return fhir_response(
        {"resourceType": "Bundle", "type": "transaction-response", "entry": entries},
        201 if made else 200,
        {"Location": request.build_absolute_uri(f"/fhir/R4/{locations['ServiceRequest']}")},
    )
