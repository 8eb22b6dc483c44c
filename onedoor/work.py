"""A task on My tasks (`Item`): what is to be done, about which referral (or which page), by
when. Each app's `work.py` gives its tasks in this shape; `worklist` gathers them (and its
own) into each person's list and the daily digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from onedoor.referrals.models import Referral


@dataclass(frozen=True)
class Item:
    what: str
    referral: Referral | None  # None for work that is not about one referral
    due: datetime
    url_name: str = ""  # the page where the work is done, given the referral's uuid
    link: str = ""  # or that page's own address (a meeting, an action, a concern)
    label: str = ""  # with no referral, what it is about: never a child's name

    @property
    def url(self) -> str:
        if self.link or self.referral is None:
            return self.link
        return reverse(self.url_name, args=[self.referral.uuid])

    @property
    def reference(self) -> str:
        """What the work is about, as the digest names it: a referral's reference only."""
        return self.referral.reference_display if self.referral is not None else self.label

    @property
    def key(self) -> tuple[str, object, str]:
        """The same task on the same referral and page is one piece of work."""
        return (self.what, self.referral.pk if self.referral is not None else None, self.link)
