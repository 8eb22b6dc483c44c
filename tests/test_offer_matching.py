"""Offer matching at triage: which of the alliance's offers fit the child (age, needs, priority
groups, i-THRIVE grouping) and why, which don't and why not, each with its waiting list,
recent waiting time and capacity; in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from onedoor.alliance.models import (
    Alliance,
    IThriveGrouping,
    Need,
    Offer,
    Organisation,
    PriorityGroup,
)
from onedoor.referrals.models import Referral, Status
from onedoor.triage.offers import OfferFit, offers_for
from tests.personas import make_child

TODAY = date(2026, 11, 23)
NINE = date(2017, 5, 1)  # 9 on TODAY
FOURTEEN = date(2012, 3, 14)
TWENTY = date(2006, 5, 1)


def _referral(
    alliance: Alliance,
    name: str,
    *,
    born: date,
    needs: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
) -> Referral:
    """A referral awaiting triage, loaded afresh (nothing cached on it)."""
    child = make_child(alliance, name, born=born)
    for slug in groups:
        child.priority_groups.add(PriorityGroup.objects.get(alliance=alliance, slug=slug))
    referral = child.referrals.get()
    referral.needs.set(Need.objects.filter(alliance=alliance, slug__in=needs))
    return Referral.objects.get(pk=referral.pk)


def _on_list(
    alliance: Alliance, name: str, partner: str, status: Status, received: datetime
) -> Referral:
    """A referral already allocated to `partner`'s offer, in `status`, received `received`."""
    referral = make_child(alliance, name, allocated_to=partner, status=status).referrals.get()
    Referral.objects.filter(pk=referral.pk).update(received_at=received)
    return referral


def _by_slug(fits: list[OfferFit]) -> dict[str, OfferFit]:
    return {fit.offer.slug: fit for fit in fits}


def _at(day: int) -> datetime:
    return datetime(2026, 11, day, 10, 0, tzinfo=UTC)


def test_a_nine_year_old_with_anxiety_fits_lumi_nova_and_not_kooth(alliance: Alliance) -> None:
    referral = _referral(alliance, "Nia", born=NINE, needs=("anxiety",))
    fits = _by_slug(offers_for(referral, today=TODAY))

    lumi = fits["lumi-nova"]
    assert lumi.fits
    assert lumi.reasons == (
        "Age 9 is within 7 to 12",
        "Serves anxiety and worry",
        "For every child: no priority-group focus",
    )
    assert lumi.capacity == 400
    assert (lumi.waiting, lumi.in_work, lumi.median_wait_days) == (0, 0, None)

    kooth = fits["kooth-online"]
    assert not kooth.fits
    assert kooth.reasons == ("Age 9 is outside 11 to 25",)  # only what fails


def test_age_is_taken_on_the_day_given(alliance: Alliance) -> None:
    referral = _referral(alliance, "Theo", born=date(2013, 11, 24), needs=("anxiety",))
    assert _by_slug(offers_for(referral, today=date(2026, 11, 23)))["lumi-nova"].fits
    on_birthday = _by_slug(offers_for(referral, today=date(2026, 11, 24)))["lumi-nova"]
    assert not on_birthday.fits
    assert on_birthday.reasons == ("Age 13 is outside 7 to 12",)


def test_a_care_leaver_of_twenty_fits_the_young_adult_support_offer(alliance: Alliance) -> None:
    leaver = _referral(alliance, "Cass", born=TWENTY, needs=("anxiety",), groups=("care-leaver",))
    offer = _by_slug(offers_for(leaver, today=TODAY))["young-adult-support-offer"]
    assert offer.fits
    assert offer.reasons == (
        "Age 20 is within 16 to 25",
        "Serves anxiety and worry",
        "Priority-group focus matches: care leaver",
    )


def test_a_twenty_year_old_who_is_not_a_care_leaver_does_not(alliance: Alliance) -> None:
    other = _referral(alliance, "Dev", born=TWENTY, needs=("anxiety",), groups=("send",))
    fits = _by_slug(offers_for(other, today=TODAY))
    assert not fits["young-adult-support-offer"].fits
    assert fits["young-adult-support-offer"].reasons == ("For priority group only: care leaver",)
    # Several groups in a focus are all named (in the groups' own order); every failing rule
    # is given.
    assert fits["mentoring"].reasons == (
        "Serves none of: anxiety and worry",
        "For priority groups only: at risk of offending, care experienced (including "
        "unaccompanied asylum-seeking children), care leaver",
    )
    # An offer without a focus is for everyone: Kooth fits a 20-year-old with anxiety.
    assert fits["kooth-online"].fits


def test_a_priority_group_focus_is_matched_by_any_one_of_its_groups(alliance: Alliance) -> None:
    referral = _referral(
        alliance, "Ola", born=FOURTEEN, needs=("anger",), groups=("at-risk-of-offending",)
    )
    mentoring = _by_slug(offers_for(referral, today=TODAY))["mentoring"]
    assert mentoring.fits
    assert "Priority-group focus matches: at risk of offending" in mentoring.reasons


def test_an_offer_must_serve_one_of_the_referrals_needs(alliance: Alliance) -> None:
    referral = _referral(alliance, "Lou", born=NINE, needs=("low-mood", "self-harm"))
    fits = _by_slug(offers_for(referral, today=TODAY))
    assert not fits["lumi-nova"].fits
    assert fits["lumi-nova"].reasons == ("Serves none of: low mood, self-harm",)
    one_to_one = fits["one-to-one-support"]
    assert one_to_one.fits
    assert one_to_one.reasons[1] == "Serves low mood, self-harm"

    # Every failing rule is given, not just the first.
    behaviour = _referral(alliance, "Bo", born=NINE, needs=("behaviour",))
    kooth = _by_slug(offers_for(behaviour, today=TODAY))["kooth-online"]
    assert kooth.reasons == (
        "Age 9 is outside 11 to 25",
        "Serves none of: behaviour that challenges",
    )


def test_an_offer_listing_no_needs_serves_any(alliance: Alliance) -> None:
    Offer.objects.get(slug="lumi-nova").needs.clear()
    referral = _referral(alliance, "Ari", born=NINE, needs=("bereavement",))
    lumi = _by_slug(offers_for(referral, today=TODAY))["lumi-nova"]
    assert lumi.fits
    assert lumi.reasons[1] == "Serves any need"


def test_a_referral_without_needs_is_not_narrowed_by_need(alliance: Alliance) -> None:
    referral = _referral(alliance, "Eve", born=NINE)
    fits = _by_slug(offers_for(referral, today=TODAY))
    assert fits["lumi-nova"].fits
    assert fits["domestic-abuse-support"].fits
    assert fits["lumi-nova"].reasons[1] == "No needs recorded on the referral to match"


def test_the_chosen_grouping_must_match(alliance: Alliance) -> None:
    referral = _referral(alliance, "Kai", born=date(2014, 1, 10), needs=("anxiety",))  # 12
    fits = _by_slug(offers_for(referral, grouping=IThriveGrouping.GETTING_ADVICE, today=TODAY))
    assert not fits["lumi-nova"].fits
    assert fits["lumi-nova"].reasons == (
        "Getting Help, not the chosen Getting Advice and Signposting",
    )
    assert fits["kooth-online"].fits
    assert fits["kooth-online"].reasons[-1] == "Getting Advice and Signposting, as chosen"

    # With no grouping chosen the rule does not apply.
    unchosen = _by_slug(offers_for(referral, today=TODAY))
    assert unchosen["lumi-nova"].fits
    assert len(unchosen["lumi-nova"].reasons) == 3

    with pytest.raises(ValueError, match="i-THRIVE"):
        offers_for(referral, grouping="getting_lucky", today=TODAY)


def test_only_active_offers_of_the_childs_alliance_are_listed(alliance: Alliance) -> None:
    Offer.objects.filter(slug="lumi-nova").update(active=False)
    Organisation.objects.filter(alliance=alliance, slug="chums").update(active=False)
    elsewhere = Alliance.objects.create(
        slug="elsewhere",
        name="Elsewhere",
        area_name="Elsewhere",
        min_age=5,
        max_age=18,
        extended_max_age=25,
    )
    stranger = Organisation.objects.create(
        alliance=elsewhere, slug="stranger", name="Stranger", kind=Organisation.Kind.PARTNER
    )
    Offer.objects.create(
        organisation=stranger,
        slug="anything",
        name="Anything",
        description="-",
        ithrive_grouping=IThriveGrouping.GETTING_HELP,
        min_age=0,
        max_age=25,
        capacity=9,
    )
    referral = _referral(alliance, "Ivy", born=NINE, needs=("anxiety",))
    slugs = {fit.offer.slug for fit in offers_for(referral, today=TODAY)}
    assert slugs == {
        "one-to-one-support",
        "young-adult-support-offer",
        "lgbtqia-group",
        "kooth-online",
        "mentoring",
        "wellbeing-support",
        "positive-behaviour-support",
        "domestic-abuse-support",
    }


def test_waiting_list_in_work_and_median_wait(alliance: Alliance) -> None:
    # On Kooth's waiting list: received 2, 9 and 16 November (21, 14 and 7 days before TODAY).
    _on_list(alliance, "A", "kooth", Status.WAITING, _at(2))
    _on_list(alliance, "B", "kooth", Status.ALLOCATED, _at(9))
    _on_list(alliance, "C", "kooth", Status.WAITING, _at(16))
    # Not waiting: in intervention (counted as in work), discharged, awaiting triage.
    _on_list(alliance, "D", "kooth", Status.IN_INTERVENTION, _at(1))
    _on_list(alliance, "E", "kooth", Status.IN_INTERVENTION, _at(1))
    _on_list(alliance, "F", "kooth", Status.DISCHARGED, _at(1))
    _on_list(alliance, "G", "kooth", Status.AWAITING_TRIAGE, _at(1))
    # CHUMS: an even number waiting, 20 and 5 days: the median 12.5 rounds up to 13.
    _on_list(alliance, "H", "chums", Status.WAITING, _at(3))
    _on_list(alliance, "I", "chums", Status.WAITING, _at(18))

    referral = _referral(alliance, "Zed", born=FOURTEEN, needs=("anxiety",))
    fits = _by_slug(offers_for(referral, today=TODAY))
    kooth = fits["kooth-online"]
    assert (kooth.waiting, kooth.in_work, kooth.capacity, kooth.median_wait_days) == (
        3,
        2,
        1000,
        14,
    )
    chums = fits["bereavement-support"]
    assert (chums.waiting, chums.in_work, chums.median_wait_days) == (2, 0, 13)
    salus = fits["wellbeing-support"]
    assert (salus.waiting, salus.in_work, salus.median_wait_days) == (0, 0, None)


def test_fitting_offers_first_then_most_needs_served_then_shortest_list_then_name(
    alliance: Alliance,
) -> None:
    _on_list(alliance, "S", "salus", Status.WAITING, _at(2))
    _on_list(alliance, "C", "chums", Status.WAITING, _at(2))
    _on_list(alliance, "K", "kooth", Status.WAITING, _at(2))
    referral = _referral(alliance, "Ned", born=NINE, needs=("anxiety", "low-mood"))
    fits = offers_for(referral, today=TODAY)
    assert [(fit.offer.name, fit.fits) for fit in fits] == [
        # Fitting: two needs served (One-to-one has the shorter list), then one need served
        # (Lumi Nova has the shorter list).
        ("One-to-one therapeutic support", True),
        ("Emotional wellbeing support", True),
        ("Lumi Nova", True),
        ("Bereavement support", True),
        # Not fitting: two needs served (Young Adult Support Offer has the shorter list), one,
        # then none, by name.
        ("Young Adult Support Offer", False),
        ("Kooth online support", False),
        ("LGBTQIA+ young people's group", False),
        ("Children and young people's domestic abuse support", False),
        ("Mentoring and advocacy", False),
        ("Positive Behaviour Support", False),
    ]


@pytest.mark.parametrize("on_lists", [3, 30])
def test_a_fixed_number_of_queries(
    alliance: Alliance, django_assert_num_queries: object, on_lists: int
) -> None:
    partners = ["kooth", "salus", "chums"]
    states = [Status.WAITING, Status.ALLOCATED, Status.IN_INTERVENTION]
    for n in range(on_lists):
        _on_list(alliance, f"Child{n}", partners[n % 3], states[n // 3 % 3], _at(1 + n % 20))
    referral = _referral(
        alliance, "Quinn", born=FOURTEEN, needs=("anxiety", "low-mood"), groups=("care-leaver",)
    )
    with django_assert_num_queries(7):  # type: ignore[operator]
        fits = offers_for(referral, grouping=IThriveGrouping.GETTING_HELP, today=TODAY)
    assert len(fits) == 10
    assert sum(fit.waiting + fit.in_work for fit in fits) == on_lists
    for fit in fits:  # everything shown is already loaded
        assert [mode.slug for mode in fit.offer.delivery_modes.all()]
