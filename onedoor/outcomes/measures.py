"""Outcome measures as data: one TOML file per measure, validated strictly, all or nothing.

A file gives the measure's items (text, subscales, reverse-scored or not, a question about
risk or not: `risk = true`, as PHQ-9's question 9 and YP-CORE's question 4), its response
options, its subscales (how each is scored and prorated, the valid range, the clinical
cut-offs by age band and gender, a band in the severe range marked `severe = true`, the
reliable change parameters) and its licence. A measure whose licence forbids electronic
reproduction is "scores only": no items, the practitioner enters the subscale scores from
the paper form.

`load_measures(dirs)` reads every `*.toml` file in the folders; an error names the file, the
entry and the field, and then nothing is loaded. The shipped measures are in `data/`; an
alliance adds its own with the setting `OUTCOME_MEASURES_DIRS`. What comes back is immutable.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

DATA_DIR = Path(__file__).resolve().parent / "data"
GENDERS = ("female", "male", "non_binary", "self_described", "not_stated")  # children.Gender
RESPONDENTS = ("young_person", "parent", "practitioner")
HIGHER_IS_WORSE = "higher_is_worse"
HIGHER_IS_BETTER = "higher_is_better"

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([-_][a-z0-9]+)*$", max_length=50)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Age = Annotated[int, Field(ge=0, le=30)]
Direction = Literal["higher_is_worse", "higher_is_better"]
Number = int | float


class MeasureFileError(Exception):
    """A measure file that cannot be loaded: says which file, which entry, which field."""


# The file's shape (pydantic, strict: an unknown or mistyped field is an error)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _MeasureEntry(_Strict):
    slug: Slug
    version: Text
    name: Text
    short_name: Text
    kind: Literal["items", "scores_only"]
    respondents: Annotated[list[Literal[RESPONDENTS]], Field(min_length=1)]  # type: ignore[valid-type]
    min_age: Age
    max_age: Age
    direction: Direction
    headline: Slug
    parameters_confirmed: bool
    instructions: str = ""
    notes: str = ""


class _LicenceEntry(_Strict):
    name: Text
    holder: Text
    electronic_use: bool
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")]


class _OptionEntry(_Strict):
    value: int
    label: Text
    scored: bool = True


class _ItemEntry(_Strict):
    key: Slug
    text: Text
    subscales: Annotated[list[Slug], Field(min_length=1)]
    reverse: bool = False
    risk: bool = False


class _BandEntry(_Strict):
    min: Number
    name: Text
    clinical: bool = False
    severe: bool = False


class _CutOffEntry(_Strict):
    min_age: Age
    max_age: Age
    genders: list[Literal[GENDERS]] = []  # type: ignore[valid-type]
    bands: Annotated[list[_BandEntry], Field(min_length=2)]


class _ReliableChangeEntry(_Strict):
    sd: Annotated[float, Field(gt=0)] | None = None
    reliability: Annotated[float, Field(gt=0, lt=1)] | None = None
    min_change: Annotated[float, Field(gt=0)] | None = None


class _SubscaleEntry(_Strict):
    slug: Slug
    name: Text
    method: Literal["sum", "mean"] = "sum"
    min: Number
    max: Number
    allowed_missing: Annotated[int, Field(ge=0)] = 0
    decimals: Annotated[int, Field(ge=0, le=2)] = 0
    direction: Direction | None = None
    sum_of: list[Slug] = []
    reliable_change: _ReliableChangeEntry | None = None
    cutoffs: list[_CutOffEntry] = []


class _MeasureFile(_Strict):
    format_version: Literal[1]
    measure: _MeasureEntry
    licence: _LicenceEntry
    options: list[_OptionEntry] = []
    items: list[_ItemEntry] = []
    subscales: Annotated[list[_SubscaleEntry], Field(min_length=1)]


# What the rest of the product uses: immutable


@dataclass(frozen=True)
class Licence:
    name: str
    holder: str
    electronic_use: bool
    url: str


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    scored: bool  # False: a recorded answer that counts as missing ("Don't know")


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    subscales: tuple[str, ...]
    reverse: bool
    # A question about risk: any answer above the lowest scored option asks for a review,
    # and so does no answer (left out, or an option that is not scored): see `scoring.py`.
    risk: bool


@dataclass(frozen=True)
class Band:
    min: float
    name: str
    clinical: bool
    # The severe range, as the measure's publishers name it (PHQ-9 and GAD-7 "Severe"): a
    # child in intervention scoring in it needs a risk review and a safety plan after it
    # (`outcomes/severe.py`).
    severe: bool = False


@dataclass(frozen=True)
class CutOff:
    min_age: int
    max_age: int
    genders: tuple[str, ...]  # empty: any gender
    bands: tuple[Band, ...]

    def applies(self, age: int, gender: str) -> bool:
        return self.min_age <= age <= self.max_age and (not self.genders or gender in self.genders)


@dataclass(frozen=True)
class ReliableChange:
    """Jacobson and Truax: SEdiff = SD * sqrt(2) * sqrt(1 - r), and a change is reliable when
    larger than 1.96 * SEdiff; or a published minimum change (reliable at or above it)."""

    sd: float | None
    reliability: float | None
    min_change: float | None

    @property
    def threshold(self) -> float:
        if self.min_change is not None:
            return self.min_change
        assert self.sd is not None and self.reliability is not None
        return 1.96 * self.sd * math.sqrt(2) * math.sqrt(1 - self.reliability)

    def is_reliable(self, change: float) -> bool:
        if self.min_change is not None:
            return abs(change) >= self.min_change
        return abs(change) > self.threshold


@dataclass(frozen=True)
class Subscale:
    slug: str
    name: str
    method: str  # "sum" (prorated to full length) or "mean"
    min: float
    max: float
    allowed_missing: int
    decimals: int
    direction: str
    sum_of: tuple[str, ...]  # scores only: the sum of these entered scores
    reliable_change: ReliableChange | None
    cutoffs: tuple[CutOff, ...]

    def cutoff_for(self, age: int, gender: str) -> CutOff | None:
        """The first cut-off in the file that fits the child's age and gender."""
        return next((c for c in self.cutoffs if c.applies(age, gender)), None)


@dataclass(frozen=True)
class Measure:
    slug: str
    version: str
    name: str
    short_name: str
    kind: str  # "items" or "scores_only"
    respondents: tuple[str, ...]
    min_age: int
    max_age: int
    direction: str
    headline: str
    parameters_confirmed: bool
    instructions: str
    notes: str
    licence: Licence
    options: tuple[Option, ...]
    items: tuple[Item, ...]
    subscales: tuple[Subscale, ...]

    @property
    def scores_only(self) -> bool:
        return self.kind == "scores_only"

    def subscale(self, slug: str) -> Subscale:
        return next(s for s in self.subscales if s.slug == slug)

    def items_of(self, slug: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if slug in item.subscales)

    @property
    def entered(self) -> tuple[Subscale, ...]:
        """Scores only: the subscales the practitioner enters (not derived)."""
        return tuple(s for s in self.subscales if not s.sum_of)

    def fits_age(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age

    @property
    def risk_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.risk)

    def question_words(self, items: Iterable[Item]) -> str:
        """The items as people see them numbered: "question 9", "questions 4 and 9"."""
        numbers = [str(self.items.index(item) + 1) for item in items]
        if len(numbers) == 1:
            return f"question {numbers[0]}"
        return f"questions {', '.join(numbers[:-1])} and {numbers[-1]}"


# Reading and checking


def _label(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> tuple[str, str]:
    """("items", 3, "text") -> ("items[3] 'q4'", "text")."""
    if len(loc) == 1:
        return "(top level)", str(loc[0])
    section = str(loc[0])
    entry, rest = section, loc[1:]
    if isinstance(loc[1], int):
        entry = f"{section}[{loc[1]}]"
        rows = data.get(section)
        if isinstance(rows, list) and loc[1] < len(rows) and isinstance(rows[loc[1]], dict):
            name = rows[loc[1]].get("key", rows[loc[1]].get("slug"))
            if isinstance(name, str):
                entry += f" '{name}'"
        rest = loc[2:]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    return entry, field.lstrip(".") or "(whole entry)"


def parse(path: Path) -> Measure:
    """One file, checked completely; raises MeasureFileError naming file, entry and field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise MeasureFileError(f"{path}: no such file") from error
    except tomllib.TOMLDecodeError as error:
        raise MeasureFileError(f"{path}: not valid TOML: {error}") from error
    try:
        parsed = _MeasureFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        entry, field = _label(data, tuple(first["loc"]))
        raise MeasureFileError(f"{path}: entry {entry}, field '{field}': {first['msg']}") from error
    return _build(path, parsed)


def _build(path: Path, f: _MeasureFile) -> Measure:
    def fail(entry: str, field: str, message: str) -> MeasureFileError:
        return MeasureFileError(f"{path}: entry {entry}, field '{field}': {message}")

    m = f.measure
    if path.stem != m.slug:
        raise fail("measure", "slug", f"must match the file name '{path.stem}'")
    if m.min_age > m.max_age:
        raise fail("measure", "max_age", "must not be below min_age")
    if not f.licence.electronic_use and m.kind != "scores_only":
        raise fail("measure", "kind", "the licence forbids electronic use: use 'scores_only'")
    slugs = [s.slug for s in f.subscales]
    for index, subscale in enumerate(f.subscales):
        if slugs.index(subscale.slug) != index:
            raise fail(f"subscales[{index}] '{subscale.slug}'", "slug", "is used twice")
    if m.headline not in slugs:
        raise fail("measure", "headline", f"no subscale has the slug '{m.headline}'")
    if m.kind == "scores_only":
        if f.items or f.options:
            raise fail("items", "(whole entry)", "a scores-only measure has no items or options")
    else:
        if not f.items:
            raise fail("items", "(whole entry)", "a measure with items needs at least one item")
        if len(f.options) < 2:
            raise fail("options", "(whole entry)", "give at least two response options")
    values = [o.value for o in f.options]
    for index, option in enumerate(f.options):
        if values.index(option.value) != index:
            raise fail(f"options[{index}]", "value", "is used twice")
    scored = [o.value for o in f.options if o.scored]
    if m.kind == "items" and len(scored) < 2:
        raise fail("options", "scored", "at least two options must be scored")
    keys = [i.key for i in f.items]
    for index, item in enumerate(f.items):
        label = f"items[{index}] '{item.key}'"
        if keys.index(item.key) != index:
            raise fail(label, "key", "is used twice")
        for slug in item.subscales:
            if slug not in slugs:
                raise fail(label, "subscales", f"no subscale has the slug '{slug}'")
            if next(s for s in f.subscales if s.slug == slug).sum_of:
                raise fail(label, "subscales", f"'{slug}' is a sum of other subscales")
        if item.risk and item.reverse:
            raise fail(
                label,
                "risk",
                "a risk item cannot be reverse-scored: its lowest option must mean no risk",
            )
    subscales = []
    for index, s in enumerate(f.subscales):
        label = f"subscales[{index}] '{s.slug}'"
        if s.min >= s.max:
            raise fail(label, "max", "must be above min")
        if m.kind == "items" and not s.sum_of:
            count = sum(1 for item in f.items if s.slug in item.subscales)
            if count == 0:
                raise fail(label, "slug", "no item belongs to this subscale")
            low, high = min(scored), max(scored)
            expected = (low * count, high * count) if s.method == "sum" else (low, high)
            if (s.min, s.max) != expected:
                raise fail(label, "min", f"the items give the range {expected[0]} to {expected[1]}")
            if s.allowed_missing >= count:
                raise fail(label, "allowed_missing", f"must be below the {count} items")
        if s.sum_of:
            for part in s.sum_of:
                if part not in slugs or part == s.slug:
                    raise fail(label, "sum_of", f"no other subscale has the slug '{part}'")
                if next(x for x in f.subscales if x.slug == part).sum_of:
                    raise fail(label, "sum_of", f"'{part}' is itself a sum")
        rc = s.reliable_change
        if rc is not None:
            by_sd = rc.sd is not None and rc.reliability is not None
            if by_sd == (rc.min_change is not None) or (rc.sd is None) != (rc.reliability is None):
                raise fail(label, "reliable_change", "give sd and reliability, or min_change")
        for c_index, cutoff in enumerate(s.cutoffs):
            where = f"cutoffs[{c_index}]"
            if cutoff.min_age > cutoff.max_age:
                raise fail(label, f"{where}.max_age", "must not be below min_age")
            mins = [band.min for band in cutoff.bands]
            for b_index, band in enumerate(cutoff.bands):
                if band.severe and not band.clinical:
                    raise fail(
                        label, f"{where}.bands[{b_index}].severe", "a severe band is clinical too"
                    )
            if mins[0] != s.min:
                raise fail(label, f"{where}.bands[0].min", f"the first band starts at {s.min}")
            for b_index in range(1, len(mins)):
                if not mins[b_index - 1] < mins[b_index] <= s.max:
                    raise fail(
                        label, f"{where}.bands[{b_index}].min", "bands rise within the range"
                    )
        subscales.append(
            Subscale(
                slug=s.slug,
                name=s.name,
                method=s.method,
                min=float(s.min),
                max=float(s.max),
                allowed_missing=s.allowed_missing,
                decimals=s.decimals,
                direction=s.direction or m.direction,
                sum_of=tuple(s.sum_of),
                reliable_change=ReliableChange(rc.sd, rc.reliability, rc.min_change)
                if rc
                else None,
                cutoffs=tuple(
                    CutOff(
                        c.min_age,
                        c.max_age,
                        tuple(c.genders),
                        tuple(Band(float(b.min), b.name, b.clinical, b.severe) for b in c.bands),
                    )
                    for c in s.cutoffs
                ),
            )
        )
    if m.kind == "items" and any(s.sum_of for s in f.subscales):
        raise fail("subscales", "sum_of", "only scores-only measures have derived subscales")
    return Measure(
        slug=m.slug,
        version=m.version,
        name=m.name,
        short_name=m.short_name,
        kind=m.kind,
        respondents=tuple(m.respondents),
        min_age=m.min_age,
        max_age=m.max_age,
        direction=m.direction,
        headline=m.headline,
        parameters_confirmed=m.parameters_confirmed,
        instructions=m.instructions.strip(),
        notes=m.notes.strip(),
        licence=Licence(**f.licence.model_dump()),
        options=tuple(Option(o.value, o.label, o.scored) for o in f.options),
        items=tuple(Item(i.key, i.text, tuple(i.subscales), i.reverse, i.risk) for i in f.items),
        subscales=tuple(subscales),
    )


def load_measures(dirs: Iterable[Path]) -> Mapping[str, Measure]:
    """Every measure in the folders, by slug, or MeasureFileError and nothing."""
    found: dict[str, Measure] = {}
    where: dict[str, Path] = {}
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise MeasureFileError(f"{folder}: no such folder of outcome measures")
        for path in sorted(folder.glob("*.toml")):
            measure = parse(path)
            if measure.slug in found:
                raise MeasureFileError(
                    f"{path}: entry measure, field 'slug': '{measure.slug}' is already "
                    f"defined in {where[measure.slug]}"
                )
            found[measure.slug] = measure
            where[measure.slug] = path
    return MappingProxyType(dict(sorted(found.items())))


def measure_dirs() -> tuple[Path, ...]:
    from django.conf import settings

    extra = getattr(settings, "OUTCOME_MEASURES_DIRS", ())
    return (DATA_DIR, *(Path(d) for d in extra))


@cache
def _cached(dirs: tuple[Path, ...]) -> Mapping[str, Measure]:
    return load_measures(dirs)


def all_measures() -> Mapping[str, Measure]:
    """The shipped measures and the alliance's own (`OUTCOME_MEASURES_DIRS`), read once."""
    return _cached(measure_dirs())


def get_measure(slug: str) -> Measure | None:
    return all_measures().get(slug)
