"""The alliance's GP practices, from the NHS's published practice file (epraccur).

The Organisation Data Service publishes every GP practice in England as a headerless CSV
file, one practice a line, in fixed columns: 1 organisation code, 2 name, 3 national
grouping, 4 high level health geography, 5 to 9 address lines 1 to 5, 10 postcode, 11 open
date, 12 close date (YYYYMMDD), 13 status code (A active, C closed, D dormant, P proposed),
14 organisation sub-type, 15 commissioner, ... 26 prescribing setting (4 is a GP practice;
the file also lists walk-in centres, out-of-hours services and others), 27 columns in all.

Loading is all or nothing: every line is checked first, and one bad line loads nothing,
naming its line number and field. The practices in the alliance's area are those whose
postcode is in one of its postcode districts, the same districts that decide where a child
lives (the commissioner column names a sub-ICB location, which covers more than one council
area). Loading replaces the alliance's list: a practice no longer in the file is deleted, or,
when a referral names it, kept and closed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from onedoor.alliance.models import Alliance, AreaPostcode, GpPractice
from onedoor.children.postcode import district, normalise_postcode

# Columns of the file, counted from 1 as the published layout counts them.
CODE, NAME, ADDRESS_FIRST, ADDRESS_LAST, POSTCODE = 1, 2, 5, 9, 10
OPEN_DATE, CLOSE_DATE, STATUS, COMMISSIONER, SETTING = 11, 12, 13, 15, 26
FIELDS_NEEDED = STATUS  # a line must reach the status code
GP_PRACTICE_SETTING = "4"
STATUSES = {
    "A": GpPractice.Status.ACTIVE,
    "C": GpPractice.Status.CLOSED,
    "D": GpPractice.Status.DORMANT,
    "P": GpPractice.Status.PROPOSED,
}
_CODE = re.compile(r"[A-Z0-9]{3,10}")
_WORD = re.compile(r"[A-Z][A-Z']*")
NAME_LIMIT = 200
MOST_PROBLEMS_SHOWN = 20


class PracticeFileError(Exception):
    """A practice file that cannot be loaded; `problems` name each line and field."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MOST_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        super().__init__("\n".join(shown + ([f"... and {more} more problems"] if more > 0 else [])))
        self.problems = problems


@dataclass(frozen=True)
class PracticeLine:
    """One practice, as its line of the file says."""

    line: int
    ods_code: str
    name: str
    address: str
    town: str
    postcode: str  # canonical, "ME4 4AB"
    status: GpPractice.Status
    is_gp_practice: bool  # prescribing setting 4 (a file without the column: all are)


@dataclass(frozen=True)
class Loaded:
    """What a load did to the alliance's list."""

    in_area: int
    added: int
    updated: int
    closed: int  # no longer in the file, but a referral names them
    removed: int


def readable(text: str) -> str:
    """The file's capitals as people write them: "ST MARY'S SURGERY" -> "St Mary's Surgery"."""
    if text != text.upper():
        return text
    return _WORD.sub(lambda word: word.group(0).capitalize(), text)


def _date_problem(value: str, field: str) -> str | None:
    if not value:
        return None
    try:
        if len(value) != 8 or not value.isdigit():
            raise ValueError(value)
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return f"{field} '{value}' is not a date (YYYYMMDD)"
    return None


def _read(fields: list[str], number: int) -> tuple[PracticeLine | None, list[str]]:
    """The practice on line `number`, or the problems with it (each naming the field)."""
    cells = [cell.strip() for cell in fields]

    def cell(column: int) -> str:
        return cells[column - 1] if len(cells) >= column else ""

    if len(cells) < FIELDS_NEEDED:
        return None, [
            f"line {number}: has {len(cells)} fields; a line of the practice file has 27 "
            f"(at least {FIELDS_NEEDED}, to the status code)"
        ]
    problems = []
    code, name, status = cell(CODE), cell(NAME), cell(STATUS)
    if not _CODE.fullmatch(code):
        problems.append(
            f"organisation code '{code}' is not an organisation code "
            "(3 to 10 capital letters and digits)"
        )
    if not name:
        problems.append("name is empty")
    elif len(name) > NAME_LIMIT:
        problems.append(f"name is longer than {NAME_LIMIT} characters")
    postcode = normalise_postcode(cell(POSTCODE))
    if postcode is None:
        problems.append(f"postcode '{cell(POSTCODE)}' is not a postcode")
    for column, field in ((OPEN_DATE, "open date"), (CLOSE_DATE, "close date")):
        problem = _date_problem(cell(column), field)
        if problem:
            problems.append(problem)
    if status not in STATUSES:
        problems.append(
            f"status code '{status}' is not A (active), C (closed), D (dormant) or P (proposed)"
        )
    setting = cell(SETTING)
    if setting and not setting.isdigit():
        problems.append(f"prescribing setting '{setting}' is not a number")
    if problems:
        return None, [f"line {number}: {problem}" for problem in problems]
    lines = [readable(cell(column)) for column in range(ADDRESS_FIRST, ADDRESS_LAST + 1)]
    # The post town: the last line before the county (address line 5) that says anything.
    town = next((line for line in reversed(lines[:4]) if line), "")
    assert postcode is not None
    return PracticeLine(
        line=number,
        ods_code=code,
        name=readable(name),
        address=", ".join(line for line in lines if line),
        town=town,
        postcode=postcode,
        status=STATUSES[status],
        is_gp_practice=setting in ("", GP_PRACTICE_SETTING),
    ), []


def parse(text: str) -> list[PracticeLine]:
    """Every practice in the file, or PracticeFileError naming every bad line and field."""
    practices: list[PracticeLine] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for number, fields in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if not any(cell.strip() for cell in fields):
            continue  # a blank line, such as the one at the end
        practice, found = _read(fields, number)
        problems += found
        if practice is None:
            continue
        if practice.ods_code in first_line:
            problems.append(
                f"line {number}: organisation code '{practice.ods_code}' is also on line "
                f"{first_line[practice.ods_code]}"
            )
            continue
        first_line[practice.ods_code] = number
        practices.append(practice)
    if problems:
        raise PracticeFileError(problems)
    if not practices:
        raise PracticeFileError(["the file has no practices"])
    return practices


def read_file(path: Path) -> list[PracticeLine]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise PracticeFileError([f"{path}: no such file"]) from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # the older files' Windows encoding
    return parse(text)


def in_area(
    practices: Iterable[PracticeLine], districts: Iterable[str], area_name: str
) -> list[PracticeLine]:
    """The GP practices of the file whose postcode is in one of the area's districts; a file
    with none is the wrong file, and loading it would empty the list."""
    wanted = frozenset(districts)
    found = [p for p in practices if p.is_gp_practice and district(p.postcode) in wanted]
    if not found:
        raise PracticeFileError(
            [
                f"no GP practice in the file has a postcode in {area_name} "
                f"({', '.join(sorted(wanted))}): is it the right file?"
            ]
        )
    return found


@transaction.atomic
def replace(alliance: Alliance, practices: list[PracticeLine]) -> Loaded:
    """Make the alliance's list the practices given (already checked and in its area)."""
    existing = {p.ods_code: p for p in GpPractice.objects.filter(alliance=alliance)}
    added = updated = 0
    for practice in practices:
        values = {
            "name": practice.name,
            "address": practice.address,
            "town": practice.town,
            "postcode": practice.postcode,
            "status": practice.status,
        }
        known = existing.get(practice.ods_code)
        if known is None:
            GpPractice.objects.create(alliance=alliance, ods_code=practice.ods_code, **values)
            added += 1
        elif any(getattr(known, field) != value for field, value in values.items()):
            GpPractice.objects.filter(pk=known.pk).update(**values)
            updated += 1
    gone = GpPractice.objects.filter(alliance=alliance).exclude(
        ods_code__in=[p.ods_code for p in practices]
    )
    named = gone.filter(referrals__isnull=False).distinct()
    closed = (
        GpPractice.objects.filter(pk__in=named.values("pk"))
        .exclude(status=GpPractice.Status.CLOSED)
        .update(status=GpPractice.Status.CLOSED)
    )
    removed, _ = gone.exclude(pk__in=named.values("pk")).delete()
    return Loaded(
        in_area=len(practices), added=added, updated=updated, closed=closed, removed=removed
    )


def load_file(alliance: Alliance, path: Path) -> Loaded:
    """Check the whole file, then replace the alliance's practices with those in its area."""
    practices = in_area(
        read_file(path),
        AreaPostcode.objects.filter(alliance=alliance).values_list("district", flat=True),
        alliance.area_name,
    )
    return replace(alliance, practices)
