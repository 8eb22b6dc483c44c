"""The register of personal data: every model of the product is in it or said to hold no
personal data, and a model reaching a person cannot be left out (issue 18, part 1)."""

from __future__ import annotations

import pytest
from django.db import models
from django.test.utils import isolate_apps

from onedoor.care.models import ClinicalNote, SafetyPlan
from onedoor.children.models import Child
from onedoor.privacy.register import (
    BY_MODEL,
    NO_PERSONAL_DATA,
    REGISTER,
    Export,
    product_models,
    unregistered,
)


def test_every_model_of_the_product_is_registered_or_said_to_hold_no_personal_data() -> None:
    assert unregistered(product_models()) == []


def test_a_model_is_listed_once_and_never_both_registered_and_not_personal() -> None:
    labels = [entry.model for entry in REGISTER]
    assert len(labels) == len(set(labels)) == len(BY_MODEL)
    assert set(labels).isdisjoint(NO_PERSONAL_DATA)
    # Every entry names a model the product has.
    assert {entry.model_class._meta.label for entry in REGISTER} == set(labels)


@isolate_apps("onedoor.children")
def test_a_new_model_reaching_a_child_and_left_out_fails_the_register() -> None:
    class SchoolReport(models.Model):  # noqa: DJ008
        child = models.ForeignKey(Child, on_delete=models.CASCADE)
        text = models.TextField()

        class Meta:
            app_label = "children"

    assert unregistered([SchoolReport]) == [
        "children.SchoolReport: holds personal data and is not in the register"
    ]


@isolate_apps("onedoor.care")
def test_a_new_part_of_a_registered_record_is_personal_too() -> None:
    class SafetyPlanStep(models.Model):  # noqa: DJ008
        plan = models.ForeignKey(SafetyPlan, on_delete=models.CASCADE)

        class Meta:
            app_label = "care"

    assert unregistered([SafetyPlanStep]) == [
        "care.SafetyPlanStep: holds personal data and is not in the register"
    ]


@isolate_apps("onedoor.alliance")
def test_a_new_model_with_no_person_must_still_be_said_to_hold_no_personal_data() -> None:
    class Venue(models.Model):  # noqa: DJ008
        name = models.CharField(max_length=100)

        class Meta:
            app_label = "alliance"

    assert unregistered([Venue]) == ["alliance.Venue: in neither the register nor NO_PERSONAL_DATA"]


def test_a_model_said_to_hold_no_personal_data_cannot_reach_a_person() -> None:
    # Listing a model as not personal does not excuse one that reaches a child: the
    # relation decides, and the register must name it.
    assert unregistered([ClinicalNote]) == []
    registered_elsewhere = [m for m in product_models() if m._meta.label in NO_PERSONAL_DATA]
    assert unregistered(registered_elsewhere) == []


@pytest.mark.django_db
def test_every_record_about_a_child_resolves_its_path_to_the_child() -> None:
    for entry in REGISTER:
        if entry.child is None:
            continue
        lookup = f"{entry.child}__pk" if entry.child else "pk"
        # The path is a real one: the query compiles and runs.
        assert entry.model_class._default_manager.filter(**{lookup: 0}).count() == 0
        assert entry.child == "" or Child in _targets(entry.model_class, entry.child)


def _targets(model: type[models.Model], path: str) -> list[type[models.Model]]:
    found = model
    for step in path.split("__"):
        found = found._meta.get_field(step).related_model  # type: ignore[assignment]
    return [found]


def test_what_a_subject_access_export_reads_has_a_child_to_be_found_by() -> None:
    exported = {Export.RECORD, Export.MENTION}
    assert [
        entry.model for entry in REGISTER if entry.export in exported and entry.child is None
    ] == []
