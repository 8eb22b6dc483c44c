"""The review pack is a tagged PDF (PDF/UA-1, ADR 27): a structure tree with real headings,
tables with header cells and every chart a Figure with its text alternative; the title shown
as the window title; British English as its language; and the KPIs' words in its text."""

from __future__ import annotations

import io
import subprocess
import sys

import pikepdf
import pytest
from django.test import Client

from onedoor.accounts.models import User
from onedoor.alliance.models import Alliance
from onedoor.insights.dashboard import choose, scopes, sections, trends
from onedoor.insights.kpis import KPIS
from onedoor.insights.pack import Chart, bar_chart, chart_figure, review_pack
from onedoor.insights.trends import Trend
from tests.pdf_reading import Element, pdf_text, structure
from tests.personas import People, sign_in
from tests.test_kpis import october  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("october")

# The `october` fixture moves the clock to Friday 20 November 2026: this quarter is October to
# December 2026.
TITLE = "Medway Therapeutic Alliance review pack, 1 Oct 2026 to 31 Dec 2026"
SPC = Chart(
    svg='<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60" viewBox="0 0 200 60">'
    '<polyline points="0,50 50,40 100,45 150,20 200,25" fill="none" stroke="#005eb8"/></svg>',
    alt="Referrals each week, October to December 2026: common cause variation only.",
    caption="Referrals each week, with process limits",
)


def _pack(client: Client, query: str = "") -> pikepdf.Pdf:
    response = client.get(f"/insights/pack.pdf{query}")
    assert response.status_code == 200
    return pikepdf.open(io.BytesIO(response.content))


def _kinds(elements: list[Element]) -> list[str]:
    return [element.kind for element in elements]


def test_the_pack_is_tagged_with_its_title_and_language(client: Client, people: People) -> None:
    sign_in(client, people.commissioner)
    pdf = _pack(client)
    root = pdf.Root
    assert "/StructTreeRoot" in root
    assert bool(root.MarkInfo.Marked) is True
    assert str(root.Lang) == "en-GB"
    assert bool(root.ViewerPreferences.DisplayDocTitle) is True
    assert str(pdf.docinfo.Title) == TITLE
    with pdf.open_metadata() as xmp:
        assert xmp["dc:title"] == TITLE
        assert xmp["pdfuaid:part"] == "1"


def test_the_pack_has_real_headings_and_tables_with_header_cells(
    client: Client, people: People
) -> None:
    sign_in(client, people.commissioner)
    kinds = _kinds(structure(_pack(client)))
    assert kinds.count("H1") == 1
    assert kinds.count("H2") == 2  # the service manager's narrative; the shared KPIs
    assert kinds.count("H3") == len(KPIS)  # one per KPI
    assert kinds.count("Table") == len(KPIS)  # a KPI's section is kept on one page
    drawn = _drawn(people.commissioner)
    assert kinds.count("Caption") == len(KPIS) + len(drawn)  # each table's, and each chart's
    # Each table: three column headers and one row header (uncut: one row, "All").
    assert kinds.count("TH") == 4 * len(KPIS)
    assert kinds.count("TD") == 2 * len(KPIS)
    # uncut, no bar charts: each KPI's SPC chart where one is drawn, its summary its text
    # alternative; none for the commissioner here, each KPI having a month about too few
    # children (as referrals' September and October are) or no month at all
    figures = [e.alt for e in structure(_pack(client)) if e.kind == "Figure"]
    assert figures == drawn == []
    assert "referrals" not in [t.kpi.slug for t in _trends(people.commissioner) if t.drawable]


def test_the_pack_holds_every_kpis_name_and_the_suppression(client: Client, people: People) -> None:
    sign_in(client, people.commissioner)
    response = client.get("/insights/pack.pdf")
    text = pdf_text(response.content)
    assert text.startswith(f"{TITLE} 1 Oct 2026 to 31 Dec 2026. The whole alliance.")
    assert "Made 20 November 2026 at 12:00 from OneDoor's shared KPIs." in text
    for kpi in KPIS:
        assert kpi.name in text, kpi.name
    # The four children referred this quarter are fewer than five: suppressed, as on the
    # dashboard, in the dashboard's words.
    # The caption, the column headers, the row: in the dashboard's words.
    assert "Referrals received All Number Out of All Fewer than 5 \u2013" in text
    assert "No narrative has been written for this period." in text


def test_a_chart_by_group_is_a_figure_with_its_text_alternative(
    client: Client, people: People
) -> None:
    sign_in(client, people.manager)
    pdf = _pack(client, "?cut=source")
    figures = [e for e in structure(pdf) if e.kind == "Figure"]
    # Each KPI's SPC chart, and one bar chart for each of the 12 KPIs with two or more groups
    # this quarter (the five with one group, or none with a value, have none), each with its
    # figures in words.
    drawn = _drawn(people.manager)
    assert len(drawn) == 13  # the four figures as things stand have no snapshot here
    assert [e.alt for e in figures if e.alt in drawn] == drawn
    assert len(figures) == len(drawn) + 12
    figures = [e for e in figures if (e.alt or "").startswith("Bar chart")]
    assert len(figures) == 12
    assert [figure.alt for figure in figures[:3]] == [
        "Bar chart of referrals received by referral source. Self (the young person): 1; "
        "GP: 1; School: 3.",
        "Bar chart of re-referrals by referral source. Self (the young person): 0.0%; "
        "GP: 0.0%; School: 33.3%.",
        "Bar chart of days from referral to triage by referral source. "
        "Self (the young person): 1.0 days; GP: 10.0 days; School: 2.0 days.",
    ]


def test_the_leads_charts_are_figures_with_their_alt_through_the_hook(
    people: People, alliance: Alliance
) -> None:
    choice = choose({}, scopes(alliance))
    found = sections(people.manager, alliance, choice)
    content = review_pack(
        alliance, choice, found, "The whole alliance", 5,
        charts={"referrals": [SPC], "waiting": [SPC, {**SPC, "alt": "Second chart."}]},
    )  # fmt: skip
    elements = structure(pikepdf.open(io.BytesIO(content)))
    assert [e.alt for e in elements if e.kind == "Figure"] == [
        SPC["alt"],
        SPC["alt"],
        "Second chart.",
    ]
    text = pdf_text(content)
    assert text.count("Referrals each week, with process limits") == 3  # the captions


@pytest.mark.parametrize("alt", ["", "   "])
def test_a_chart_without_alternative_text_is_refused(
    people: People, alliance: Alliance, alt: str
) -> None:
    with pytest.raises(ValueError, match="needs its text alternative"):
        chart_figure(SPC["svg"], alt)
    choice = choose({}, scopes(alliance))
    found = sections(people.manager, alliance, choice)
    with pytest.raises(ValueError, match="needs its text alternative"):
        review_pack(
            alliance, choice, found, "The whole alliance", 5,
            charts={"referrals": [{**SPC, "alt": alt}]},
        )  # fmt: skip


def test_a_chart_for_a_kpi_not_in_the_pack_or_not_svg_is_refused(
    people: People, alliance: Alliance
) -> None:
    choice = choose({}, scopes(alliance))
    found = sections(people.manager, alliance, choice)
    with pytest.raises(ValueError, match="No KPI in the review pack for the charts of nonsense"):
        review_pack(alliance, choice, found, "x", 5, charts={"nonsense": [SPC]})
    with pytest.raises(ValueError, match="is SVG markup"):
        chart_figure("<img src=x>", "A chart.")


def test_a_chart_is_an_inline_svg_image() -> None:
    figure = chart_figure("<svg/>", " Alt. ", " Caption ")
    assert (figure.src, figure.alt, figure.caption) == (
        "data:image/svg+xml;base64,PHN2Zy8+", "Alt.", "Caption",
    )  # fmt: skip


def test_the_bar_chart_is_left_out_for_one_group_and_names_suppressed_groups(
    people: People, alliance: Alliance
) -> None:
    uncut = sections(people.manager, alliance, choose({}, scopes(alliance)))
    assert bar_chart(uncut[0], "All", 5) is None
    by_source = sections(people.commissioner, alliance, choose({"cut": "source"}, scopes(alliance)))
    referrals = next(s for s in by_source if s.kpi.slug == "referrals")
    # For the commissioner every group (1, 3 and 1 children) is suppressed: no bar to draw.
    assert bar_chart(referrals, "Referral source", 5) is None


def test_weasyprint_loads_its_system_libraries_in_a_fresh_interpreter() -> None:
    """What scripts/debian-packages installs (Pango 1.44 or later, which WeasyPrint needs) is
    found by a new Python process with a bare environment, not only by this one."""
    loads = "import weasyprint.text.ffi as ffi; print(ffi.pango.pango_version() >= 14400)"
    result = subprocess.run(
        [sys.executable, "-I", "-c", loads],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "True\n"), result.stderr


def test_the_narrative_is_text_in_the_pack_never_markup(
    client: Client, people: People, alliance: Alliance
) -> None:
    from onedoor.insights.models import PackNarrative

    PackNarrative.objects.create(
        alliance=alliance, period_start="2026-10-01", period_end="2026-12-31",
        text='Waits <b>fell</b>.\r\n<img src="file:///etc/passwd" alt="x"> & more.',
        written_by=people.manager, written_at="2026-11-20T12:00:00Z",
    )  # fmt: skip
    sign_in(client, people.commissioner)
    content = client.get("/insights/pack.pdf").content
    assert 'Waits <b>fell</b>. <img src="file:///etc/passwd" alt="x"> & more.' in pdf_text(content)
    figures = [e.alt for e in structure(pikepdf.open(io.BytesIO(content))) if e.kind == "Figure"]
    assert figures == _drawn(people.commissioner)  # the SPC charts; no image from the narrative


def _trends(user: User) -> list[Trend]:
    alliance = user.organisation.alliance  # type: ignore[union-attr]
    return trends(user, alliance, choose({}, scopes(alliance)))


def _drawn(user: User) -> list[str]:
    """The text alternatives of the SPC charts the user's pack draws, in the KPIs' order: a
    chart for each KPI with a month to show and none hidden."""
    return [f"Statistical process control chart. {t.summary}" for t in _trends(user) if t.drawable]
