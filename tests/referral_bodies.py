"""A GP's referral as a referrer's system sends it to `POST /api/v1/referrals/submissions`."""

from __future__ import annotations

import copy
from typing import Any

RILEY: dict[str, Any] = {
    "child": {
        "given_name": "Riley",
        "family_name": "Example",
        "date_of_birth": "2013-03-14",
        "gender": "non_binary",
        "ethnicity": "A",
        "address_line_1": "1 Example Road",
        "town": "Chatham",
        "postcode": "me4 4ab",
        "nhs_number": "943 476 5919",
        "school": "Example Academy",
        "gp_ods_code": "Y99901",
    },
    "carers": [
        {
            "name": "Sam Example",
            "relationship": "Father",
            "phone": "07700 900982",
            "email": "sam@example.org",
            "parental_responsibility": "yes",
        }
    ],
    "referrer": {
        "name": "Dr Ada Example",
        "role": "GP",
        "organisation": "Illustrative Chatham Practice",
        "source": "gp",
        "email": "ada.example@nhs.invalid",
        "phone": "01632 960001",
    },
    "reasons": "Low mood for three months; has stopped seeing friends.",
    "needs": ["low-mood", "school"],
    "what_tried": "School counsellor, twice.",
    "risk_indicators": [],
    "communication": {"interpreter_needed": False},
    "priority_groups": ["send"],
    "consent": {
        "to_refer": True,
        "given_by": "parent_carer",
        "to_share": True,
        "family_may_be_contacted": True,
    },
}


def body(key: str = "gp-0001", **changes: Any) -> dict[str, Any]:
    """A submission of Riley's referral under `key`; `changes` set fields by dotted path
    (`child__nhs_number="1"` sets `referral.child.nhs_number`)."""
    referral = copy.deepcopy(RILEY)
    for path, value in changes.items():
        *parents, last = path.split("__")
        place: Any = referral
        for name in parents:
            place = place[int(name)] if name.isdigit() else place[name]
        place[last] = value
    return {"key": key, "referral": referral}
