"""Scoring outcome measures: pure (no database, no clock), from a `Measure` and the answers.

`score(measure, answers, age, gender)` gives every subscale's score, prorated where answers
are missing and the file allows it ("not scored", with the reason, where too many are), and
the clinical band for the child's age and gender. `reliable_change(measure, first, latest)`
says, per subscale, whether the change is reliable (Jacobson and Truax) and, when a clinical
cut-off was crossed with it, clinically significant. `in_severe_range(measure, result)` gives
the subscales scored in a band the file marks severe.

Answers are keyed by item key (the option's value) for a measure with items, or by subscale
slug (the score from the paper form) for a scores-only measure. A missing key, or an option
that is not scored ("Don't know"), is a missing answer.

A question about risk (`Item.risk`) is never missing silently. Answered above its lowest
option, it is in `Result.risk_items`; not answered, it is in `Result.risk_unanswered`, and
either asks for a review (`review_reasons`). The score is still worked out from the other
answers by the measure's own rules, as for any missing answer (prorated within the
subscale's `allowed_missing`, otherwise "not scored"): a total without the risk answer still
shows how the young person is doing, and the review, not the score, carries the risk.
`unanswered_risk_items` is the rule the practitioner's form and `record_response` apply: a
practitioner saves a measure without a risk answer only by recording that the young person
chose not to answer it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from onedoor.outcomes.measures import HIGHER_IS_WORSE, Item, Measure, Subscale

Answers = Mapping[str, int | float | None]


class AnswerError(ValueError):
    """Answers that do not fit the measure (an unknown item, a value it does not offer)."""


@dataclass(frozen=True)
class SubscaleScore:
    slug: str
    name: str
    value: float | None  # None: not scored (see `reason`)
    answered: int
    missing: int
    prorated: bool
    reason: str  # why not scored; "" when scored
    band: str  # the clinical band's name for the child's age and gender; "" when none applies
    clinical: bool | None  # in the clinical range; None when no cut-off applies or not scored


@dataclass(frozen=True)
class Result:
    scores: tuple[SubscaleScore, ...]
    risk_items: tuple[str, ...]  # keys of risk items answered above their lowest option
    age: int
    gender: str
    risk_unanswered: tuple[str, ...] = ()  # keys of risk items with no scored answer

    def get(self, slug: str) -> SubscaleScore | None:
        return next((s for s in self.scores if s.slug == slug), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "scores": [asdict(s) for s in self.scores],
            "risk_items": list(self.risk_items),
            "age": self.age,
            "gender": self.gender,
            "risk_unanswered": list(self.risk_unanswered),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        return cls(
            scores=tuple(SubscaleScore(**s) for s in data["scores"]),
            risk_items=tuple(data["risk_items"]),
            age=data["age"],
            gender=data["gender"],
            risk_unanswered=tuple(data.get("risk_unanswered", ())),  # none before issue 12
        )


def _round(value: float, decimals: int) -> float:
    """Half up (2.5 -> 3), not Python's half to even."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _band(subscale: Subscale, value: float, age: int, gender: str) -> tuple[str, bool | None]:
    cutoff = subscale.cutoff_for(age, gender)
    if cutoff is None:
        return "", None
    band = [b for b in cutoff.bands if b.min <= value][-1]
    return band.name, band.clinical


def _scored(subscale: Subscale, value: float, answered: int, missing: int, prorated: bool,
            age: int, gender: str) -> SubscaleScore:  # fmt: skip
    band, clinical = _band(subscale, value, age, gender)
    return SubscaleScore(subscale.slug, subscale.name, value, answered, missing, prorated, "",
                         band, clinical)  # fmt: skip


def _not_scored(subscale: Subscale, answered: int, missing: int, reason: str) -> SubscaleScore:
    return SubscaleScore(subscale.slug, subscale.name, None, answered, missing, False, reason,
                         "", None)  # fmt: skip


def score(measure: Measure, answers: Answers, age: int, gender: str) -> Result:
    """Every subscale's score, its validity and its clinical band."""
    if measure.scores_only:
        return _score_entered(measure, answers, age, gender)
    unknown = set(answers) - {item.key for item in measure.items}
    if unknown:
        raise AnswerError(f"No such question in {measure.short_name}: {sorted(unknown)[0]}")
    options = {option.value: option for option in measure.options}
    scored_values = [option.value for option in measure.options if option.scored]
    low, high = min(scored_values), max(scored_values)
    values: dict[str, int] = {}
    risk: list[str] = []
    for item in measure.items:
        answer = answers.get(item.key)
        if answer is None:
            continue
        if not isinstance(answer, int) or answer not in options:
            raise AnswerError(f"Question {item.key}: {answer!r} is not one of the answers")
        if not options[answer].scored:
            continue
        values[item.key] = (low + high - answer) if item.reverse else answer
        if item.risk and answer > low:
            risk.append(item.key)
    scores = []
    for subscale in measure.subscales:
        items = measure.items_of(subscale.slug)
        given = [values[item.key] for item in items if item.key in values]
        answered, missing = len(given), len(items) - len(given)
        if answered == 0:
            scores.append(_not_scored(subscale, 0, missing, "Not scored: no answers"))
        elif missing > subscale.allowed_missing:
            reason = (
                f"Not scored: {missing} of {len(items)} answers missing "
                f"(at most {subscale.allowed_missing} allowed)"
            )
            scores.append(_not_scored(subscale, answered, missing, reason))
        else:
            if subscale.method == "mean":
                raw = sum(given) / answered
            else:  # prorated: the answered items' total scaled to the full length
                raw = sum(given) * len(items) / answered
            value = _round(raw, subscale.decimals)
            scores.append(_scored(subscale, value, answered, missing, missing > 0, age, gender))
    unanswered = tuple(item.key for item in unanswered_risk_items(measure, answers))
    return Result(tuple(scores), tuple(risk), age, gender, unanswered)


def unanswered_risk_items(measure: Measure, answers: Answers) -> tuple[Item, ...]:
    """The measure's questions about risk that have no scored answer in `answers`: left
    out, or answered with an option that is not scored ("Don't know")."""
    scored = {option.value for option in measure.options if option.scored}
    return tuple(item for item in measure.risk_items if answers.get(item.key) not in scored)


def _score_entered(measure: Measure, answers: Answers, age: int, gender: str) -> Result:
    """A scores-only measure: the entered scores, checked, and the sums made from them."""
    entered = {s.slug: s for s in measure.entered}
    unknown = set(answers) - set(entered)
    if unknown:
        raise AnswerError(f"No such score in {measure.short_name}: {sorted(unknown)[0]}")
    values: dict[str, float] = {}
    for slug, subscale in entered.items():
        answer = answers.get(slug)
        if answer is None:
            continue
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            raise AnswerError(f"{subscale.name}: enter a number")
        if not subscale.min <= answer <= subscale.max:
            raise AnswerError(
                f"{subscale.name}: enter a score from {subscale.min:g} to {subscale.max:g}"
            )
        if _round(float(answer), subscale.decimals) != answer:
            raise AnswerError(f"{subscale.name}: use at most {subscale.decimals} decimal places")
        values[slug] = float(answer)
    scores = []
    for subscale in measure.subscales:
        parts = subscale.sum_of or (subscale.slug,)
        given = [values[p] for p in parts if p in values]
        missing = len(parts) - len(given)
        if not given:
            scores.append(_not_scored(subscale, 0, missing, "Not scored: no score entered"))
        elif missing:
            reason = f"Not scored: {missing} of {len(parts)} scores missing"
            scores.append(_not_scored(subscale, len(given), missing, reason))
        else:
            value = _round(sum(given), subscale.decimals)
            scores.append(_scored(subscale, value, len(given), 0, False, age, gender))
    return Result(tuple(scores), (), age, gender)


class Outcome(StrEnum):
    IMPROVED = "improved"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    DETERIORATED = "deteriorated"

    @property
    def words(self) -> str:
        return {
            "improved": "Reliable improvement",
            "no_reliable_change": "No reliable change",
            "deteriorated": "Reliable deterioration",
        }[self.value]


@dataclass(frozen=True)
class Change:
    slug: str
    name: str
    first: float
    latest: float
    change: float  # latest - first
    threshold: float  # the smallest reliable change (1.96 * SEdiff, or the published one)
    outcome: Outcome
    clinically_significant: bool  # reliable, and the clinical cut-off crossed with it


def reliable_change(measure: Measure, first: Result, latest: Result) -> tuple[Change, ...]:
    """For each subscale scored both times and with reliable change parameters: improved,
    no reliable change or deteriorated (by the subscale's direction), and whether it is
    clinically significant (a reliable improvement out of the clinical range, or a reliable
    deterioration into it)."""
    changes = []
    for subscale in measure.subscales:
        before, after = first.get(subscale.slug), latest.get(subscale.slug)
        if subscale.reliable_change is None or before is None or after is None:
            continue
        if before.value is None or after.value is None:
            continue
        change = _round(after.value - before.value, max(subscale.decimals, 2))
        worse = change > 0 if subscale.direction == HIGHER_IS_WORSE else change < 0
        if not subscale.reliable_change.is_reliable(change):
            outcome = Outcome.NO_RELIABLE_CHANGE
        else:
            outcome = Outcome.DETERIORATED if worse else Outcome.IMPROVED
        significant = (outcome is Outcome.IMPROVED and before.clinical is True
                       and after.clinical is False) or (
            outcome is Outcome.DETERIORATED and before.clinical is False
            and after.clinical is True
        )  # fmt: skip
        changes.append(
            Change(
                subscale.slug,
                subscale.name,
                before.value,
                after.value,
                change,
                _round(subscale.reliable_change.threshold, 2),
                outcome,
                significant,
            )
        )
    return tuple(changes)


class Reason(StrEnum):
    """Why a completed measure asks for a practitioner's review."""

    CROSSED_INTO_CLINICAL_RANGE = "crossed_into_clinical_range"
    RELIABLE_DETERIORATION = "reliable_deterioration"
    RISK_ITEM = "risk_item"
    RISK_NOT_ANSWERED = "risk_not_answered"

    @property
    def words(self) -> str:
        return {
            "crossed_into_clinical_range": "A score has moved into the clinical range",
            "reliable_deterioration": "A score has reliably got worse",
            "risk_item": "A question about risk was answered",
            "risk_not_answered": "The risk question was not answered",
        }[self.value]


def review_reasons(measure: Measure, first: Result | None, latest: Result) -> tuple[Reason, ...]:
    """What in `latest`, against the first response to the same measure, needs a review."""
    reasons: list[Reason] = []
    if first is not None:
        for subscale in measure.subscales:
            before, after = first.get(subscale.slug), latest.get(subscale.slug)
            if before and after and before.clinical is False and after.clinical is True:
                reasons.append(Reason.CROSSED_INTO_CLINICAL_RANGE)
                break
        if any(c.outcome is Outcome.DETERIORATED for c in reliable_change(measure, first, latest)):
            reasons.append(Reason.RELIABLE_DETERIORATION)
    if latest.risk_items:
        reasons.append(Reason.RISK_ITEM)
    if latest.risk_unanswered:
        reasons.append(Reason.RISK_NOT_ANSWERED)
    return tuple(reasons)


def in_severe_range(measure: Measure, result: Result) -> tuple[SubscaleScore, ...]:
    """The scored subscales of `result` in a band the measure's file marks `severe` for the
    child's age and gender when it was scored (PHQ-9 20 and over, GAD-7 15 and over)."""
    severe = []
    for scored in result.scores:
        if scored.value is None:
            continue
        subscale = next((s for s in measure.subscales if s.slug == scored.slug), None)
        cutoff = subscale.cutoff_for(result.age, result.gender) if subscale else None
        if cutoff is None:
            continue
        band = [b for b in cutoff.bands if b.min <= scored.value][-1]
        if band.severe:
            severe.append(scored)
    return tuple(severe)
