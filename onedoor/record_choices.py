"""Choosing several records on a form by their ids.

Django asks the database for all the chosen ids at once (`pk__in`), and SQLite cannot even be
asked about an id wider than its integers: a hand-edited twenty-digit id would be an
`OverflowError` and a 500. Here it is what it is, a choice that is not on the list. (One record
chosen alone is safe already: Django checks the range of an `=` itself.)
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import connections, models


class RecordsChoiceField(forms.ModelMultipleChoiceField):
    """A `ModelMultipleChoiceField` that refuses an id its column could not hold."""

    def clean(self, value: Any) -> Any:
        rows = self.queryset
        assert rows is not None
        pk = rows.model._meta.pk
        if (
            self.to_field_name is None
            and isinstance(pk, models.IntegerField)
            and isinstance(value, list | tuple)
        ):
            ops = connections[rows.db].ops
            lowest, highest = ops.integer_field_range(pk.get_internal_type())
            for chosen in value:
                try:
                    number = int(str(chosen))
                except ValueError:
                    continue  # not a number at all: Django's own message
                if not lowest <= number <= highest:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": chosen},
                    )
        return super().clean(value)
