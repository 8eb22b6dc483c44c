from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class OutcomesConfig(AppConfig):
    name = "onedoor.outcomes"
    label = "outcomes"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        checks.register(check_measure_files)


def check_measure_files(**kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check` (and every start) reads the measure files: a bad file is an error
    that names the file, the entry and the field, before any page needs the measures."""
    from onedoor.outcomes.measures import MeasureFileError, load_measures, measure_dirs

    try:
        load_measures(measure_dirs())
    except MeasureFileError as error:
        return [checks.Error(str(error), id="outcomes.E001")]
    return []
