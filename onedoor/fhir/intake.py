"""A referral sent as a FHIR transaction Bundle, as a GP system sends one, read into the
referral form's own answers (`ReferralAnswers`, professional route, source GP) and checked
as the form checks them: every fault is named by where it is in the Bundle, and nothing is
guessed. Pure but for the day it is (`today`), so every rule is tested without HTTP.

The Bundle holds one Patient (the child) and one ServiceRequest whose subject is that
Patient (by its fullUrl), the ServiceRequest's identifier from the sender's own system (the
key that makes sending it again harmless), its requester (a Practitioner, or a
PractitionerRole with the practitioner and their organisation), the reasons (reasonCode's
text and note), and one Consent to the referral, given by the young person (performer: the
Patient) or by an adult (a RelatedPerson). Parents and carers are RelatedPersons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from onedoor.children import nhs_number
from onedoor.children.models import Ethnicity, Gender
from onedoor.children.postcode import normalise_postcode
from onedoor.fhir.resources import (
    ETHNIC_CATEGORY,
    ETHNIC_CATEGORY_CODES,
    NHS_NUMBER,
    OURS,
)
from onedoor.referrals import consent as rules
from onedoor.referrals.answers import CarerAnswers, ReferralAnswers
from onedoor.referrals.eligibility import age_on
from onedoor.referrals.form_parts import OLDEST
from onedoor.referrals.models import RISK_INDICATORS, Route, Source

ODS_CODE = "https://fhir.nhs.uk/Id/ods-organization-code"
# UK Core's earlier ethnic category code system, whose codes A to Z are the same categories.
OLDER_ETHNIC_CATEGORY_CODES = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategory"
RISK_INDICATOR = OURS + "CodeSystem/risk-indicator"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
MAX_KEY_LENGTH = 100

FROM_GENDER = {
    "female": Gender.FEMALE,
    "male": Gender.MALE,
    "other": Gender.SELF_DESCRIBED,
    "unknown": Gender.NOT_STATED,
}


@dataclass(frozen=True)
class Fault:
    """What is wrong, and where (a FHIRPath-like expression into the Bundle)."""

    where: str
    message: str


class Invalid(Exception):
    """The Bundle cannot be read as a referral: every fault found."""

    def __init__(self, faults: list[Fault], status: int = 422) -> None:
        super().__init__(faults[0].message)
        self.faults = faults
        self.status = status  # 400: not a transaction Bundle at all; 422: not a referral


@dataclass(frozen=True)
class Received:
    key: str  # the sender's identifier of the referral: sending it again is the same referral
    answers: ReferralAnswers
    gp_practice_code: str  # the ODS code the Patient names, "" when none


def _where(location: tuple[int | str, ...]) -> str:
    text = "Bundle"
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _shape(data: Any) -> None:
    """The Bundle is an R4 transaction Bundle (the R4B models' rules, ADR 22)."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise Invalid([Fault("Bundle", "Send a Bundle (resourceType Bundle)")], 400)
    if data.get("type") != "transaction":
        raise Invalid([Fault("Bundle.type", "Send the referral as a transaction Bundle")], 400)
    try:
        Bundle.model_validate(data)
    except ValidationError as error:
        raise Invalid(
            [
                Fault(_where(tuple(item["loc"])), str(item["msg"]))
                for item in error.errors(include_url=False)
            ],
            400,
        ) from None


class _Reader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.faults: list[Fault] = []
        self.by_url: dict[str, tuple[int, dict[str, Any]]] = {}
        self.of_type: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
        for index, entry in enumerate(data.get("entry") or []):
            resource = entry.get("resource") or {}
            url = entry.get("fullUrl") or ""
            if url:
                self.by_url[url] = (index, resource)
            self.of_type.setdefault(resource.get("resourceType", ""), []).append(
                (index, url, resource)
            )

    def fault(self, where: str, message: str) -> None:
        self.faults.append(Fault(where, message))

    def one(self, kind: str) -> tuple[str, str, dict[str, Any]] | None:
        """Where the one resource of `kind` is, its fullUrl, and itself."""
        found = self.of_type.get(kind, [])
        if len(found) != 1:
            self.fault("Bundle.entry", f"The Bundle must hold exactly one {kind}")
            return None
        index, url, resource = found[0]
        return f"Bundle.entry[{index}].resource", url, resource

    def referenced(self, reference: Any, kind: str) -> dict[str, Any] | None:
        """The resource of `kind` in the Bundle that a Reference points to, by fullUrl."""
        target = (reference or {}).get("reference", "")
        found = self.by_url.get(target)
        if found is None or found[1].get("resourceType") != kind:
            return None
        return found[1]


def _name(resource: dict[str, Any]) -> tuple[str, str]:
    names = resource.get("name") or []
    if isinstance(names, dict):  # an Organization's name is one string, handled apart
        return "", ""
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = " ".join(official.get("given") or [])
    return given.strip(), (official.get("family") or "").strip()


def _telecom(resource: dict[str, Any], system: str) -> str:
    return next(
        (t.get("value", "") for t in resource.get("telecom") or [] if t.get("system") == system),
        "",
    )


def _ethnicity(reader: _Reader, where: str, patient: dict[str, Any]) -> str:
    for extension in patient.get("extension") or []:
        if extension.get("url") != ETHNIC_CATEGORY:
            continue
        for coding in (extension.get("valueCodeableConcept") or {}).get("coding") or []:
            if coding.get("system") in (ETHNIC_CATEGORY_CODES, OLDER_ETHNIC_CATEGORY_CODES):
                code = coding.get("code", "")
                if code == "99":  # not known
                    return Ethnicity.Z
                if code in Ethnicity.values:
                    return code
                reader.fault(f"{where}.extension", f"{code!r} is not an ethnic category code")
    return Ethnicity.Z


def _nhs_number(reader: _Reader, where: str, patient: dict[str, Any]) -> str:
    numbers = [i for i in patient.get("identifier") or [] if i.get("system") == NHS_NUMBER]
    if len(numbers) > 1:
        reader.fault(f"{where}.identifier", "Give the NHS number once")
    if not numbers:
        return ""
    number = nhs_number.normalise(numbers[0].get("value", ""))
    problem = nhs_number.problem(number)
    if problem is not None:
        reader.fault(f"{where}.identifier", problem)
        return ""
    return number


def _date_of_birth(
    reader: _Reader, where: str, patient: dict[str, Any], today: date
) -> date | None:
    text = patient.get("birthDate") or ""
    try:
        born = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        born = None
    if born is None:
        reader.fault(f"{where}.birthDate", "Give the date of birth as a full date, YYYY-MM-DD")
        return None
    if born > today:
        reader.fault(f"{where}.birthDate", "Date of birth must be in the past")
        return None
    if age_on(born, today) > OLDEST:
        reader.fault(
            f"{where}.birthDate", f"This date of birth would make them older than {OLDEST}"
        )
        return None
    return born


def _address(reader: _Reader, where: str, patient: dict[str, Any]) -> dict[str, str]:
    addresses = patient.get("address") or []
    home = next((a for a in addresses if a.get("use") == "home"), addresses[0] if addresses else {})
    postcode = normalise_postcode(home.get("postalCode") or "")
    if postcode is None:
        reader.fault(f"{where}.address", "Give the child's home postcode, a full UK postcode")
    lines = [line.strip() for line in home.get("line") or [] if line.strip()]
    return {
        "address_line_1": lines[0] if lines else "",
        "address_line_2": ", ".join(lines[1:]),
        "town": (home.get("city") or "").strip(),
        "postcode": postcode or "",
    }


def _practice(patient: dict[str, Any]) -> tuple[str, str]:
    """The GP practice the Patient names: its ODS code, and its name (or the code)."""
    for practice in patient.get("generalPractitioner") or []:
        identifier = practice.get("identifier") or {}
        if identifier.get("system") == ODS_CODE and identifier.get("value"):
            code = identifier["value"].strip().upper()
            return code, (practice.get("display") or code).strip()
        if practice.get("display"):
            return "", practice["display"].strip()
    return "", ""


def _referrer(reader: _Reader, where: str, request: dict[str, Any]) -> dict[str, str]:
    requester = request.get("requester") or {}
    practitioner = reader.referenced(requester, "Practitioner")
    organisation: dict[str, Any] | None = None
    role = reader.referenced(requester, "PractitionerRole")
    if role is not None:
        practitioner = reader.referenced(role.get("practitioner"), "Practitioner")
        organisation = reader.referenced(role.get("organization"), "Organization")
    given, family = _name(practitioner) if practitioner else ("", "")
    name = " ".join(part for part in (given, family) if part) or requester.get("display", "")
    if not name.strip():
        reader.fault(
            f"{where}.requester",
            "Name who is referring: a Practitioner (or PractitionerRole) in the Bundle",
        )
    contact = practitioner or {}
    return {
        "referrer_name": name.strip(),
        "referrer_role": "GP",
        "referrer_organisation": ((organisation or {}).get("name") or "").strip(),
        "referrer_email": _telecom(contact, "email"),
        "referrer_phone": _telecom(contact, "phone"),
    }


def _key(reader: _Reader, where: str, data: dict[str, Any], request: dict[str, Any]) -> str:
    identifiers = request.get("identifier") or []
    value = identifiers[0].get("value", "") if identifiers else ""
    if identifiers and identifiers[0].get("system"):
        value = f"{identifiers[0]['system']}|{value}"
    if not value:
        value = (data.get("identifier") or {}).get("value", "")
    value = value.strip()
    if not value:
        reader.fault(
            f"{where}.identifier",
            "Give the ServiceRequest the identifier your system knows it by (or the Bundle"
            " an identifier): sending it again is then the same referral",
        )
    elif len(value) > MAX_KEY_LENGTH:
        reader.fault(f"{where}.identifier", f"An identifier may be {MAX_KEY_LENGTH} characters")
    return value


def _reasons(reader: _Reader, where: str, request: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    texts: list[str] = []
    indicators: list[str] = []
    for concept in request.get("reasonCode") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") != RISK_INDICATOR:
                continue
            if coding.get("code") not in RISK_INDICATORS:
                reader.fault(f"{where}.reasonCode", f"{coding.get('code')!r} is no risk indicator")
            elif coding["code"] not in indicators:
                indicators.append(coding["code"])
        if concept.get("text"):
            texts.append(concept["text"].strip())
    texts += [note["text"].strip() for note in request.get("note") or [] if note.get("text")]
    reasons = "\n\n".join(text for text in texts if text)
    if not reasons:
        reader.fault(f"{where}.reasonCode", "Say why you are referring (reasonCode text or note)")
    return reasons, tuple(indicators)


def _carers(reader: _Reader) -> tuple[CarerAnswers, ...]:
    carers = []
    for _, _, person in reader.of_type.get("RelatedPerson", []):
        given, family = _name(person)
        relationship = next(
            (
                concept.get("text") or (concept.get("coding") or [{}])[0].get("display", "")
                for concept in person.get("relationship") or []
            ),
            "",
        )
        carers.append(
            CarerAnswers(
                name=" ".join(part for part in (given, family) if part),
                relationship=relationship or "parent or carer",
                phone=_telecom(person, "phone"),
                email=_telecom(person, "email"),
            )
        )
    return tuple(carers)


def _consent(reader: _Reader, patient_url: str, age: int | None) -> dict[str, Any]:
    """The consent to refer, as the form records it: given by the young person (under 16,
    their competence for the triage team to confirm), or by an adult whose parental
    responsibility the Bundle does not say (so triage is warned to check). Its rules by age
    wait for a date of birth that can be read (`age` None)."""
    found = reader.of_type.get("Consent", [])
    refused = {"consent_to_refer": False, "consent_given_by": ""}
    if len(found) != 1 or found[0][2].get("status") != "active":
        reader.fault("Bundle.entry", "The Bundle must hold one active Consent to the referral")
        return refused
    index, _, consent = found[0]
    where = f"Bundle.entry[{index}].resource"
    if (consent.get("patient") or {}).get("reference") != patient_url:
        reader.fault(f"{where}.patient", "The Consent must be the Patient's")
        return refused
    performers = consent.get("performer") or []
    target = performers[0].get("reference", "") if len(performers) == 1 else ""
    if target == patient_url:
        person = rules.YOUNG_PERSON
    elif reader.referenced(performers[0] if performers else None, "RelatedPerson") is not None:
        person = rules.PARENT_CARER
    else:
        reader.fault(
            f"{where}.performer",
            "Say who consented: the Patient, or a RelatedPerson in the Bundle",
        )
        return refused
    given_by = rules.given_by_for(person=person, parental_responsibility=rules.PR_NOT_KNOWN)
    if age is None:
        return refused
    under_16_self = person == rules.YOUNG_PERSON and age < rules.SELF_CONSENT_AGE
    competence = rules.TO_CONFIRM if under_16_self else ""
    problem = rules.consent_problem(
        age=age,
        consent_to_refer=True,
        given_by=given_by,
        judged_competent=None,
        competence=competence,
    )
    if problem is not None:
        reader.fault(f"{where}.performer", problem)
        return refused
    provision = consent.get("provision") or {}
    shares = provision.get("type") == "permit" and any(
        coding.get("system") == CONSENT_ACTION and coding.get("code") == "disclose"
        for action in provision.get("action") or []
        for coding in action.get("coding") or []
    )
    return {
        "consent_to_refer": True,
        "consent_given_by": given_by,
        "competence": competence,
        "consent_parental_responsibility": "" if person == rules.YOUNG_PERSON else "not_known",
        "consent_to_share": shares,
    }


def read_bundle(data: Any, today: date) -> Received:
    """The referral a transaction Bundle sends, or `Invalid` with every fault found."""
    _shape(data)
    reader = _Reader(data)
    found_patient, found_request = reader.one("Patient"), reader.one("ServiceRequest")
    if found_patient is None or found_request is None:
        raise Invalid(reader.faults)
    patient_where, patient_url, patient = found_patient
    request_where, _, request = found_request
    if not patient_url or (request.get("subject") or {}).get("reference") != patient_url:
        reader.fault(
            f"{request_where}.subject",
            "The ServiceRequest's subject must be the Patient in the Bundle, by its fullUrl",
        )
    given, family = _name(patient)
    if not given or not family:
        reader.fault(f"{patient_where}.name", "Give the child's given and family names")
    born = _date_of_birth(reader, patient_where, patient, today)
    gender = FROM_GENDER.get(patient.get("gender") or "unknown")
    if gender is None:
        reader.fault(f"{patient_where}.gender", "Gender is female, male, other or unknown")
    address = _address(reader, patient_where, patient)
    practice_code, practice = _practice(patient)
    key = _key(reader, request_where, data, request)
    referrer = _referrer(reader, request_where, request)
    reasons, indicators = _reasons(reader, request_where, request)
    consent = _consent(reader, patient_url, age_on(born, today) if born else None)
    ethnicity = _ethnicity(reader, patient_where, patient)
    number = _nhs_number(reader, patient_where, patient)
    if reader.faults or born is None:
        raise Invalid(reader.faults)
    fields: dict[str, Any] = {**address, **referrer, **consent}
    answers = ReferralAnswers(
        route=Route.PROFESSIONAL,
        source=Source.GP,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        gender=gender or Gender.NOT_STATED,
        ethnicity=ethnicity,
        nhs_number=number,
        gp_practice=practice,
        gp_ods_code=practice_code,
        young_person_phone=_telecom(patient, "phone"),
        young_person_email=_telecom(patient, "email"),
        carers=_carers(reader),
        reasons=reasons,
        risk_indicators=indicators,
        **fields,
    )
    return Received(key=key, answers=answers, gp_practice_code=practice_code)
