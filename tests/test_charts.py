"""The SPC charts and icons drawn as SVG (onedoor/insights/charts.py, ADR 25, hazard H50): they
parse, name themselves for a screen reader, draw a marker per value and the lines where the
numbers say, escape every text, keep ids unique on a page, and never say by colour alone.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from onedoor.insights.charts import assurance_icon_svg, variation_icon_svg, xmr_svg
from onedoor.insights.spc import Assurance, Direction, Variation, summary, xmr
from tests.test_spc import HAND_WORKED, STEADY, months

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def by_class(root: ET.Element, css: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == css]


def test_the_chart_parses_and_names_itself_with_its_title_and_summary() -> None:
    chart = xmr(HAND_WORKED, direction=Direction.LOWER, target=5)
    labels = months(16)
    svg = xmr_svg(chart, labels=labels, name="Days to triage", unit="days", id_prefix="triage")
    root = parse(svg)

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 640 380"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "spc-triage-title spc-triage-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.get("id") == "spc-triage-title"
    assert title.text == "Days to triage"
    assert desc is not None and desc.get("id") == "spc-triage-desc"
    assert desc.text == summary(chart, name="Days to triage", unit="days", labels=labels)


def test_one_marker_for_each_value_and_a_special_cause_has_another_shape() -> None:
    values: list[float | None] = [*STEADY[:-1], None, 20]  # 15 values, a gap, then 20
    chart = xmr(values, direction=Direction.HIGHER)
    svg = xmr_svg(chart, labels=months(17), name="Referrals", unit="count", id_prefix="r")
    markers = by_class(parse(svg), "onedoor-spc-point")

    assert len(markers) == 16
    assert [m.tag.removeprefix(SVG) for m in markers] == ["circle"] * 15 + ["path"]
    assert markers[-1].get("fill") == "#005eb8"  # blue: improving
    tip = markers[-1].find(f"{SVG}title")
    assert tip is not None and tip.text == "Nov 2026: 20, special cause, improving"
    concerning = xmr([*STEADY, 1], direction=Direction.HIGHER)
    svg = xmr_svg(concerning, labels=months(17), name="Seen", unit="count", id_prefix="s")
    last = by_class(parse(svg), "onedoor-spc-point")[-1]
    assert (last.tag.removeprefix(SVG), last.get("fill")) == ("rect", "#ed8b00")


def value_at(root: ET.Element, y: float) -> float:
    """The value that a y in the chart stands for, read from the axis's tick labels."""
    ticks = [
        (float(t.get("y") or 0) - 4, float(t.text or 0)) for t in by_class(root, "onedoor-spc-tick")
    ]
    (y0, v0), (y1, v1) = ticks[0], ticks[-1]
    return v0 + (y - y0) / (y1 - y0) * (v1 - v0)


def test_the_mean_limits_and_target_are_drawn_at_their_values_and_labelled() -> None:
    # HAND_WORKED: mean 6.375, limits 2.651 and 10.099 (tests/test_spc.py); target 5.
    chart = xmr(HAND_WORKED, direction=Direction.LOWER, target=5)
    svg = xmr_svg(chart, labels=months(16), name="Days", unit="days", id_prefix="d")
    root = parse(svg)
    ticks = [t.text for t in by_class(root, "onedoor-spc-tick")]
    assert ticks == ["2", "4", "6", "8", "10", "12"]

    for key, value in (("mean", 6.375), ("upper", 10.099), ("lower", 2.651), ("target", 5)):
        line = root.find(f".//{SVG}line[@id='spc-d-{key}']")
        assert line is not None, key
        assert line.get("y1") == line.get("y2")
        assert value_at(root, float(line.get("y1") or 0)) == pytest.approx(value, abs=0.02)
    mean = root.find(f".//{SVG}line[@id='spc-d-mean']")
    upper = root.find(f".//{SVG}line[@id='spc-d-upper']")
    target = root.find(f".//{SVG}line[@id='spc-d-target']")
    assert mean is not None and mean.get("stroke-dasharray") is None
    assert upper is not None and upper.get("stroke-dasharray") == "6 4"
    assert target is not None and target.get("stroke-dasharray") == "12 4 2 4"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Mean 6.4", "Upper limit 10.1", "Lower limit 2.7", "Target 5"} <= set(texts)
    assert "Days" in texts


def test_every_text_is_escaped() -> None:
    chart = xmr(HAND_WORKED, direction=Direction.HIGHER)
    labels = [f"<b>{m}</b>" for m in months(16)]
    svg = xmr_svg(chart, labels=labels, name='Waits <&> "x"', unit="count", id_prefix='a"b<')
    root = parse(svg)

    assert "<b>" not in svg
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == 'Waits <&> "x"'
    assert {e.get("id") for e in root.iter() if e.get("id")} >= {"spc-a-b--title"}


def test_two_charts_on_a_page_have_no_id_in_common() -> None:
    chart = xmr(HAND_WORKED, direction=Direction.HIGHER, target=5)
    first = xmr_svg(chart, labels=months(16), name="A", unit="count", id_prefix="referrals")
    second = xmr_svg(chart, labels=months(16), name="B", unit="count", id_prefix="seen")
    ids = [e.get("id") for svg in (first, second) for e in parse(svg).iter() if e.get("id")]

    assert len(ids) == 12  # title, desc, mean, two limits and target, in each
    assert len(set(ids)) == 12
    assert all(i and re.fullmatch(r"spc-(referrals|seen)-[a-z]+", i) for i in ids)


def test_a_crowded_chart_labels_every_third_month_back_from_the_latest() -> None:
    values = [float(v) for v in (*HAND_WORKED, *HAND_WORKED[:8])]  # 24 months
    svg = xmr_svg(
        xmr(values, direction=Direction.HIGHER),
        labels=months(24),
        name="Referrals",
        unit="count",
        id_prefix="r",
    )
    shown = [" ".join(t.itertext()) for t in by_class(parse(svg), "onedoor-spc-month")]
    assert shown == [months(24)[i] for i in range(2, 24, 3)]
    assert shown[-1] == "Nov 2026"


def test_no_text_is_smaller_than_twelve() -> None:
    chart = xmr(HAND_WORKED, direction=Direction.HIGHER, target=5)
    svg = xmr_svg(chart, labels=months(16), name="A", unit="percent", id_prefix="a")
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes == [13]


@pytest.mark.parametrize("variation", list(Variation))
def test_a_variation_icon_is_named_by_its_label(variation: Variation) -> None:
    root = parse(variation_icon_svg(variation))
    title = root.find(f"{SVG}title")

    assert root.get("role") == "img"
    assert root.get("aria-label") == variation.label
    assert title is not None and title.text == variation.label


@pytest.mark.parametrize("assurance", list(Assurance))
def test_an_assurance_icon_is_named_by_its_label(assurance: Assurance) -> None:
    root = parse(assurance_icon_svg(assurance))

    assert root.get("role") == "img"
    assert root.get("aria-label") == assurance.label


def test_icons_say_more_than_their_colour() -> None:
    def letter(svg: str) -> str:
        return "".join(t.text or "" for t in parse(svg).iter(f"{SVG}text"))

    assert letter(variation_icon_svg(Variation.CONCERNING_HIGH)) == "H"
    assert letter(variation_icon_svg(Variation.IMPROVING_LOW)) == "L"
    assert [letter(assurance_icon_svg(a)) for a in Assurance] == [
        "\N{EN DASH}",
        "P",
        "F",
        "?",
        "\N{HORIZONTAL ELLIPSIS}",
    ]
    # Concern is a filled circle, improvement an outlined one: told apart without colour.
    concern = parse(variation_icon_svg(Variation.CONCERNING_HIGH)).find(f"{SVG}circle")
    improving = parse(variation_icon_svg(Variation.IMPROVING_HIGH)).find(f"{SVG}circle")
    assert concern is not None and concern.get("fill") == "#ed8b00"
    assert improving is not None and improving.get("fill") == "#ffffff"


def test_an_unknown_unit_or_missing_labels_are_refused() -> None:
    chart = xmr(HAND_WORKED, direction=Direction.HIGHER)
    with pytest.raises(ValueError, match="unit"):
        xmr_svg(chart, labels=months(16), name="A", unit="hours", id_prefix="a")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="label"):
        xmr_svg(chart, labels=months(15), name="A", unit="count", id_prefix="a")
