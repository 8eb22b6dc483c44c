"""Finding a child from the staff header (issue 13, hazard H32): what is typed is read into
terms, only children the user may see are found, best first, and every search is audited
with its terms kept where no page shows them."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from onedoor.access.actions import break_glass
from onedoor.access.search import (
    MOST_RESULTS,
    SCORE_NAME_START,
    SCORE_NAME_VARIANT,
    SCORE_ONE_TYPO,
    SCORE_SAME_NAME,
    SCORE_SIMILAR,
    SEARCHERS,
    Terms,
    read,
    search,
    word_score,
)
from onedoor.accounts.roles import Role
from onedoor.alliance.models import Alliance
from onedoor.audit.models import AuditEvent
from onedoor.audit.trail import Action, record, verify_chain
from onedoor.children.models import Child
from onedoor.referrals.models import Status
from onedoor.referrals.reference import display
from tests.personas import People, make_child, shown, sign_in

JAYDEN_NHS = "4010232137"  # valid, in England's range
EZRA_NHS = "9434765919"  # a test number (accepted in the tests)
NOT_ISSUED = "4010232138"  # the check digit does not fit


# Reading what was typed


def test_it_reads_names_as_matching_compares_them() -> None:
    assert read("  Jayden O'Neill-Smith ") == Terms(words=("jayden", "o", "neill", "smith"))
    assert read("Zoë, Åsa") == Terms(words=("zoe", "asa"))


@pytest.mark.parametrize(
    "typed",
    ["3/4/2012", "03/04/2012", "2012-04-03", "3 April 2012", "3 apr 2012", "3rd April 2012"],
)
def test_it_reads_a_date_of_birth_day_first_in_each_format(typed: str) -> None:
    assert read(typed) == Terms(date_of_birth=date(2012, 4, 3))


def test_it_reads_a_name_and_a_date_of_birth_together() -> None:
    assert read("Jayden 3/4/2012") == Terms(date_of_birth=date(2012, 4, 3), words=("jayden",))


def test_it_says_when_a_date_is_not_real_or_there_are_two() -> None:
    with pytest.raises(ValidationError) as not_real:
        read("31/02/2012")
    assert not_real.value.messages == ["31/02/2012 is not a real date"]
    with pytest.raises(ValidationError) as two:
        read("3/4/2012 4/3/2012")
    assert two.value.messages == ["Search for one date of birth at a time"]


@pytest.mark.parametrize("typed", ["4010232137", "401 023 2137", "401-023-2137", " 401 0232137 "])
def test_it_reads_an_nhs_number_with_or_without_spaces(typed: str) -> None:
    assert read(typed) == Terms(nhs_number=JAYDEN_NHS)


def test_it_refuses_an_nhs_number_that_could_not_have_been_issued_saying_why() -> None:
    with pytest.raises(ValidationError) as refused:
        read("401 023 2138")
    assert refused.value.messages == [
        "This is not an NHS number that could have been issued: the last digit is a check "
        "digit, and it does not fit the nine before it (check for a mistyped digit, or two "
        "digits the wrong way round)"
    ]


@pytest.mark.parametrize("typed", ["K7PX-3MQB", "k7px3mqb", "K7PX 3MQB"])
def test_it_reads_a_reference_with_or_without_its_dash(typed: str) -> None:
    assert read(typed) == Terms(reference="K7PX3MQB")


def test_eight_letters_that_make_a_reference_are_searched_as_a_name_too() -> None:
    # STEPHENS passes the reference's check character, and is a family name.
    assert read("Stephens") == Terms(
        reference="STEPHENS", reference_may_be_name=True, words=("stephens",)
    )
    # With the dash, it is only a reference; two four-letter names are only names.
    assert read("STEP-HENS") == Terms(reference="STEPHENS")
    assert read("Esme Ezra") == Terms(words=("esme", "ezra"))


def test_it_says_when_a_reference_has_a_mistyped_character() -> None:
    for typed in ("K7PX-3MQA", "k7px3mqa", "K7PX 3MQA"):
        with pytest.raises(ValidationError) as refused:
            read(typed)
        assert refused.value.messages == [
            f"{typed} is not a referral reference: check it for a mistyped character"
        ]


@pytest.mark.parametrize("typed", ["12345", "Jayden 07", "' OR 1=1 --"])
def test_it_says_how_to_search_when_a_number_cannot_be_read(typed: str) -> None:
    with pytest.raises(ValidationError) as refused:
        read(typed)
    token = next(word for word in typed.split() if any(c.isdigit() for c in word))
    assert refused.value.messages == [
        f"We could not read “{token}”. Search by name, date of birth (like 3/4/2012), NHS "
        "number (10 digits) or referral reference (like K7PX-3MQB)"
    ]


def test_it_refuses_a_search_over_100_characters() -> None:
    assert read("a" * 100) == Terms(words=("a" * 100,))
    with pytest.raises(ValidationError) as refused:
        read("a" * 101)
    assert refused.value.messages == ["Keep your search to 100 characters or fewer"]


def test_nothing_typed_is_no_terms() -> None:
    assert not read("   ")
    assert not read("-'")


# Names, typo-tolerant as matching is


@pytest.mark.parametrize(
    ("typed", "stored", "given", "score"),
    [
        ("jayden", "jayden", True, SCORE_SAME_NAME),
        ("bob", "robert", True, SCORE_NAME_VARIANT),  # stored in canonical form
        ("jay", "jayden", True, SCORE_NAME_START),
        ("jaydon", "jayden", True, SCORE_ONE_TYPO),  # a letter changed
        ("jyaden", "jayden", True, SCORE_ONE_TYPO),  # two letters swapped
        ("okafro", "okafor", False, SCORE_ONE_TYPO),
        ("jaydenn", "jayden", True, SCORE_ONE_TYPO),  # a letter added
        ("christoper", "christopher", False, SCORE_ONE_TYPO),
        ("stephenson", "stevenson", False, SCORE_SIMILAR),  # two apart, but similar
        ("aleksandra", "alexandra", True, SCORE_SIMILAR),
        ("mohamed", "muhammad", True, SCORE_NAME_VARIANT),
        ("jo", "joanna", True, 0),  # too short to be the start of a name
        ("maya", "mia", True, 0),
        ("smith", "smyth", False, SCORE_ONE_TYPO),
        ("teho", "theodore", True, SCORE_ONE_TYPO),  # Theo's typo, stored as Theodore
        ("teho", "theodore", False, 0),
        ("tim", "thomas", True, 0),  # Tom's neighbour, but a name of its own, and short
        ("smith", "jones", False, 0),
    ],
)
def test_a_word_fits_a_name_as_closely_as_it_is_typed(
    typed: str, stored: str, given: bool, score: int
) -> None:
    assert word_score(typed, stored, given=given) == score


# Searching


@pytest.fixture
def jayden(alliance: Alliance) -> Child:
    return make_child(
        alliance, "Jayden", "Okafor", born=date(2012, 4, 3), nhs_number=JAYDEN_NHS,
        allocated_to="kooth", status=Status.WAITING,
    )  # fmt: skip


@pytest.fixture
def ezra(alliance: Alliance) -> Child:
    """CHUMS's child, whom nobody at Kooth may find."""
    return make_child(
        alliance, "Ezra", "Chumsworth", born=date(2011, 6, 9), nhs_number=EZRA_NHS,
        allocated_to="chums", status=Status.IN_INTERVENTION,
    )  # fmt: skip


def _names(found: object) -> list[str]:
    return [result.child.full_name for result in found.results]  # type: ignore[attr-defined]


def test_a_misspelt_name_finds_the_child(people: People, jayden: Child, ezra: Child) -> None:
    for typed in ("Jaydon", "Jyaden Okafor", "jayden okafro", "OKAFOR", "Jay"):
        found = search(people.triage, read(typed), typed=typed)
        assert _names(found) == ["Jayden Okafor"], typed
    assert _names(search(people.triage, read("Bob"), typed="Bob")) == []


def test_a_typo_in_a_nickname_finds_the_child(alliance: Alliance, people: People) -> None:
    make_child(alliance, "Theo", "Sample")  # stored as a form of Theodore
    make_child(alliance, "Thea", "Sample")  # three letters apart from Teho: not found
    found = search(people.triage, read("Teho Sample"), typed="Teho Sample")
    assert [(r.child.full_name, r.score) for r in found.results] == [
        ("Theo Sample", SCORE_ONE_TYPO + SCORE_SAME_NAME)
    ]


def test_an_nhs_number_a_reference_or_a_date_of_birth_finds_the_child(
    people: People, jayden: Child, ezra: Child
) -> None:
    reference = jayden.referrals.get().reference
    for typed in ("401 023 2137", display(reference), reference.lower(), "3 April 2012"):
        found = search(people.triage, read(typed), typed=typed)
        assert _names(found) == ["Jayden Okafor"], typed


def test_a_family_name_that_is_also_a_reference_still_finds_the_child(
    alliance: Alliance, people: People
) -> None:
    make_child(alliance, "Lena", "Stephens")
    found = search(people.triage, read("stephens"), typed="stephens")
    assert [(r.child.full_name, r.score) for r in found.results] == [("Lena Stephens", 30)]


def test_each_result_says_who_the_child_is_and_where_they_are(
    people: People, jayden: Child
) -> None:
    (result,) = search(people.triage, read("Jayden"), typed="Jayden").results
    (referral,) = result.referrals
    assert referral.allocated_organisation is not None
    assert (
        result.child.date_of_birth, result.age, result.child.nhs_number_display,
        referral.reference, referral.get_status_display(), referral.allocated_organisation.name,
    ) == (
        date(2012, 4, 3), 14, "401 023 2137",
        jayden.referrals.get().reference, "Waiting (Waiting Well)", "Kooth",
    )  # fmt: skip


def test_every_term_must_hold_and_the_best_match_comes_first(
    alliance: Alliance, people: People, jayden: Child
) -> None:
    make_child(alliance, "Jaydon", "Okafor", born=date(2013, 1, 5))  # a typo away
    make_child(alliance, "Jayden", "Okafor", born=date(2012, 3, 4))  # day and month swapped
    make_child(alliance, "Jayden", "Smith", born=date(2012, 4, 3))
    found = search(people.triage, read("Jayden Okafor"), typed="Jayden Okafor")
    assert [(r.child.full_name, r.child.date_of_birth, r.score) for r in found.results] == [
        ("Jayden Okafor", date(2012, 3, 4), 60),
        ("Jayden Okafor", date(2012, 4, 3), 60),
        ("Jaydon Okafor", date(2013, 1, 5), 45),
    ]
    found = search(people.triage, read("Okafor 3/4/2012"), typed="Okafor 3/4/2012")
    assert [(r.child.date_of_birth, r.score) for r in found.results] == [
        (date(2012, 4, 3), 70),
        (date(2012, 3, 4), 60),
    ]


def test_a_partner_practitioner_never_finds_another_partners_child_and_it_is_audited(
    client: Client, people: People, jayden: Child, ezra: Child
) -> None:
    reference = display(ezra.referrals.get().reference)
    sign_in(client, people.kooth_practitioner)
    for typed in ("Ezra Chumsworth", "943 476 5919", reference, "9/6/2011"):
        response = client.get("/search/", {"q": typed})
        page = shown(response)
        assert response.status_code == 200
        assert response.context["found"].results == []
        assert "Chumsworth" not in page.replace(typed, "")
        assert "No children found that you can see." in page
        event = AuditEvent.objects.filter(action=AuditEvent.Action.SEARCH).latest("sequence")
        assert (event.actor_username, event.search_terms, event.detail["results"]) == (
            "kim-kooth",
            typed,
            0,
        )
    # The partner's own child is found the same way.
    response = client.get("/search/", {"q": "Jayden Okafor"})
    assert _names(response.context["found"]) == ["Jayden Okafor"]


def test_a_child_seen_through_emergency_access_is_found_only_while_the_grant_lasts(
    people: People, ezra: Child, time_machine: object
) -> None:
    kim = people.kooth_practitioner
    assert _names(search(kim, read("Ezra"), typed="Ezra")) == []
    grant = break_glass(user=kim, child=ezra, reason="Police asked about her overnight absence.")
    assert _names(search(kim, read("Ezra"), typed="Ezra")) == ["Ezra Chumsworth"]
    time_machine.move_to(grant.expires_at + timedelta(seconds=1))  # type: ignore[attr-defined]
    assert _names(search(kim, read("Ezra"), typed="Ezra")) == []


def test_what_a_search_records_in_the_audit_trail(people: People, jayden: Child) -> None:
    before = AuditEvent.objects.count()
    search(people.triage, read("Jaydon 3/4/2012"), typed=" Jaydon 3/4/2012\x00")
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert (
        event.action, event.actor_username, event.record_type, event.record_id,
        event.child_uuid, event.search_terms, event.detail,
    ) == (
        "search", "tina-triage", "child", "", None, "Jaydon 3/4/2012",
        {"by": ["date of birth", "name"], "results": 1, "shown": 1},
    )  # fmt: skip
    assert list(verify_chain()) == []


def test_the_terms_are_in_the_hash_only_when_there_are_some(people: People) -> None:
    viewed = record(Action.VIEW, actor=people.triage, record_type="child", record_id="c1")
    search(people.triage, read("Jayden"), typed="Jayden")
    searched = AuditEvent.objects.get(action="search")
    assert '"search_terms":"Jayden"' in searched.canonical()
    assert "search_terms" not in viewed.canonical()  # rows from before the field hash as before
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET search_terms = %s WHERE action = %s", ["Jay", "search"]
        )
    assert [str(fault) for fault in verify_chain()] == [
        f"audit row #{searched.sequence}: has been edited since it was written"
    ]


def test_roles_without_search_are_refused_and_nothing_is_recorded(
    client: Client, people: People, jayden: Child
) -> None:
    assert frozenset(Role) - SEARCHERS == {
        Role.ANALYST, Role.COMMISSIONER, Role.ADMINISTRATOR, Role.PROFESSIONAL_REFERRER,
        Role.PARTNER_SYSTEM, Role.REFERRER_SYSTEM,  # API clients' accounts: no sessions
    }  # fmt: skip
    for user in (people.analyst, people.commissioner, people.admin, people.referrer):
        sign_in(client, user)
        before = AuditEvent.objects.count()
        response = client.get("/search/", {"q": "Jayden Okafor"})
        assert response.status_code == 403, user.role
        assert "Okafor" not in shown(response)
        assert AuditEvent.objects.count() == before
        assert 'id="search-field"' not in shown(client.get("/"))


def test_the_header_has_the_search_box_for_those_who_may_search(
    client: Client, people: People
) -> None:
    sign_in(client, people.kooth_practitioner)
    page = shown(client.get("/"))
    assert '<form class="nhsuk-header__search-form" id="search" action="/search/"' in page
    assert 'method="get"' in page
    assert re.search(r'<label [^>]*for="search-field">Search for a child by name', page)


def test_an_empty_search_shows_a_hint_and_records_nothing(client: Client, people: People) -> None:
    sign_in(client, people.triage)
    before = AuditEvent.objects.count()
    for query in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/search/", query)
        assert response.status_code == 200
        assert response.context["found"] is None
        assert "Only children you may see are found" in shown(response)
        assert "There is a problem" not in shown(response)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("J" * 101, "Keep your search to 100 characters or fewer"),
        ("31/02/2012", "31/02/2012 is not a real date"),
        ("401 023 2138", "This is not an NHS number that could have been issued"),
        ("a\x00b", "Null characters are not allowed."),
    ],
)
def test_a_search_that_cannot_be_read_is_a_clear_error_and_records_nothing(
    client: Client, people: People, typed: str, message: str
) -> None:
    sign_in(client, people.triage)
    before = AuditEvent.objects.count()
    response = client.get("/search/", {"q": typed})
    page = shown(response)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert AuditEvent.objects.count() == before


def test_as_results_follow_typing_the_status_says_what_the_summary_would(
    client: Client, people: People, jayden: Child
) -> None:
    """htmx swaps in the results and the status (a live region); the error summary is for
    a page load."""
    sign_in(client, people.triage)
    status = re.compile(r'id="search-status" role="status">\s*(.*?)\s*</p>', re.S)
    live = {"HX-Request": "true"}
    cases = [
        ({"q": "31/02/2012"}, {}, ""),
        ({"q": "31/02/2012"}, live, "31/02/2012 is not a real date"),
        ({"q": "Jaydon"}, live, "1 child found"),
        ({"q": "Zebedee"}, live, "No children found that you can see. Check the spelling, or "
         "search by date of birth, NHS number or reference."),
    ]  # fmt: skip
    for query, headers, said in cases:
        found = status.search(shown(client.get("/search/", query, headers=headers)))
        assert found is not None
        assert found[1] == said, query


def test_results_stop_at_fifty_and_say_so(
    alliance: Alliance, people: People, client: Client
) -> None:
    for n in range(MOST_RESULTS + 2):
        make_child(alliance, "Maya", f"Sample{chr(97 + n // 26)}{chr(97 + n % 26)}")
    sign_in(client, people.triage)
    response = client.get("/search/", {"q": "Maya"})
    assert len(response.context["found"].results) == MOST_RESULTS
    assert (
        "52 children found: the 50 that fit best are shown. Add a date of birth or a full name "
        "to narrow the search."
    ) in shown(response)
    event = AuditEvent.objects.get(action="search")
    assert event.detail == {"by": ["name"], "results": 52, "shown": 50}


@pytest.mark.parametrize("size", [3, 30])
def test_a_search_runs_a_fixed_number_of_queries(
    alliance: Alliance, people: People, client: Client, django_assert_num_queries: object,
    size: int,
) -> None:  # fmt: skip
    for n in range(size):
        make_child(alliance, "Maya", f"Sample{chr(97 + n)}", allocated_to="kooth")
        make_child(alliance, "Maya", f"Other{chr(97 + n)}", allocated_to="chums")
    for user, found in ((people.triage, 2 * size), (people.kooth_practitioner, size)):
        sign_in(client, user)
        client.get("/")
        with django_assert_num_queries(13):  # type: ignore[operator]
            response = client.get("/search/", {"q": "maya 14/3/2012"})
        assert response.context["found"].count == found


def test_the_terms_never_appear_on_the_pages_that_show_the_audit_trail(
    client: Client, people: People, jayden: Child
) -> None:
    sign_in(client, people.clinical_lead)
    client.get("/search/", {"q": "Jaydon Okafro"})
    client.get("/search/", {"q": "401-023-2137"})
    client.get(f"/children/{jayden.uuid}/")
    assert AuditEvent.objects.filter(action="search").count() == 2
    for path in (
        f"/governance/children/{jayden.uuid}/access-log/",
        "/governance/emergency-access/",
        f"/children/{jayden.uuid}/",
    ):
        response = client.get(path)
        page = shown(response)
        assert response.status_code == 200, path
        for term in ("Jaydon", "Okafro", "401-023-2137"):
            assert term not in page, (path, term)
    log = client.get(f"/governance/children/{jayden.uuid}/access-log/")
    # The searches are not views of this child's record: the log lists only its views.
    assert {event.action for event in log.context["events"]} == {"view"}


def test_a_search_writes_nothing_of_its_terms_to_the_application_log(
    client: Client, people: People, jayden: Child, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sign_in(client, people.triage)
    client.get("/search/", {"q": "Jaydon Okafro"})
    client.get("/search/", {"q": "31/02/2099"})
    assert "Jaydon" not in caplog.text
    assert "31/02/2099" not in caplog.text


def test_the_web_process_logs_no_query_strings() -> None:
    """gunicorn's access log names the path (%(U)s), never the request line (%(r)s) or the
    query string (%(q)s), which would hold a search's terms."""
    procfile = (Path(__file__).parent.parent / "Procfile").read_text()
    (web,) = [line for line in procfile.splitlines() if line.startswith("web:")]
    log_format = re.search(r"--access-logformat '([^']*)'", web)
    assert log_format is not None
    assert "%(U)s" in log_format[1]
    assert "%(r)s" not in log_format[1]
    assert "%(q)s" not in log_format[1]
