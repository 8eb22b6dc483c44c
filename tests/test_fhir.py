"""The FHIR R4 adapter: pure mappings with exact values, every resource parsed by the R4B
models of `fhir.resources` and carrying the UK Core identifiers, reads bounded by the access
layer (another organisation's record a 404, audited), and a GP system's referral as a
transaction Bundle, made once however often it is sent."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.care.models import Contact, Transition
from onedoor.children.models import Child, Ethnicity, Gender
from onedoor.fhir import resources
from onedoor.fhir.intake import Invalid, read_bundle
from onedoor.integrations.models import ApiSubmission
from onedoor.integrations.scopes import Scope
from onedoor.outcomes.measures import get_measure
from onedoor.outcomes.models import MeasureResponse
from onedoor.outcomes.scoring import score
from onedoor.referrals.models import Referral, Route, Source, Status
from tests.api_support import registered
from tests.personas import People, make_child, organisation

pytestmark = pytest.mark.django_db

ALLOCATED = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
PATIENT_URL = "urn:uuid:5b2a0c39-3f0e-4c53-9a5e-0f2f4c1e7a11"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"


def fhir(
    method: str,
    path: str,
    secret: str | None,
    body: Any = None,
    content_type: str = "application/fhir+json",
) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    data = body if isinstance(body, bytes | str) else json.dumps(body) if body is not None else ""
    return Client().generic(method, path, data, content_type=content_type, **headers)


def dumped(resource: Any) -> dict[str, Any]:
    """A resource as the adapter sends it."""
    made: dict[str, Any] = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
    return made


def parsed(model: Any, data: Any) -> dict[str, Any]:
    """`data` read by an R4B model (which fails on anything not R4), as it reads it."""
    return dumped(model.model_validate(data))


def kooth_child(alliance: Alliance, name: str = "Kai", **extra: Any) -> Child:
    child = make_child(alliance, name, allocated_to="kooth", status=Status.ALLOCATED, **extra)
    child.ethnicity = Ethnicity.H
    child.gender = Gender.NON_BINARY
    child.save()
    Referral.objects.filter(child=child).update(allocated_at=ALLOCATED)
    return child


def a_contact(referral: Referral, people: People) -> Contact:
    assert referral.allocated_organisation is not None
    return Contact.objects.create(
        referral=referral,
        organisation=referral.allocated_organisation,
        recorded_by=people.kooth_practitioner,
        recorded_at=ALLOCATED + timedelta(days=3),
        happened_at=ALLOCATED + timedelta(days=3),
        outcome=Contact.Outcome.ATTENDED,
        mode=Contact.Mode.VIDEO,
        duration_minutes=50,
    )


GAD7 = {"1": 2, "2": 3, "3": 2, "4": 1, "5": 0, "6": 1, "7": None}


def a_measure(referral: Referral, people: People) -> MeasureResponse:
    measure = get_measure("gad-7")
    assert measure is not None and referral.allocated_organisation is not None
    return MeasureResponse.objects.create(
        referral=referral,
        organisation=referral.allocated_organisation,
        recorded_by=people.kooth_practitioner,
        recorded_at=ALLOCATED + timedelta(days=4),
        measure="gad-7",
        measure_version=measure.version,
        completed_by="young_person",
        answers=GAD7,
        scores=score(measure, GAD7, age=14, gender="non_binary").to_json(),
    )


# The pure mappings


def test_a_child_is_a_uk_core_patient_with_the_nhs_number_and_ethnic_category(
    alliance: Alliance,
) -> None:
    child = kooth_child(alliance, nhs_number="9434765919")
    child.address_line_1, child.town, child.phone = "1 High Street", "Chatham", "07700900982"
    made = resources.patient(child).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert made == {
        "resourceType": "Patient",
        "id": str(child.uuid),
        "meta": {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"]},
        "extension": [
            {
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland",
                            "code": "H",
                            "display": "Asian or Asian British: Indian",
                        }
                    ]
                },
            }
        ],
        "identifier": [
            {
                "extension": [
                    {
                        "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus",
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland",
                                    "code": "02",
                                    "display": "Number present but not traced",
                                }
                            ]
                        },
                    }
                ],
                "system": "https://fhir.nhs.uk/Id/nhs-number",
                "value": "9434765919",
            }
        ],
        "name": [{"use": "official", "family": "Example", "given": ["Kai"]}],
        "telecom": [{"system": "phone", "value": "07700900982", "use": "mobile"}],
        "gender": "other",
        "birthDate": "2012-03-14",
        "address": [
            {"use": "home", "line": ["1 High Street"], "city": "Chatham", "postalCode": "ME4 4AB"}
        ],
    }


@pytest.mark.parametrize(
    ("gender", "expected"),
    [
        (Gender.FEMALE, "female"),
        (Gender.MALE, "male"),
        (Gender.NON_BINARY, "other"),
        (Gender.SELF_DESCRIBED, "other"),
        (Gender.NOT_STATED, "unknown"),
    ],
)
def test_gender_is_fhirs_administrative_gender(
    alliance: Alliance, gender: Gender, expected: str
) -> None:
    child = make_child(alliance, "Ali")
    child.gender = gender
    assert dumped(resources.patient(child))["gender"] == expected


def test_a_child_with_no_nhs_number_has_no_identifier(alliance: Alliance) -> None:
    assert "identifier" not in dumped(resources.patient(make_child(alliance, "Ali")))


def test_a_referral_is_a_service_request_with_its_reference_and_partner(
    alliance: Alliance,
) -> None:
    referral = Referral.objects.get(child=kooth_child(alliance))
    referral.reasons, referral.referrer_name = "Low mood since the summer.", "Dr Shah"
    made = resources.service_request(referral).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    assert made == {
        "resourceType": "ServiceRequest",
        "id": str(referral.uuid),
        "meta": {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"]},
        "extension": [
            {
                "url": "https://onedoor.invalid/StructureDefinition/referral-status",
                "valueCoding": {
                    "system": "https://onedoor.invalid/CodeSystem/referral-status",
                    "code": "allocated",
                    "display": "Allocated to a partner",
                },
            }
        ],
        "identifier": [
            {"system": "https://onedoor.invalid/Id/referral-reference", "value": referral.reference}
        ],
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{referral.child.uuid}"},
        "authoredOn": "2026-11-02T10:00:00Z",
        "requester": {"display": "Dr Shah"},
        "performer": [
            {
                "identifier": {
                    "system": "https://onedoor.invalid/Id/organisation",
                    "value": "kooth",
                },
                "display": "Kooth",
            }
        ],
        "reasonCode": [{"text": "Low mood since the summer."}],
    }


@pytest.mark.parametrize(
    ("status", "accepted", "expected"),
    [
        (Status.ALLOCATED, False, "requested"),
        (Status.WAITING, True, "accepted"),
        (Status.IN_INTERVENTION, True, "in-progress"),
        (Status.IN_TRANSITION, True, "in-progress"),
        (Status.DISCHARGED, True, "completed"),
    ],
)
def test_an_allocations_task_status_follows_the_referral(
    alliance: Alliance, status: Status, accepted: bool, expected: str
) -> None:
    referral = Referral.objects.get(child=kooth_child(alliance))
    referral.status = status
    referral.accepted_at = ALLOCATED + timedelta(hours=2) if accepted else None
    task = dumped(resources.allocation_task(referral))
    assert (task["status"], task["owner"]["identifier"]["value"], task["focus"]) == (
        expected,
        "kooth",
        {"reference": f"ServiceRequest/{referral.uuid}"},
    )
    assert task["authoredOn"] == "2026-11-10T09:00:00Z"


def _handover(referral: Referral, people: People, **extra: Any) -> Transition:
    return Transition.objects.create(
        referral=referral,
        kind=Transition.Kind.BETWEEN_PARTNERS,
        reason="Needs a group offer",
        receiving_organisation=organisation(referral.child.alliance, "chums"),
        sending_organisation=referral.allocated_organisation,
        handover="Summary",
        due_at=ALLOCATED + timedelta(days=5),
        sent_by=people.kooth_lead,
        sent_at=ALLOCATED + timedelta(days=1),
        **extra,
    )


@pytest.mark.parametrize(
    ("answered", "expected"),
    [({}, "requested"), ({"acknowledged_at": ALLOCATED}, "accepted"),
     ({"acknowledged_at": ALLOCATED, "declined_at": ALLOCATED, "decline_reason": "Full"},
      "rejected")],
)  # fmt: skip
def test_a_handovers_task_status_follows_its_answer(
    alliance: Alliance, people: People, answered: dict[str, Any], expected: str
) -> None:
    referral = Referral.objects.get(child=kooth_child(alliance))
    task = dumped(resources.handover_task(_handover(referral, people, **answered)))
    assert (task["status"], task["owner"]["display"], task["requester"]["display"]) == (
        expected,
        "CHUMS",
        "Kooth",
    )
    codes = [coding["code"] for coding in task["code"]["coding"]]
    assert codes == ["handover", "handover-between-partners"]


def test_a_contact_is_an_encounter(alliance: Alliance, people: People) -> None:
    contact = a_contact(Referral.objects.get(child=kooth_child(alliance)), people)
    made = resources.encounter(contact).model_dump(mode="json", by_alias=True, exclude_none=True)
    assert (made["status"], made["class"], made["type"][0]["coding"][0]["code"]) == (
        "finished",
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR",
         "display": "virtual"},
        "attended",
    )  # fmt: skip
    assert made["length"] == {
        "value": 50,
        "unit": "minutes",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }
    assert made["period"] == {"start": "2026-11-13T09:00:00Z"}


def test_a_measure_is_a_questionnaire_response_and_its_score_an_observation(
    alliance: Alliance, people: People
) -> None:
    response = a_measure(Referral.objects.get(child=kooth_child(alliance)), people)
    answers = resources.questionnaire_response(response).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    assert answers["questionnaire"] == "https://onedoor.invalid/Questionnaire/gad-7|1"
    assert answers["item"][0] == {"linkId": "1", "answer": [{"valueInteger": 2}]}
    assert answers["item"][6] == {"linkId": "7"}  # unanswered: no answer
    assert answers["source"] == {"reference": f"Patient/{response.referral.child.uuid}"}
    scored = resources.observation(response).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    assert scored["code"] == {
        "coding": [
            {
                "system": "https://onedoor.invalid/CodeSystem/outcome-measure",
                "code": "gad-7",
                "display": "Generalised Anxiety Disorder assessment (GAD-7)",
            }
        ]
    }
    # 9 from six answers, prorated to seven; GAD-7 has no band at 14.
    assert scored["valueQuantity"] == {"value": 11.0}
    assert scored["component"] == [
        {
            "code": {
                "coding": [
                    {
                        "system": "https://onedoor.invalid/CodeSystem/outcome-measure-subscale",
                        "code": "total",
                        "display": "Total",
                    }
                ]
            },
            "valueQuantity": {"value": 11.0},
        }
    ]
    assert scored["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response.uuid}"}]
    assert scored["effectiveDateTime"] == "2026-11-14T09:00:00Z"


def test_the_capability_statement_says_r4_and_what_is_served() -> None:
    made = dumped(resources.capability_statement(datetime(2026, 12, 1, tzinfo=UTC)))
    assert (made["fhirVersion"], made["kind"], made["date"]) == (
        "4.0.1",
        "instance",
        "2026-12-01T00:00:00Z",
    )
    assert [r["type"] for r in made["rest"][0]["resource"]] == [
        "Patient", "ServiceRequest", "Task", "Encounter", "Observation", "QuestionnaireResponse",
    ]  # fmt: skip


# Reads over HTTP


def test_every_resource_the_adapter_serves_parses_as_r4(alliance: Alliance, people: People) -> None:
    _, secret = registered(people.admin, organisation(alliance, "kooth"), [Scope.READ_CASES])
    child = kooth_child(alliance, nhs_number="9434765919")
    referral = Referral.objects.get(child=child)
    contact, response = a_contact(referral, people), a_measure(referral, people)
    handover = _handover(referral, people)
    served: dict[str, Any] = {
        f"/fhir/R4/Patient/{child.uuid}": Patient,
        f"/fhir/R4/ServiceRequest/{referral.uuid}": ServiceRequest,
        f"/fhir/R4/Task/{referral.uuid}": Task,
        f"/fhir/R4/Task/{handover.uuid}": Task,
        f"/fhir/R4/Encounter/{contact.uuid}": Encounter,
        f"/fhir/R4/Observation/{response.uuid}": Observation,
        f"/fhir/R4/QuestionnaireResponse/{response.uuid}": QuestionnaireResponse,
        "/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919": Bundle,
        f"/fhir/R4/ServiceRequest?patient={child.uuid}": Bundle,
        "/fhir/R4/Task": Bundle,
        "/fhir/R4/Task?owner=kooth": Bundle,
        f"/fhir/R4/Encounter?subject=Patient/{child.uuid}": Bundle,
        f"/fhir/R4/Observation?subject={child.uuid}": Bundle,
        f"/fhir/R4/QuestionnaireResponse?subject={child.uuid}": Bundle,
    }
    totals = {}
    for path, model in served.items():
        answer = fhir("GET", path, secret)
        assert (path, answer.status_code, answer["Content-Type"]) == (
            path,
            200,
            "application/fhir+json",
        )
        read = parsed(model, answer.json())
        if model is Bundle:
            totals[path.split("?")[0].removeprefix("/fhir/R4/")] = read["total"]
            assert read["type"] == "searchset"
    assert totals == {
        "Patient": 1,
        "ServiceRequest": 1,
        "Task": 1,  # owned by Kooth: the allocation (the handover is CHUMS's)
        "Encounter": 1,
        "Observation": 1,
        "QuestionnaireResponse": 1,
    }
    every_task = parsed(Bundle, fhir("GET", "/fhir/R4/Task", secret).json())
    assert [entry["resource"]["id"] for entry in every_task["entry"]] == [
        str(handover.uuid),  # sent after the allocation: newest first
        str(referral.uuid),
    ]
    patient = fhir("GET", f"/fhir/R4/Patient/{child.uuid}", secret).json()
    assert patient["identifier"][0]["system"] == "https://fhir.nhs.uk/Id/nhs-number"
    assert patient["extension"][0]["url"] == resources.ETHNIC_CATEGORY


def test_the_capability_statement_is_open_to_anyone() -> None:
    answer = fhir("GET", "/fhir/R4/metadata", None)
    assert answer.status_code == 200
    assert parsed(CapabilityStatement, answer.json())["fhirVersion"] == "4.0.1"


def test_another_organisations_patient_is_a_404_outcome_and_audited(
    alliance: Alliance, people: People
) -> None:
    client, secret = registered(people.admin, organisation(alliance, "chums"), [Scope.READ_CASES])
    child = kooth_child(alliance, nhs_number="9434765919")
    referral = Referral.objects.get(child=child)
    contact = a_contact(referral, people)
    before = AuditEvent.objects.filter(action="view").count()
    for path in (
        f"/fhir/R4/Patient/{child.uuid}",
        f"/fhir/R4/ServiceRequest/{referral.uuid}",
        f"/fhir/R4/Task/{referral.uuid}",
        f"/fhir/R4/Encounter/{contact.uuid}",
    ):
        answer = fhir("GET", path, secret)
        assert (path, answer.status_code) == (path, 404)
        assert parsed(OperationOutcome, answer.json())["issue"][0]["code"] == "not-found"
    denials = AuditEvent.objects.filter(action="deny", actor_username=client.account.username)
    assert sorted(denials.values_list("record_type", flat=True)) == [
        "care record", "child", "referral", "task",
    ]  # fmt: skip
    refused = AuditEvent.objects.filter(
        action="api_refused", actor_username=client.account.username
    )
    assert refused.count() == 4
    assert AuditEvent.objects.filter(action="view").count() == before
    search = fhir(
        "GET", "/fhir/R4/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919", secret
    )
    assert (search.status_code, search.json()["total"]) == (200, 0)


def test_a_call_without_the_scope_or_token_is_refused_as_an_outcome(
    alliance: Alliance, people: People
) -> None:
    _, secret = registered(people.admin, organisation(alliance, "kooth"), [Scope.WRITE_CONTACTS])
    child = kooth_child(alliance)
    assert fhir("GET", f"/fhir/R4/Patient/{child.uuid}", secret).status_code == 403
    assert fhir("GET", f"/fhir/R4/Patient/{child.uuid}", None).status_code == 401
    assert fhir("GET", f"/fhir/R4/Patient/{child.uuid}", "od_nonsense").status_code == 401
    assert AuditEvent.objects.filter(action="deny", record_type="api call").count() == 3


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/R4/Patient/not-a-uuid",
        "/fhir/R4/Patient",
        "/fhir/R4/Patient?identifier=9434765919",
        "/fhir/R4/Patient?name=Kai",
        "/fhir/R4/Encounter?subject=Patient/nonsense",
        "/fhir/R4/Task?_count=0",
    ],
)
def test_a_bad_read_is_a_4xx_outcome(alliance: Alliance, people: People, path: str) -> None:
    _, secret = registered(people.admin, organisation(alliance, "kooth"), [Scope.READ_CASES])
    answer = fhir("GET", path, secret)
    assert answer.status_code in (400, 404)
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_a_referrers_system_reads_the_service_requests_it_made_and_no_more(
    alliance: Alliance, people: People
) -> None:
    gp, secret = registered(
        people.admin,
        organisation(alliance, "childrens-social-care"),
        [Scope.SUBMIT_REFERRALS, Scope.READ_REFERRALS],
    )
    own = Referral.objects.get(child=make_child(alliance, "Own", referred_by=gp.account))
    other = Referral.objects.get(child=make_child(alliance, "Other"))
    assert fhir("GET", f"/fhir/R4/ServiceRequest/{own.uuid}", secret).status_code == 200
    assert fhir("GET", f"/fhir/R4/ServiceRequest/{other.uuid}", secret).status_code == 404
    assert fhir("GET", f"/fhir/R4/Patient/{own.child.uuid}", secret).status_code == 403


# A referral sent as a transaction Bundle


def gp_bundle(**changes: Any) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": PATIENT_URL,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": resources.NHS_NUMBER, "value": "943 476 5919"}],
                    "name": [{"use": "official", "family": "Okafor", "given": ["Ada"]}],
                    "gender": "female",
                    "birthDate": "2012-05-01",
                    "address": [{"use": "home", "line": ["2 Dock Road"], "city": "Chatham",
                                 "postalCode": "me44ab"}],
                    "extension": [
                        {
                            "url": resources.ETHNIC_CATEGORY,
                            "valueCodeableConcept": {
                                "coding": [{"system": resources.ETHNIC_CATEGORY_CODES, "code": "N"}]
                            },
                        }
                    ],
                    "generalPractitioner": [
                        {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                        "value": "Z99999"}, "display": "Dock Surgery"}
                    ],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:7d1f3b80-0c39-4a55-9b5e-2f6a7c3e0b22",
                "resource": {
                    "resourceType": "Practitioner",
                    "name": [{"family": "Shah", "given": ["Priya"], "prefix": ["Dr"]}],
                    "telecom": [{"system": "email", "value": "priya.shah@nhs.net"}],
                },
                "request": {"method": "POST", "url": "Practitioner"},
            },
            {
                "fullUrl": "urn:uuid:0e4c5a1b-9f7d-4b2a-8c61-5d3e2f1a0b33",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "identifier": [{"system": "https://gp.example/referrals", "value": "R-1001"}],
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": PATIENT_URL},
                    "requester": {"reference": "urn:uuid:7d1f3b80-0c39-4a55-9b5e-2f6a7c3e0b22"},
                    "reasonCode": [{"text": "Anxiety stopping her going to school."}],
                    "note": [{"text": "Mum is supportive."}],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
            {
                "fullUrl": "urn:uuid:1a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c44",
                "resource": {
                    "resourceType": "Consent",
                    "status": "active",
                    "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment"}]},
                    "category": [{"text": "Consent to the referral"}],
                    "patient": {"reference": PATIENT_URL},
                    "performer": [{"reference": PATIENT_URL}],
                    "policyRule": {"text": "Referral to the alliance"},
                    "provision": {"type": "permit", "action": [
                        {"coding": [{"system": CONSENT_ACTION, "code": "disclose"}]}]},
                },
                "request": {"method": "POST", "url": "Consent"},
            },
        ],
    }  # fmt: skip
    for path, value in changes.items():
        index, _, field = path.partition(".")
        bundle["entry"][int(index)]["resource"][field] = value
    return bundle


def test_a_gp_bundle_reads_as_the_forms_answers() -> None:
    received = read_bundle(gp_bundle(), TODAY)
    answers = received.answers
    assert received.key == "https://gp.example/referrals|R-1001"
    assert (answers.route, answers.source, answers.given_name, answers.family_name) == (
        Route.PROFESSIONAL, Source.GP, "Ada", "Okafor",
    )  # fmt: skip
    assert (answers.date_of_birth, answers.gender, answers.ethnicity, answers.nhs_number) == (
        date(2012, 5, 1), "female", "N", "9434765919",
    )  # fmt: skip
    assert (answers.postcode, answers.address_line_1, answers.town) == (
        "ME4 4AB", "2 Dock Road", "Chatham",
    )  # fmt: skip
    assert (answers.gp_ods_code, answers.gp_practice) == ("Z99999", "Dock Surgery")
    assert (answers.referrer_name, answers.referrer_email, answers.referrer_role) == (
        "Priya Shah", "priya.shah@nhs.net", "GP",
    )  # fmt: skip
    assert answers.reasons == "Anxiety stopping her going to school.\n\nMum is supportive."
    assert (answers.consent_to_refer, answers.consent_given_by, answers.competence) == (
        True, "young_person", "to_confirm",
    )  # fmt: skip
    assert answers.consent_to_share is True


def test_a_risk_indicator_the_gp_codes_reaches_the_referral() -> None:
    reasons = [{"coding": [{"system": "https://onedoor.invalid/CodeSystem/risk-indicator",
                            "code": "self_harm"}], "text": "Cutting."}]  # fmt: skip
    received = read_bundle(gp_bundle(**{"2.reasonCode": reasons}), TODAY)
    assert received.answers.risk_indicators == ("self_harm",)


def _faults(bundle: Any) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as error:
        read_bundle(bundle, TODAY)
    return [(fault.where, fault.message) for fault in error.value.faults]


def test_a_bundle_that_is_not_a_referral_names_every_fault() -> None:
    unknown_field = gp_bundle() | {"note": 1}
    assert _faults(unknown_field) == [("Bundle.note", "Extra inputs are not permitted")]
    bundle = gp_bundle(**{"0.birthDate": "2031-01-01", "2.reasonCode": [], "2.note": []})
    bundle["entry"][0]["resource"]["identifier"][0]["value"] = "9434765918"
    assert _faults(bundle) == [
        ("Bundle.entry[0].resource.birthDate", "Date of birth must be in the past"),
        ("Bundle.entry[2].resource.reasonCode",
         "Say why you are referring (reasonCode text or note)"),
        ("Bundle.entry[0].resource.identifier",
         "This is not an NHS number that could have been issued: the last digit is a check"
         " digit, and it does not fit the nine before it (check for a mistyped digit, or two"
         " digits the wrong way round)"),
    ]  # fmt: skip


def test_the_consent_of_a_young_person_under_12_alone_is_refused() -> None:
    assert _faults(gp_bundle(**{"0.birthDate": "2016-01-01"})) == [
        (
            "Bundle.entry[3].resource.performer",
            "Under 12, a young person cannot send a referral on their own consent: a parent or"
            " carer, or a professional who knows them, needs to be involved.",
        )
    ]


def test_a_gp_bundle_makes_exactly_one_referral_however_often_it_is_sent(
    alliance: Alliance, people: People
) -> None:
    gp, secret = registered(
        people.admin, organisation(alliance, "childrens-social-care"), [Scope.SUBMIT_REFERRALS]
    )
    first = fhir("POST", "/fhir/R4/", secret, gp_bundle())
    assert first.status_code == 201
    referral = Referral.objects.get()
    assert first["Location"] == f"http://testserver/fhir/R4/ServiceRequest/{referral.uuid}"
    reply = parsed(Bundle, first.json())
    assert reply["type"] == "transaction-response"
    assert [entry["response"] for entry in reply["entry"]] == [
        {"status": "201 Created", "location": f"Patient/{referral.child.uuid}"},
        {"status": "201 Created"},
        {"status": "201 Created", "location": f"ServiceRequest/{referral.uuid}"},
        {"status": "201 Created"},
    ]
    assert (referral.referred_by, referral.source, referral.route) == (
        gp.account,
        "gp",
        "professional",
    )
    assert (referral.child.nhs_number, referral.child.given_name) == ("9434765919", "Ada")
    assert referral.gp_practice is None and referral.gp_practice_not_listed == "Dock Surgery"
    again = fhir("POST", "/fhir/R4/", secret, gp_bundle())
    assert again.status_code == 200
    assert again.json()["entry"][2]["response"] == {
        "status": "200 OK",
        "location": f"ServiceRequest/{referral.uuid}",
    }
    assert (Referral.objects.count(), Child.objects.filter(nhs_number="9434765919").count()) == (
        1,
        1,
    )


def test_the_same_identifier_with_another_referral_is_a_409(
    alliance: Alliance, people: People
) -> None:
    _, secret = registered(
        people.admin, organisation(alliance, "childrens-social-care"), [Scope.SUBMIT_REFERRALS]
    )
    assert fhir("POST", "/fhir/R4/", secret, gp_bundle()).status_code == 201
    other = fhir("POST", "/fhir/R4/", secret, gp_bundle(**{"2.note": [{"text": "Other"}]}))
    assert other.status_code == 409
    assert other.json()["issue"][0]["code"] == "conflict"
    assert (Referral.objects.count(), ApiSubmission.objects.count()) == (1, 1)
    assert AuditEvent.objects.filter(action="api_refused").count() == 1


def _invalid_nhs_number() -> dict[str, Any]:
    bundle = gp_bundle()
    bundle["entry"][0]["resource"]["identifier"][0]["value"] = "9434765918"
    return bundle


def _no_patient() -> dict[str, Any]:
    bundle = gp_bundle()
    del bundle["entry"][0]
    return bundle


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        (b"{not json", 400, None),
        ({"resourceType": "Patient"}, 400, "Bundle"),
        (gp_bundle() | {"type": "collection"}, 400, "Bundle.type"),
        ([1, 2], 400, "Bundle"),
        (_no_patient(), 422, "Bundle.entry"),
        (_invalid_nhs_number(), 422, "Bundle.entry[0].resource.identifier"),
        (gp_bundle(**{"0.birthDate": "2012-02-30"}), 400, "Bundle.entry[0].resource.birthDate"),
        (gp_bundle(**{"2.subject": {"reference": "Patient/123"}}), 422,
         "Bundle.entry[2].resource.subject"),
        (gp_bundle(**{"0.address": [{"postalCode": "nowhere"}]}), 422,
         "Bundle.entry[0].resource.address"),
        (gp_bundle(**{"3.status": "rejected"}), 422, "Bundle.entry"),
        (gp_bundle(**{"2.identifier": []}), 422, "Bundle.entry[2].resource.identifier"),
    ],
)  # fmt: skip
def test_a_bad_bundle_is_a_4xx_outcome_and_writes_nothing(
    alliance: Alliance, people: People, body: Any, status: int, where: str | None
) -> None:
    _, secret = registered(
        people.admin, organisation(alliance, "childrens-social-care"), [Scope.SUBMIT_REFERRALS]
    )
    answer = fhir("POST", "/fhir/R4/", secret, body)
    assert answer.status_code == status
    outcome = parsed(OperationOutcome, answer.json())
    if where is not None:
        assert where in [issue.get("expression", [""])[0] for issue in outcome["issue"]]
    assert (Referral.objects.count(), Child.objects.count(), ApiSubmission.objects.count()) == (
        0,
        0,
        0,
    )
    assert AuditEvent.objects.filter(action="api_refused").count() == 1


def test_a_bundle_needs_the_submit_scope_and_json(alliance: Alliance, people: People) -> None:
    _, reader = registered(people.admin, organisation(alliance, "kooth"), [Scope.READ_CASES])
    assert fhir("POST", "/fhir/R4/", reader, gp_bundle()).status_code == 403
    _, secret = registered(
        people.admin, organisation(alliance, "childrens-social-care"), [Scope.SUBMIT_REFERRALS]
    )
    as_form = fhir(
        "POST", "/fhir/R4/", secret, "a=1", content_type="application/x-www-form-urlencoded"
    )
    assert as_form.status_code == 415
    assert fhir("GET", "/fhir/R4/", secret).status_code == 405
    assert not Referral.objects.exists()


def test_reading_a_bundle_never_changes_what_was_sent() -> None:
    bundle = gp_bundle()
    kept = copy.deepcopy(bundle)
    read_bundle(bundle, TODAY)
    assert bundle == kept


def test_every_fhir_address_but_metadata_takes_a_token(alliance: Alliance) -> None:
    from django.urls import get_resolver

    from onedoor.fhir.urls import urlpatterns

    assert "fhir" in get_resolver().namespace_dict
    refused = {}
    for pattern in urlpatterns:
        path = "/fhir/R4/" + str(pattern.pattern).replace("<str:id>", "x")
        method = "POST" if pattern.name == "transaction" else "GET"
        answer = fhir(method, path, None, gp_bundle() if method == "POST" else None)
        refused[pattern.name] = (answer.status_code, answer.json()["resourceType"])
    assert refused.pop("metadata") == (200, "CapabilityStatement")
    assert set(refused.values()) == {(401, "OperationOutcome")}
    assert len(refused) == 13


def test_a_signed_in_session_is_no_way_into_the_fhir_adapter(
    alliance: Alliance, people: People
) -> None:
    from tests.personas import sign_in

    kai = make_child(alliance, "Kai", allocated_to="kooth")
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, people.kooth_lead)
    response = browser.get(f"/fhir/R4/Patient/{kai.uuid}")
    assert (response.status_code, response["Content-Type"]) == (401, "application/fhir+json")
    assert response.json()["issue"][0]["code"] == "login"
    assert "Kai" not in response.content.decode()


def test_each_search_runs_a_fixed_number_of_queries_whatever_it_finds(
    alliance: Alliance, people: People
) -> None:
    """A searchset costs the same at one match and at four (no query per resource)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, secret = registered(people.admin, organisation(alliance, "kooth"), [Scope.READ_CASES])
    fhir("GET", "/fhir/R4/Task", secret)  # the token's first use is written down once
    counts: dict[str, list[int]] = {}
    for size in (1, 4):
        children = [kooth_child(alliance, f"Kai{size}{n}") for n in range(size)]
        referral = Referral.objects.get(child=children[0])
        for _ in range(size):
            a_contact(referral, people)
            a_measure(referral, people)
        subject = f"Patient/{children[0].uuid}"
        for search in (
            "Task",
            f"ServiceRequest?patient={subject}",
            f"Encounter?subject={subject}",
            f"Observation?subject={subject}",
            f"QuestionnaireResponse?subject={subject}",
        ):
            with CaptureQueriesContext(connection) as queries:
                response = fhir("GET", f"/fhir/R4/{search}", secret)
            assert response.status_code == 200, search
            counts.setdefault(search.split("?")[0], []).append(len(queries))
    for search, (few, many) in counts.items():
        assert few == many, (search, few, many)
