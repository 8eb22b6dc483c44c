"""FHIR R4 resources from OneDoor's records: pure mapping functions that know nothing of HTTP
or of who asks (the views read through the access layer first). Each builds its resource
with the R4B models of `fhir.resources`, whose shapes are R4's for every resource here
(ADR 22), following the UK Core profiles where they exist: the NHS number's identifier
system and verification status, the ethnic category extension, each resource's profile in
`meta.profile`. A resource's id is the record's UUID."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from onedoor.alliance.models import Organisation
from onedoor.care.models import Contact, Transition
from onedoor.children.models import Child, Ethnicity, Gender
from onedoor.outcomes.measures import get_measure
from onedoor.outcomes.models import MeasureResponse, Respondent
from onedoor.outcomes.scoring import Result
from onedoor.referrals.models import Referral, Status

FHIR_VERSION = "4.0.1"

NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"
NHS_NUMBER_VERIFICATION = UK_CORE + "Extension-UKCore-NHSNumberVerificationStatus"
NHS_NUMBER_VERIFICATION_CODES = (
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)
ETHNIC_CATEGORY = UK_CORE + "Extension-UKCore-EthnicCategory"
# The NHS Data Dictionary's ethnic categories, A to Z: OneDoor's `children.Ethnicity`.
ETHNIC_CATEGORY_CODES = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"

# OneDoor's own identifiers and codes, where no national one exists.
OURS = "https://onedoor.invalid/"
REFERRAL_REFERENCE = OURS + "Id/referral-reference"
ORGANISATION = OURS + "Id/organisation"
REFERRAL_STATUS = OURS + "CodeSystem/referral-status"
REFERRAL_STATUS_EXTENSION = OURS + "StructureDefinition/referral-status"
TASK_KIND = OURS + "CodeSystem/task-kind"
CONTACT_OUTCOME = OURS + "CodeSystem/contact-outcome"
OUTCOME_MEASURE = OURS + "CodeSystem/outcome-measure"
MEASURE_SUBSCALE = OURS + "CodeSystem/outcome-measure-subscale"
QUESTIONNAIRE = OURS + "Questionnaire/"

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
UCUM = "http://unitsofmeasure.org"

GENDER = {
    Gender.FEMALE: "female",
    Gender.MALE: "male",
    Gender.NON_BINARY: "other",
    Gender.SELF_DESCRIBED: "other",
    Gender.NOT_STATED: "unknown",
}

# A referral's status as a ServiceRequest's: still being worked on (active), waiting for
# more information (on-hold), finished with (completed), or turned away (revoked).
SERVICE_REQUEST_STATUS = {
    Status.MORE_INFORMATION: "on-hold",
    Status.SIGNPOSTED: "completed",
    Status.STEPPED_UP: "completed",
    Status.SAFEGUARDING_REFERRAL: "completed",
    Status.DISCHARGED: "completed",
    Status.JOINED: "completed",
    Status.NOT_ACCEPTED: "revoked",
}

ENCOUNTER_STATUS = {
    Contact.Outcome.ATTENDED: "finished",
    Contact.Outcome.DID_NOT_ATTEND: "cancelled",
    Contact.Outcome.CANCELLED_BY_YOUNG_PERSON: "cancelled",
    Contact.Outcome.CANCELLED_BY_SERVICE: "cancelled",
}
# Face to face is ambulatory care; any other mode is a virtual encounter.
ENCOUNTER_CLASS = {Contact.Mode.FACE_TO_FACE: ("AMB", "ambulatory")}
VIRTUAL = ("VR", "virtual")


def _profile(name: str) -> dict[str, list[str]]:
    return {"profile": [UK_CORE + f"UKCore-{name}"]}


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _patient_reference(child: Child) -> dict[str, str]:
    return {"reference": f"Patient/{child.uuid}"}


def _organisation_reference(organisation: Organisation) -> dict[str, Any]:
    return {
        "identifier": {"system": ORGANISATION, "value": organisation.slug},
        "display": organisation.name,
    }


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def patient(child: Child) -> Patient:
    """The child or young person, as a UK Core Patient. The NHS number is marked "present
    but not traced": OneDoor checks that it could have been issued, never traces it."""
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(child.uuid),
        "meta": _profile("Patient"),
        "extension": [
            {
                "url": ETHNIC_CATEGORY,
                "valueCodeableConcept": {
                    "coding": [
                        _coding(
                            ETHNIC_CATEGORY_CODES,
                            child.ethnicity,
                            str(Ethnicity(child.ethnicity).label),
                        )
                    ]
                },
            }
        ],
        "name": [{"use": "official", "family": child.family_name, "given": [child.given_name]}],
        "gender": GENDER[Gender(child.gender)],
        "birthDate": child.date_of_birth.isoformat(),
    }
    if child.nhs_number:
        data["identifier"] = [
            {
                "extension": [
                    {
                        "url": NHS_NUMBER_VERIFICATION,
                        "valueCodeableConcept": {
                            "coding": [
                                _coding(
                                    NHS_NUMBER_VERIFICATION_CODES,
                                    "02",
                                    "Number present but not traced",
                                )
                            ]
                        },
                    }
                ],
                "system": NHS_NUMBER,
                "value": child.nhs_number,
            }
        ]
    telecom = [
        {"system": system, "value": value, "use": "mobile" if system == "phone" else "home"}
        for system, value in (("phone", child.phone), ("email", child.email))
        if value
    ]
    if telecom:
        data["telecom"] = telecom
    lines = [line for line in (child.address_line_1, child.address_line_2) if line]
    if lines or child.town or child.postcode:
        address: dict[str, Any] = {"use": "home"}
        if lines:
            address["line"] = lines
        if child.town:
            address["city"] = child.town
        if child.postcode:
            address["postalCode"] = child.postcode
        data["address"] = [address]
    return Patient.model_validate(data)


def service_request(referral: Referral) -> ServiceRequest:
    """A referral: for whom, from whom, why, to which partner, and where it has got to (the
    FHIR status, and OneDoor's own in an extension)."""
    data: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.uuid),
        "meta": _profile("ServiceRequest"),
        "extension": [
            {
                "url": REFERRAL_STATUS_EXTENSION,
                "valueCoding": _coding(
                    REFERRAL_STATUS, referral.status, str(Status(referral.status).label)
                ),
            }
        ],
        "identifier": [{"system": REFERRAL_REFERENCE, "value": referral.reference}],
        "status": SERVICE_REQUEST_STATUS.get(Status(referral.status), "active"),
        "intent": "order",
        "subject": _patient_reference(referral.child),
        "authoredOn": _instant(referral.received_at),
    }
    requester = ", ".join(
        part for part in (referral.referrer_name, referral.referrer_organisation) if part
    )
    if requester:
        data["requester"] = {"display": requester}
    if referral.allocated_organisation is not None:
        data["performer"] = [_organisation_reference(referral.allocated_organisation)]
    if referral.reasons:
        data["reasonCode"] = [{"text": referral.reasons}]
    return ServiceRequest.model_validate(data)


def allocation_status(referral: Referral) -> str:
    """An allocation's Task status: waiting for the partner's answer (requested), taken on
    (accepted), being worked (in-progress) or finished (completed). A declined allocation
    leaves the partner, so it is no Task of theirs."""
    if referral.accepted_at is None:
        return "requested"
    if referral.status == Status.DISCHARGED:
        return "completed"
    if referral.status in (Status.IN_INTERVENTION, Status.IN_TRANSITION):
        return "in-progress"
    return "accepted"


def handover_status(transition: Transition) -> str:
    """A handover's Task status: declined (rejected), acknowledged (accepted), or waiting."""
    if transition.declined_at is not None:
        return "rejected"
    if transition.acknowledged_at is not None:
        return "accepted"
    return "requested"


def allocation_task(referral: Referral) -> Task:
    """The allocation of a referral to a partner, which it accepts or declines. Its id is the
    referral's (a Task and a ServiceRequest may share one)."""
    assert referral.allocated_organisation is not None and referral.allocated_at is not None
    data: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(referral.uuid),
        "meta": _profile("Task"),
        "status": allocation_status(referral),
        "intent": "order",
        "code": {"coding": [_coding(TASK_KIND, "allocation", "Allocation to a partner")]},
        "focus": {"reference": f"ServiceRequest/{referral.uuid}"},
        "for": _patient_reference(referral.child),
        "authoredOn": _instant(referral.allocated_at),
        "owner": _organisation_reference(referral.allocated_organisation),
    }
    if referral.accepted_at is not None:
        data["lastModified"] = _instant(referral.accepted_at)
    return Task.model_validate(data)


def handover_task(transition: Transition) -> Task:
    """A transition's handover, which the receiving side acknowledges (or, between partners,
    declines)."""
    referral = transition.referral
    data: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(transition.uuid),
        "meta": _profile("Task"),
        "status": handover_status(transition),
        "intent": "order",
        "code": {
            "coding": [
                _coding(TASK_KIND, "handover", "Handover"),
                _coding(
                    TASK_KIND,
                    f"handover-{transition.kind.replace('_', '-')}",
                    str(Transition.Kind(transition.kind).label),
                ),
            ]
        },
        "focus": {"reference": f"ServiceRequest/{referral.uuid}"},
        "for": _patient_reference(referral.child),
        "authoredOn": _instant(transition.sent_at),
        "owner": _organisation_reference(transition.receiving_organisation),
        "restriction": {"period": {"end": _instant(transition.due_at)}},
    }
    if transition.sending_organisation is not None:
        data["requester"] = _organisation_reference(transition.sending_organisation)
    if transition.acknowledged_at is not None:
        data["lastModified"] = _instant(transition.acknowledged_at)
    if transition.declined_at is not None and transition.decline_reason:
        data["statusReason"] = {"text": transition.decline_reason}
    return Task.model_validate(data)


def encounter(contact: Contact) -> Encounter:
    """A contact with the young person: when, how, for how long, and whether it happened."""
    klass = ENCOUNTER_CLASS.get(Contact.Mode(contact.mode), VIRTUAL)
    data: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": str(contact.uuid),
        "meta": _profile("Encounter"),
        "status": ENCOUNTER_STATUS[Contact.Outcome(contact.outcome)],
        "class": _coding(ACT_CODE, *klass),
        "type": [
            {
                "coding": [
                    _coding(
                        CONTACT_OUTCOME,
                        contact.outcome,
                        str(Contact.Outcome(contact.outcome).label),
                    )
                ],
                "text": str(Contact.Mode(contact.mode).label),
            }
        ],
        "subject": _patient_reference(contact.referral.child),
        "basedOn": [{"reference": f"ServiceRequest/{contact.referral.uuid}"}],
        "period": {"start": _instant(contact.happened_at)},
        "serviceProvider": _organisation_reference(contact.organisation),
    }
    if contact.duration_minutes is not None:
        data["length"] = {
            "value": contact.duration_minutes,
            "unit": "minutes",
            "system": UCUM,
            "code": "min",
        }
    return Encounter.model_validate(data)


def _measure_coding(response: MeasureResponse) -> dict[str, str]:
    measure = get_measure(response.measure)
    return _coding(OUTCOME_MEASURE, response.measure, measure.name if measure else "")


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return {"valueString": str(value)}
    return {"valueInteger": value} if isinstance(value, int) else {"valueDecimal": value}


def questionnaire_response(response: MeasureResponse) -> QuestionnaireResponse:
    """A completed outcome measure's answers, item by item (the items' keys, never their
    licensed wording). An item left unanswered has no answer."""
    items = []
    for key, value in response.answers.items():
        item: dict[str, Any] = {"linkId": str(key)}
        if value is not None:
            item["answer"] = [_answer(value)]
        items.append(item)
    data: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(response.uuid),
        "meta": _profile("QuestionnaireResponse"),
        "questionnaire": f"{QUESTIONNAIRE}{response.measure}|{response.measure_version}",
        "status": "completed",
        "subject": _patient_reference(response.referral.child),
        "basedOn": [{"reference": f"ServiceRequest/{response.referral.uuid}"}],
        "authored": _instant(response.recorded_at),
    }
    if response.completed_by == Respondent.YOUNG_PERSON:
        data["source"] = _patient_reference(response.referral.child)
    if items:
        data["item"] = items
    return QuestionnaireResponse.model_validate(data)


def _score(value: float | None) -> dict[str, Any]:
    if value is None:
        return {
            "dataAbsentReason": {"coding": [_coding(DATA_ABSENT, "not-performed", "Not Performed")]}
        }
    return {"valueQuantity": {"value": value}}


def observation(response: MeasureResponse) -> Observation:
    """A completed outcome measure's scores, as OneDoor scored them when it was saved: the
    measure as the code, its headline subscale as the value, every subscale a component
    (with its clinical band, when one applies)."""
    result = Result.from_json(response.scores)
    measure = get_measure(response.measure)
    headline = result.get(measure.headline) if measure else None
    components = []
    for score in result.scores:
        component: dict[str, Any] = {
            "code": {"coding": [_coding(MEASURE_SUBSCALE, score.slug, score.name)]},
            **_score(score.value),
        }
        if score.band:
            component["interpretation"] = [{"text": score.band}]
        components.append(component)
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(response.uuid),
        "meta": _profile("Observation"),
        "status": "final",
        "category": [{"coding": [_coding(OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": {"coding": [_measure_coding(response)]},
        "subject": _patient_reference(response.referral.child),
        "basedOn": [{"reference": f"ServiceRequest/{response.referral.uuid}"}],
        "effectiveDateTime": _instant(response.recorded_at),
        "derivedFrom": [{"reference": f"QuestionnaireResponse/{response.uuid}"}],
        **_score(headline.value if headline else None),
    }
    if components:
        data["component"] = components
    return Observation.model_validate(data)


SEARCHES: dict[str, list[tuple[str, str, str]]] = {
    "Patient": [("identifier", "token", "The NHS number: https://fhir.nhs.uk/Id/nhs-number|NNN")],
    "ServiceRequest": [("patient", "reference", "The child's Patient id")],
    "Task": [("owner", "reference", "The organisation's identifier (its slug)")],
    "Encounter": [("subject", "reference", "The child's Patient id")],
    "Observation": [("subject", "reference", "The child's Patient id")],
    "QuestionnaireResponse": [("subject", "reference", "The child's Patient id")],
}


def capability_statement(published: datetime) -> CapabilityStatement:
    """What the adapter serves: every resource read and searched as above, and a referral
    accepted as a transaction Bundle. Every call but this one needs a client's token."""
    resources = []
    for kind, params in SEARCHES.items():
        resources.append(
            {
                "type": kind,
                "profile": UK_CORE + f"UKCore-{kind}",
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": name, "type": type_, "documentation": words}
                    for name, type_, words in params
                ],
            }
        )
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": _instant(published),
            "publisher": "OneDoor",
            "kind": "instance",
            "software": {"name": "OneDoor FHIR adapter"},
            "implementation": {"description": "OneDoor's FHIR R4 adapter, at /fhir/R4/"},
            "fhirVersion": FHIR_VERSION,
            "format": ["application/fhir+json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "A client's bearer token (Authorization: Bearer od_...),"
                        " issued by the alliance's administrator for one organisation with"
                        " scopes: cases:read for the partner's records, referrals:read for"
                        " the referrals a referrer's system made, referrals:submit to send one."
                    },
                    "resource": resources,
                    "interaction": [{"code": "transaction"}],
                }
            ],
        }
    )
