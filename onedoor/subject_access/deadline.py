"""The one-month deadline of a subject access request (UK GDPR Article 12(3)), pure.

The ICO's rule: the response is due on the corresponding calendar date of the next month;
where the next month is shorter and has no such date, on its last day (received 31 January,
due 28 February, or 29 in a leap year). (`dateutil.relativedelta(months=1)` gives the same,
but dateutil is not a dependency of the product's own, only of a library's.)"""

from __future__ import annotations

import calendar
from datetime import date


def due_date(received: date) -> date:
    year = received.year + (received.month == 12)
    month = received.month % 12 + 1
    return date(year, month, min(received.day, calendar.monthrange(year, month)[1]))
