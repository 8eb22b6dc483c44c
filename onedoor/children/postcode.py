"""UK postcodes: the format rules, and the canonical form "ME4 4AB".

The rules are the standard ones (BS 7666, as published on GOV.UK):

* the outward code is A9, A99, A9A, AA9, AA99 or AA9A;
* the first letter is never Q, V or X, and the second never I, J or Z;
* the letter in A9A is one of A B C D E F G H J K P S T U W, and in AA9A one of
  A B E H M N P R V W X Y;
* the inward code is 9AA, whose letters are never C, I, K, M, O or V;
* GIR 0AA (Girobank) is the one exception.

This checks the format only: a well-formed postcode need not exist.
"""

from __future__ import annotations

import re
import unicodedata

_FIRST = "A-PR-UWYZ"  # not Q, V, X
_SECOND = "A-HK-Y"  # not I, J, Z
_THIRD = "ABCDEFGHJKPSTUW"  # the letter in A9A
_FOURTH = "ABEHMNPRVWXY"  # the letter in AA9A
_INWARD = "ABD-HJLNP-UW-Z"  # not C, I, K, M, O, V

_OUTWARD = (
    rf"[{_FIRST}][0-9]{{1,2}}"  # A9, A99
    rf"|[{_FIRST}][0-9][{_THIRD}]"  # A9A
    rf"|[{_FIRST}][{_SECOND}][0-9]{{1,2}}"  # AA9, AA99
    rf"|[{_FIRST}][{_SECOND}][0-9][{_FOURTH}]"  # AA9A
)
_POSTCODE = re.compile(rf"(?:(?P<outward>{_OUTWARD})(?P<inward>[0-9][{_INWARD}]{{2}}))|GIR0AA")


def normalise_postcode(value: str) -> str | None:
    """A postcode in any case or spacing ("me44ab") as "ME4 4AB"; None if it is not one.

    A space anywhere but before the inward code ("ME4 44AB") is refused, not guessed at.
    """
    parts = unicodedata.normalize("NFKC", value).upper().split()
    if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) != 3):
        return None
    compact = "".join(parts)
    if not compact.isascii() or not _POSTCODE.fullmatch(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def district(postcode: str) -> str:
    """The outward code (postcode district) of a canonical postcode: "ME4 4AB" -> "ME4"."""
    return "".join(postcode.split())[:-3]
