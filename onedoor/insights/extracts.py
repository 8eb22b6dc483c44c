"""Record-level extracts for analysts: pseudonymised, never a name, NHS number, address,
postcode, date of birth or free text. A pseudonym is keyed (HMAC-SHA256 with
`PSEUDONYM_KEY`), so the same child has the same pseudonym in every extract and nobody without
the key can reverse or recompute it.

- `records`: one row per referral, for the alliance's own analysis.
- `mhsds_referrals`, `mhsds_care_contacts` and `mhsds_coded_scores`: rows shaped like the
  Mental Health Services Data Set's referral (MHS101), care contact (MHS201) and coded score
  assessment (MHS607) tables, with its code lists where OneDoor holds the same fact.
  Aligned, not certified: check the codes against the current MHSDS technical output
  specification before a submission.

Each extract is one SQL statement (`statement`), streamed (`COPY` on PostgreSQL, `CHUNK` rows
at a time on SQLite), so it runs one query and holds little whatever the alliance's size. The
statement gives the rows with their identifiers; Python makes the pseudonyms (the key never
reaches the database), each once: a child's rows come together (in the contacts and scores, a
referral's).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from onedoor.alliance.models import Alliance
from onedoor.care.models import Contact
from onedoor.clock import LONDON
from onedoor.referrals.eligibility import age_on

# Rows fetched from the database at a time: large enough that the round trips cost little,
# small enough that memory stays flat whatever the alliance's size.
CHUNK = 5000


def _key() -> bytes:
    if settings.PSEUDONYM_KEY:
        return str(settings.PSEUDONYM_KEY).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"onedoor pseudonyms", hashlib.sha256).digest()


# Base32 (RFC 4648) ten bits at a time: each entry is two characters.
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = [first + second for first in _BASE32 for second in _BASE32]


class Pseudonyms:
    """The keyed pseudonyms of one extract: the key is prepared once, not for every row."""

    def __init__(self) -> None:
        self._keyed = hmac.new(_key(), digestmod=hashlib.sha256)

    def __call__(self, kind: str, identifier: object) -> str:
        digest = self._keyed.copy()
        digest.update(f"{kind}:{identifier}".encode())
        # The first 16 characters of the digest's base32 are those of its first 10 bytes (80
        # bits), encoded here eight pairs at a time (`base64.b32encode` is slow Python).
        bits = int.from_bytes(digest.digest()[:10])
        pairs = _BASE32_PAIRS
        return (
            pairs[bits >> 70] + pairs[bits >> 60 & 1023] + pairs[bits >> 50 & 1023]
            + pairs[bits >> 40 & 1023] + pairs[bits >> 30 & 1023] + pairs[bits >> 20 & 1023]
            + pairs[bits >> 10 & 1023] + pairs[bits & 1023]
        )  # fmt: skip


def pseudonym(kind: str, identifier: object) -> str:
    """A stable, keyed pseudonym: 16 characters of base32."""
    return Pseudonyms()(kind, identifier)


def _day(moment: str | None) -> str:
    """The London day of a moment as the extract's statement gives it: already the day on
    PostgreSQL (converted in the statement), UTC text on SQLite (`YYYY-MM-DD HH:MM:SS...`),
    which is the London day too unless the hour is late enough for the offset to cross
    midnight (London is never behind UTC, nor more than two hours ahead)."""
    if not moment:
        return ""
    if moment[11:13] < "22":
        return moment[:10]
    return datetime.fromisoformat(moment).replace(tzinfo=UTC).astimezone(LONDON).date().isoformat()


def _age(born: str, day: str) -> str:
    return str(age_on(date.fromisoformat(born), date.fromisoformat(day)))


@dataclass(frozen=True)
class _Dialect:
    """What the two databases spell differently in the extracts' statements."""

    vendor: str

    def day(self, column: str) -> str:
        """A moment's London day (PostgreSQL); SQLite has no time zones: its UTC text, which
        `_day` turns into the day (text: a plain column would be parsed into a datetime by
        the driver, for each row)."""
        if self.vendor == "postgresql":
            return f"to_char({column} AT TIME ZONE 'Europe/London', 'YYYY-MM-DD')"
        return f"CAST({column} AS TEXT)"

    def date(self, column: str) -> str:
        if self.vendor == "postgresql":
            return f"to_char({column}, 'YYYY-MM-DD')"
        return f"CAST({column} AS TEXT)"

    def uuid(self, column: str) -> str:
        """A UUID as `str(uuid)` spells it (SQLite keeps 32 hex digits, no hyphens)."""
        if self.vendor == "postgresql":
            return f"{column}::text"
        return (
            f"substr({column}, 1, 8) || '-' || substr({column}, 9, 4) || '-' || "
            f"substr({column}, 13, 4) || '-' || substr({column}, 17, 4) || '-' || "
            f"substr({column}, 21)"
        )

    def words(self, column: str) -> str:
        """The column's values joined by spaces (in no set order on SQLite)."""
        if self.vendor == "postgresql":
            return f"string_agg({column}, ' ' ORDER BY {column})"
        return f"group_concat({column}, ' ')"

    def text(self, column: str) -> str:
        return f"{column}::text" if self.vendor == "postgresql" else column


def _stream(sql: str, alliance: Alliance) -> Generator[tuple[Any, ...], None, None]:
    """The statement's rows, never all at once: on PostgreSQL a `COPY ... TO STDOUT`, which
    the server sends while Python shapes the rows already come (each value as text, NULL as
    None); on SQLite `CHUNK` rows at a time. A download given up halfway cancels the `COPY`
    on the server, which fails its transaction; the `COPY` runs in its own atomic block so
    that failure ends there (its own savepoint inside a caller's transaction)."""
    params = {"alliance": alliance.pk}
    if connection.vendor == "postgresql":
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy,
        ):
            yield from copy.rows()
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


RECORD_COLUMNS = [
    "child", "referral", "received", "age_at_referral", "gender", "ethnicity",
    "priority_groups", "source", "route", "status", "risk_rating", "organisation", "offer",
    "first_decision", "first_contact", "second_contact", "attended", "did_not_attend",
    "discharged", "discharge_reason",
]  # fmt: skip


def _records_sql(d: _Dialect) -> str:
    """One row per referral of the alliance, a child's referrals together: each referral's
    first decision (not waiting for or returned from sign-off), first and second attended
    contacts and its counts of contacts attended and missed, and each child's priority groups,
    each computed once over the alliance's rows by a grouped subquery and joined."""
    return f"""
WITH decided AS (
    SELECT t.referral_id, MIN(t.decided_at) AS decided_at
    FROM triage_triagedecision t
    JOIN referrals_referral r ON r.id = t.referral_id
    JOIN children_child c ON c.id = r.child_id
    WHERE c.alliance_id = %(alliance)s AND t.sign_off NOT IN ('waiting', 'returned')
    GROUP BY t.referral_id
), numbered AS (
    SELECT k.referral_id, k.outcome, k.happened_at,
        ROW_NUMBER() OVER (
            PARTITION BY k.referral_id, k.outcome ORDER BY k.happened_at, k.id
        ) AS n
    FROM care_contact k
    JOIN referrals_referral r ON r.id = k.referral_id
    JOIN children_child c ON c.id = r.child_id
    WHERE c.alliance_id = %(alliance)s AND k.outcome IN ('attended', 'did_not_attend')
), contacts AS (
    SELECT referral_id,
        MIN(CASE WHEN outcome = 'attended' AND n = 1 THEN happened_at END) AS first,
        MIN(CASE WHEN outcome = 'attended' AND n = 2 THEN happened_at END) AS second,
        SUM(CASE WHEN outcome = 'attended' THEN 1 ELSE 0 END) AS attended,
        SUM(CASE WHEN outcome = 'did_not_attend' THEN 1 ELSE 0 END) AS missed
    FROM numbered
    GROUP BY referral_id
), grouped AS (
    SELECT m.child_id, {d.words("g.slug")} AS slugs
    FROM children_child_priority_groups m
    JOIN alliance_prioritygroup g ON g.id = m.prioritygroup_id
    JOIN children_child c ON c.id = m.child_id
    WHERE c.alliance_id = %(alliance)s
    GROUP BY m.child_id
)
SELECT c.id, {d.uuid("c.uuid")}, {d.uuid("r.uuid")}, {d.day("r.received_at")},
    {d.date("c.date_of_birth")}, c.gender, c.ethnicity, grouped.slugs, r.source, r.route,
    r.status, r.risk_rating, o.slug, f.slug, {d.day("decided.decided_at")},
    {d.day("contacts.first")}, {d.day("contacts.second")}, contacts.attended,
    contacts.missed, {d.day("x.discharged_at")}, x.reason
FROM referrals_referral r
JOIN children_child c ON c.id = r.child_id
LEFT JOIN alliance_organisation o ON o.id = r.allocated_organisation_id
LEFT JOIN alliance_offer f ON f.id = r.allocated_offer_id
LEFT JOIN care_discharge x ON x.referral_id = r.id
LEFT JOIN decided ON decided.referral_id = r.id
LEFT JOIN contacts ON contacts.referral_id = r.id
LEFT JOIN grouped ON grouped.child_id = c.id
WHERE c.alliance_id = %(alliance)s
ORDER BY c.id, r.id
"""  # noqa: S608 (the code's own fragments only; the alliance is a parameter)


def records(alliance: Alliance) -> Iterator[list[str]]:
    """One row per referral of the alliance, header first, a child's referrals together,
    streamed; each child's pseudonym computed once."""
    yield RECORD_COLUMNS
    pseudonym = Pseudonyms()
    last_child, child = None, ""
    for (
        child_id, child_uuid, referral_uuid, received, born, gender, ethnicity, slugs, source,
        route, status, risk_rating, organisation, offer, decided, first, second, attended,
        missed, discharged, discharge_reason,
    ) in _stream(_records_sql(_Dialect(connection.vendor)), alliance):  # fmt: skip
        if child_id != last_child:
            last_child, child = child_id, pseudonym("child", child_uuid)
        day = _day(received)
        yield [
            child,
            pseudonym("referral", referral_uuid),
            day,
            _age(born, day),
            gender,
            ethnicity,
            " ".join(sorted(slugs.split())) if slugs else "",
            source,
            route,
            status,
            risk_rating,
            organisation or "",
            offer or "",
            _day(decided),
            _day(first),
            _day(second),
            str(attended or 0),
            str(missed or 0),
            _day(discharged),
            discharge_reason or "",
        ]


# MHSDS-aligned code lists (see the module's note on checking them).
SOURCE_OF_REFERRAL = {
    "gp": "A1",  # general medical practitioner practice
    "self": "B1",  # self
    "parent": "B2",  # carer or relative
    "social_care": "C1",  # local authority social services
    "health": "A3",  # other primary health care
    "school": "M3",  # education service or establishment
    "youth_justice": "E1",  # justice system
    "other": "N3",  # other
}
ATTENDANCE = {  # AttendOrDNACode
    Contact.Outcome.ATTENDED: "5",
    Contact.Outcome.DID_NOT_ATTEND: "3",
    Contact.Outcome.CANCELLED_BY_YOUNG_PERSON: "2",
    Contact.Outcome.CANCELLED_BY_SERVICE: "4",
}
MECHANISM = {  # ConsMechanismMH
    Contact.Mode.FACE_TO_FACE: "01",
    Contact.Mode.PHONE: "02",
    Contact.Mode.VIDEO: "11",
    Contact.Mode.ONLINE: "10",
    Contact.Mode.TEXT: "09",
}


def _mhsds_referrals_sql(d: _Dialect) -> str:
    return f"""
SELECT c.id, {d.uuid("c.uuid")}, {d.uuid("r.uuid")}, {d.day("r.received_at")},
    {d.date("c.date_of_birth")}, r.source, o.slug, {d.day("x.discharged_at")}
FROM referrals_referral r
JOIN children_child c ON c.id = r.child_id
LEFT JOIN alliance_organisation o ON o.id = r.allocated_organisation_id
LEFT JOIN care_discharge x ON x.referral_id = r.id
WHERE c.alliance_id = %(alliance)s AND r.status <> 'joined'
ORDER BY c.id, r.id
"""  # noqa: S608 (the code's own fragments only; the alliance is a parameter)


def mhsds_referrals(alliance: Alliance) -> Iterator[list[str]]:
    """A joined referral is part of the service request it joined, not another."""
    yield ["ServiceRequestId", "Person_ID", "ReferralRequestReceivedDate", "SourceOfReferralMH",
           "OrgIDProv", "ServDischDate", "AgeServReferRecDate"]  # fmt: skip
    pseudonym = Pseudonyms()
    last_child, child = None, ""
    for (
        child_id,
        child_uuid,
        referral_uuid,
        received,
        born,
        source,
        organisation,
        discharged,
    ) in _stream(_mhsds_referrals_sql(_Dialect(connection.vendor)), alliance):
        if child_id != last_child:
            last_child, child = child_id, pseudonym("child", child_uuid)
        day = _day(received)
        yield [
            pseudonym("referral", referral_uuid),
            child,
            day,
            SOURCE_OF_REFERRAL.get(source, "N3"),
            organisation or "",
            _day(discharged),
            _age(born, day),
        ]


def _mhsds_care_contacts_sql(d: _Dialect) -> str:
    return f"""
SELECT k.referral_id, {d.uuid("r.uuid")}, {d.uuid("k.uuid")}, {d.day("k.happened_at")},
    k.outcome, k.mode, NULLIF(k.duration_minutes, 0), o.slug
FROM care_contact k
JOIN referrals_referral r ON r.id = k.referral_id
JOIN children_child c ON c.id = r.child_id
JOIN alliance_organisation o ON o.id = k.organisation_id
WHERE c.alliance_id = %(alliance)s
ORDER BY k.referral_id, k.id
"""  # noqa: S608 (the code's own fragments only; the alliance is a parameter)


def mhsds_care_contacts(alliance: Alliance) -> Iterator[list[str]]:
    """A referral's contacts together, each referral's pseudonym computed once."""
    yield ["CareContactId", "ServiceRequestId", "CareContDate", "AttendOrDNACode",
           "ConsMechanismMH", "ClinContDurOfCareCont", "OrgIDProv"]  # fmt: skip
    pseudonym = Pseudonyms()
    last_referral, referral = None, ""
    for referral_id, referral_uuid, contact_uuid, happened, outcome, mode, minutes, slug in _stream(
        _mhsds_care_contacts_sql(_Dialect(connection.vendor)), alliance
    ):
        if referral_id != last_referral:
            last_referral, referral = referral_id, pseudonym("referral", referral_uuid)
        yield [
            pseudonym("contact", contact_uuid),
            referral,
            _day(happened),
            ATTENDANCE[outcome],
            MECHANISM[mode],
            str(minutes or ""),  # none, or 0: empty
            slug,
        ]


def _mhsds_coded_scores_sql(d: _Dialect) -> str:
    return f"""
SELECT m.referral_id, {d.uuid("r.uuid")}, {d.uuid("m.uuid")}, {d.day("m.recorded_at")},
    m.measure, m.measure_version, {d.text("m.scores")}
FROM outcomes_measureresponse m
JOIN referrals_referral r ON r.id = m.referral_id
JOIN children_child c ON c.id = r.child_id
WHERE c.alliance_id = %(alliance)s
ORDER BY m.referral_id, m.id
"""  # noqa: S608 (the code's own fragments only; the alliance is a parameter)


def mhsds_coded_scores(alliance: Alliance) -> Iterator[list[str]]:
    """One row per completed outcome measure: its headline score (MHS607-shaped). The data
    set codes a tool by SNOMED CT; OneDoor gives the measure's name and version here, to be
    mapped to SNOMED CT before a submission."""
    from onedoor.outcomes.measures import get_measure

    yield ["CodedAssToolId", "ServiceRequestId", "AssToolCompDate", "AssessmentTool",
           "AssessmentToolVersion", "PersScore"]  # fmt: skip
    pseudonym = Pseudonyms()
    last_referral, referral = None, ""
    for referral_id, referral_uuid, response_uuid, recorded, slug, version, scores in _stream(
        _mhsds_coded_scores_sql(_Dialect(connection.vendor)), alliance
    ):
        if referral_id != last_referral:
            last_referral, referral = referral_id, pseudonym("referral", referral_uuid)
        measure = get_measure(slug)
        headline = measure.headline if measure else ""
        value = next(
            (s["value"] for s in json.loads(scores).get("scores", []) if s["slug"] == headline),
            None,
        )
        yield [
            pseudonym("measure", response_uuid),
            referral,
            _day(recorded),
            slug,
            version,
            "" if value is None else f"{value:g}",
        ]


@dataclass(frozen=True)
class Extract:
    title: str
    rows: Callable[[Alliance], Iterator[list[str]]]
    # The one statement the extract reads, for a database vendor ("sqlite", "postgresql"),
    # with the parameter %(alliance)s: what `COPY (...) TO STDOUT` emits for the same rows.
    statement: Callable[[_Dialect], str]


EXTRACTS = {
    "records": Extract("Record-level extract (pseudonymised)", records, _records_sql),
    "mhsds-referrals": Extract(
        "MHSDS-aligned referrals (MHS101)", mhsds_referrals, _mhsds_referrals_sql
    ),
    "mhsds-care-contacts": Extract(
        "MHSDS-aligned care contacts (MHS201)", mhsds_care_contacts, _mhsds_care_contacts_sql
    ),
    "mhsds-coded-scores": Extract(
        "MHSDS-aligned outcome scores (MHS607)", mhsds_coded_scores, _mhsds_coded_scores_sql
    ),
}


def statement(name: str, vendor: str) -> str:
    """The one SQL statement extract `name` reads on `vendor`'s database, with the parameter
    %(alliance)s (the alliance's primary key)."""
    return EXTRACTS[name].statement(_Dialect(vendor))


class _Nowhere:
    def write(self, text: str) -> int:
        return len(text)


def copy_rows(name: str, alliance: Alliance) -> int:
    """The rows of extract `name`'s statement as the database itself writes them, unshaped and
    thrown away; how many. `COPY (...) TO STDOUT (FORMAT csv)` on PostgreSQL; SQLite has no
    `COPY`, so its cursor's rows written by the csv module. The benchmark's yardstick (B6):
    rows a second of this against rows a second of the extract as the view sends it
    (`insights.views.extract_csv`)."""
    sql = statement(name, connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            lines = 0
            copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
            with cursor.cursor.copy(copy_sql, {"alliance": alliance.pk}) as copy:
                for block in copy:
                    lines += bytes(block).count(b"\n")
            return lines
        cursor.execute(sql, {"alliance": alliance.pk})
        writer = csv.writer(_Nowhere())
        rows = 0
        while batch := cursor.fetchmany(CHUNK):
            writer.writerows(batch)
            rows += len(batch)
        return rows
