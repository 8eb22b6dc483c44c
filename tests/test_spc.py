"""Statistical process control as Making Data Count states it (onedoor/insights/spc.py, ADR 25,
hazard H50): the limits on hand-worked series, each rule on either side of its boundary, gaps,
the icons and the summary sentence. Pure functions: no database.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from onedoor.insights.spc import Assurance, Direction, Rule, Variation, summary, xmr

HIGHER, LOWER, NEITHER = Direction.HIGHER, Direction.LOWER, Direction.NEITHER

# 16 values. Sum 102, so the mean is 102 / 16 = 6.375. The 15 moving ranges are
# 2,1,2,2,1,2,1,1,1,2,1,1,1,2,1: sum 21, mean 21 / 15 = 1.4. Limits 6.375 +- 2.66 * 1.4
# = 6.375 +- 3.724: upper 10.099, lower 2.651. Two sigma is 2 * 3.724 / 3 = 2.483: no point
# beyond it, no run of 7 on one side, no trend of 6. Common cause throughout.
HAND_WORKED = [5, 7, 6, 8, 6, 7, 5, 6, 7, 6, 8, 7, 6, 5, 7, 6]

# Alternating 9 and 11: mean 10, every moving range 2, no run of any length.
STEADY = [9, 11] * 8


def months(n: int) -> list[str]:
    """The n months up to Nov 2026, oldest first."""
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    out = []
    year, month = 2026, 11
    for _ in range(n):
        out.append(f"{names[month - 1]} {year}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


def flagged(values: Sequence[float | None], rule: Rule, direction: Direction = HIGHER) -> list[int]:
    chart = xmr(values, direction=direction)
    return [i for i, rules in enumerate(chart.signals) if rule in rules]


def test_the_mean_and_process_limits_of_a_hand_worked_series() -> None:
    chart = xmr(HAND_WORKED, direction=HIGHER)

    assert chart.values == tuple(HAND_WORKED)
    assert chart.mean == 6.375
    assert chart.moving_ranges == (None, 2, 1, 2, 2, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1)
    assert chart.mean_moving_range == pytest.approx(1.4, abs=1e-12)
    assert chart.upper == pytest.approx(10.099, abs=1e-12)
    assert chart.lower == pytest.approx(2.651, abs=1e-12)
    assert chart.signals == (frozenset(),) * 16
    assert chart.variation is Variation.COMMON_CAUSE
    assert chart.enough is True


def test_a_point_outside_a_process_limit_is_special_cause() -> None:
    # STEADY + [20]: mean 180 / 17 = 10.588; moving ranges 15 x 2 and 9: 39 / 16 = 2.4375;
    # upper 10.588 + 6.484 = 17.072, so 20 is outside. STEADY + [16]: mean 176 / 17 = 10.353,
    # mean moving range 35 / 16 = 2.1875, upper 10.353 + 5.819 = 16.172, so 16 is inside.
    assert flagged([*STEADY, 20], Rule.OUTSIDE_LIMITS) == [16]
    assert flagged([*STEADY, 16], Rule.OUTSIDE_LIMITS) == []


def shift_of(k: int, middle: Sequence[float | None] | None = None) -> list[float | None]:
    """12, 8 alternating, then k points at 11 (above the mean, which stays between 10 and 11),
    then 8, 12 alternating: the run above the mean is exactly the k points at 11."""
    return [*([12, 8] * 4), *(middle or [11] * k), *([8, 12] * 4)]


def test_seven_points_on_one_side_of_the_mean_are_a_shift_and_six_are_not() -> None:
    # k = 7: mean (160 + 77) / 23 = 10.30; k = 6: mean (160 + 66) / 22 = 10.27.
    assert flagged(shift_of(7), Rule.SHIFT) == [8, 9, 10, 11, 12, 13, 14]
    assert flagged(shift_of(6), Rule.SHIFT) == []


def test_a_point_on_the_mean_breaks_a_shift() -> None:
    # 12, 8 x 4 (sum 80), then 11, 11, 11, 10, 11, 11, 11 (sum 76), then six 9s (sum 54):
    # 210 / 21 = 10 exactly, so the 10 is on the mean and leaves two runs of three above it.
    on_the_mean = [*([12, 8] * 4), 11, 11, 11, 10, 11, 11, 11, *([9] * 6)]
    assert xmr(on_the_mean, direction=HIGHER).mean == 10
    assert flagged(on_the_mean, Rule.SHIFT) == []
    # With 11 instead of the 10 the mean is 211 / 21 = 10.05 and the seven 11s are a shift.
    above = [*([12, 8] * 4), *([11] * 7), *([9] * 6)]
    assert flagged(above, Rule.SHIFT) == [8, 9, 10, 11, 12, 13, 14]


def test_six_points_rising_are_a_trend_and_five_are_not() -> None:
    # After 9, 11 (the 11 is higher than the 9 that starts the run, so it is not part of it).
    six = [*([9, 11] * 4), 9, 9.5, 10, 10.5, 11, 11.5, 8, *([12, 8] * 2)]
    five = [*([9, 11] * 4), 9, 9.5, 10, 10.5, 11, 8, *([12, 8] * 2)]
    assert flagged(six, Rule.TREND) == [8, 9, 10, 11, 12, 13]
    assert flagged(five, Rule.TREND) == []


def test_six_points_falling_are_a_trend() -> None:
    falling = [*([9, 11] * 4), 12, 11.5, 11, 10.5, 10, 9.5, 12, *([8, 12] * 2)]
    assert flagged(falling, Rule.TREND) == [8, 9, 10, 11, 12, 13]


def test_equal_consecutive_values_break_a_trend() -> None:
    # 9, 9.5, 10 then 10, 10.5, 11, 11.5: runs of three and four rising points, not seven.
    repeated = [*([9, 11] * 4), 9, 9.5, 10, 10, 10.5, 11, 11.5, 8, *([12, 8] * 2)]
    assert flagged(repeated, Rule.TREND) == []


def test_two_of_three_points_beyond_two_sigma_on_one_side_are_flagged() -> None:
    # STEADY + 15.5, 10.6, 15.5 + 9, 11, 9, 11: mean 241.6 / 23 = 10.504; moving ranges 15 x 2,
    # 4.5, 4.9, 4.9, 6.5, 3 x 2: 56.8 / 22 = 2.582; sigma 2.66 * 2.582 / 3 = 2.289; two sigma
    # above is 15.083 and the upper limit 17.372. Both 15.5s are beyond two sigma, inside the
    # limit, and 10.6 between them is above the mean too: the two 15.5s are flagged.
    values = [*STEADY, 15.5, 10.6, 15.5, *([9, 11] * 2)]
    chart = xmr(values, direction=HIGHER)
    assert chart.mean is not None and chart.sigma is not None
    assert chart.mean + 2 * chart.sigma == pytest.approx(15.0828, abs=1e-4)
    assert chart.upper == pytest.approx(17.3720, abs=1e-4)
    assert flagged(values, Rule.TWO_OF_THREE) == [16, 18]
    assert flagged(values, Rule.OUTSIDE_LIMITS) == []


def test_one_of_three_points_beyond_two_sigma_is_not_flagged() -> None:
    # Mean 10.291, sigma 1.894: two sigma above is 14.080. Only the 15.5 is beyond it.
    values = [*STEADY, 15.5, 10.6, 10.6, *([9, 11] * 2)]
    assert flagged(values, Rule.TWO_OF_THREE) == []


def test_two_of_three_needs_all_three_points_on_the_same_side_of_the_mean() -> None:
    # Two 15.5s beyond two sigma (15.27) but the 9 between them is below the mean (10.43): the
    # Making Data Count tools need all three on one side.
    values = [*STEADY, 15.5, 9, 15.5, *([9, 11] * 2)]
    assert flagged(values, Rule.TWO_OF_THREE) == []


def test_gaps_keep_their_place_and_are_left_out_of_the_mean_and_moving_ranges() -> None:
    # Mean (5 + 7 + 6 + 8) / 4 = 6.5; the only moving range is 7 to 6 (the others border a
    # gap): 1, so the limits are 6.5 +- 2.66.
    chart = xmr([5, None, 7, 6, None, 8], direction=HIGHER)

    assert chart.values == (5, None, 7, 6, None, 8)
    assert chart.mean == 6.5
    assert chart.moving_ranges == (None, None, None, 1, None, None)
    assert chart.upper == pytest.approx(9.16, abs=1e-12)
    assert chart.lower == pytest.approx(3.84, abs=1e-12)
    assert chart.point_variations[1] is None
    assert chart.points == 4
    assert chart.latest == 5


def test_a_shift_goes_on_across_a_gap() -> None:
    values = shift_of(7, middle=[11, 11, 11, None, 11, 11, 11, 11])
    assert flagged(values, Rule.SHIFT) == [8, 9, 10, 12, 13, 14, 15]


def test_the_variation_icon_is_common_cause_when_the_latest_point_is_not_flagged() -> None:
    # The trend above is flagged, but the latest point (8 then 12, 8) is not.
    values = [*([9, 11] * 4), 9, 9.5, 10, 10.5, 11, 11.5, 8, *([12, 8] * 2)]
    chart = xmr(values, direction=HIGHER)
    assert chart.point_variations[13] is Variation.IMPROVING_HIGH
    assert chart.variation is Variation.COMMON_CAUSE


def test_a_high_latest_point_is_improving_when_higher_is_better() -> None:
    chart = xmr([*STEADY, 20], direction=HIGHER)
    assert chart.variation is Variation.IMPROVING_HIGH
    assert chart.variation.label == "Special cause: improving, high"


def test_a_low_latest_point_is_concerning_when_higher_is_better() -> None:
    # STEADY + [1]: mean 161 / 17 = 9.471, mean moving range 40 / 16 = 2.5, lower limit 2.821.
    chart = xmr([*STEADY, 1], direction=HIGHER)
    assert chart.variation is Variation.CONCERNING_LOW
    assert chart.variation.label == "Special cause: concerning, low"
    assert xmr([*STEADY, 1], direction=LOWER).variation is Variation.IMPROVING_LOW
    assert xmr([*STEADY, 20], direction=LOWER).variation is Variation.CONCERNING_HIGH


def test_a_special_cause_is_neither_improving_nor_concerning_when_neither_way_is_better() -> None:
    assert xmr([*STEADY, 20], direction=NEITHER).variation is Variation.NEITHER_HIGH
    assert xmr([*STEADY, 1], direction=NEITHER).variation is Variation.NEITHER_LOW


def test_a_falling_trend_above_the_mean_reads_low() -> None:
    # Six falling points, all above the mean (10.95): a shift and a trend. The trend says which
    # way the process is going, so with higher better the latest point is concerning, low.
    chart = xmr([*STEADY, 15.5, 15, 14, 13, 12, 11.5], direction=HIGHER)
    assert chart.signals[-1] == {Rule.SHIFT, Rule.TREND}
    last, mean = chart.values[-1], chart.mean
    assert last is not None and mean is not None and last > mean
    assert chart.variation is Variation.CONCERNING_LOW


@pytest.mark.parametrize(
    ("direction", "target", "assurance"),
    [
        # HAND_WORKED's limits are 2.651 and 10.099.
        (HIGHER, 2, Assurance.PASSING),
        (HIGHER, 11, Assurance.FAILING),
        (HIGHER, 5, Assurance.HIT_AND_MISS),
        (LOWER, 11, Assurance.PASSING),
        (LOWER, 2, Assurance.FAILING),
        (LOWER, 5, Assurance.HIT_AND_MISS),
    ],
)
def test_assurance_follows_the_direction(
    direction: Direction, target: float, assurance: Assurance
) -> None:
    assert xmr(HAND_WORKED, direction=direction, target=target).assurance is assurance


def test_assurance_labels() -> None:
    assert Assurance.FAILING.label == "Consistently failing the target"
    assert Assurance.PASSING.label == "Consistently passing the target"


def test_a_target_exactly_on_a_limit_is_hit_and_miss() -> None:
    # Per cent: mean 97.867, mean moving range 40 / 14 = 2.857, upper 105.467 clipped to 100.
    # A target of 100 lies on the upper limit: hit and miss, never "consistently".
    percent = [95, 99, 96, 100, 97, 99, 98, 100, 96, 99, 97, 98, 100, 95, 99]
    chart = xmr(percent, direction=HIGHER, target=100, ceiling=100)
    assert chart.upper == 100
    assert chart.assurance is Assurance.HIT_AND_MISS
    # Counts: mean 0.933, mean moving range 1.5, lower -3.057 clipped to 0; a target of 0 with
    # lower better sits on the lower limit.
    counts = [1, 0, 2, 0, 1, 3, 0, 1, 0, 2, 1, 0, 1, 2, 0]
    chart = xmr(counts, direction=LOWER, target=0, floor=0)
    assert chart.lower == 0
    assert chart.assurance is Assurance.HIT_AND_MISS


def test_no_target_or_no_direction_gives_no_assurance() -> None:
    assert xmr(HAND_WORKED, direction=HIGHER).assurance is Assurance.NONE
    assert xmr(HAND_WORKED, direction=NEITHER, target=2).assurance is Assurance.NONE


def test_fifteen_points_are_enough_and_fourteen_are_not() -> None:
    # 15 points: 9, 11 x 7 then 20: mean 10.667, mean moving range 2.5, limits 17.317 and
    # 4.017, both above the target of 3.
    fifteen = [*([9, 11] * 7), 20]
    chart = xmr(fifteen, direction=HIGHER, target=3)
    assert chart.enough is True
    assert chart.variation is Variation.IMPROVING_HIGH
    assert chart.assurance is Assurance.PASSING
    # 14 points: still computed and the point still flagged, but the icons say too few.
    chart = xmr(fifteen[1:], direction=HIGHER, target=3)
    assert chart.enough is False
    assert chart.signals[-1] == {Rule.OUTSIDE_LIMITS}
    assert chart.point_variations[-1] is Variation.IMPROVING_HIGH
    assert chart.variation is Variation.TOO_FEW_POINTS
    assert chart.assurance is Assurance.TOO_FEW_POINTS


def test_limits_are_clipped_to_the_possible_range() -> None:
    percent = [95, 99, 96, 100, 97, 99, 98, 100, 96, 99, 97, 98, 100, 95, 99]
    chart = xmr(percent, direction=HIGHER, floor=0, ceiling=100)
    assert chart.upper == 100
    assert chart.lower == pytest.approx(1468 / 15 - 2.66 * 40 / 14, abs=1e-9)
    counts = [1, 0, 2, 0, 1, 3, 0, 1, 0, 2, 1, 0, 1, 2, 0]
    chart = xmr(counts, direction=LOWER, floor=0)
    assert chart.lower == 0
    assert chart.upper == pytest.approx(14 / 15 + 2.66 * 1.5, abs=1e-9)


def test_the_summary_says_the_latest_value_the_limits_the_variation_and_the_target() -> None:
    chart = xmr(HAND_WORKED, direction=LOWER, target=5)
    text = summary(chart, name="Days from referral to triage", unit="days", labels=months(16))
    assert text == (
        "Days from referral to triage in Nov 2026 was 6. The mean over 16 months is 6.4 and "
        "values between 2.7 and 10.1 are expected from common cause variation. The latest point "
        "shows common cause variation. The target of 5 lies within the limits, so it will be "
        "hit and missed."
    )


def test_the_summary_with_too_few_points_says_the_limits_cannot_yet_be_relied_on() -> None:
    chart = xmr(HAND_WORKED[:10], direction=HIGHER, target=80)
    text = summary(chart, name="Triaged in time", unit="percent", labels=months(10))
    assert text == (
        "Triaged in time in Nov 2026 was 6%. The mean over 10 months is 6.3%. At least 15 "
        "months are needed before the process limits can be relied on, so the chart does not "
        "yet say whether the variation is common or special cause. There are too few months to "
        "say whether the target of 80% will be met."
    )


def test_a_value_that_is_not_a_finite_number_is_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        xmr([1, float("nan"), 2], direction=HIGHER)


def test_the_summary_of_a_weekly_chart_speaks_of_weeks() -> None:
    chart = xmr([4.0, 6.0, 5.0], direction=Direction.LOWER, target=3.0)
    text = summary(
        chart,
        name="Referrals",
        unit="count",
        labels=["26 Oct 2026", "2 Nov 2026", "9 Nov 2026"],
        every="week",
    )
    assert text == (
        "Referrals in the week beginning 9 Nov 2026 was 5. The mean over 3 weeks is 5. "
        "At least 15 weeks are needed before the process limits can be relied on, so the chart "
        "does not yet say whether the variation is common or special cause. There are too few "
        "weeks to say whether the target of 3 will be met."
    )
