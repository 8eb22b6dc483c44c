"""The words in the demo's records: short, plausible and obviously illustrative, never a
child's name or anything that could identify one."""

from __future__ import annotations

from onedoor.care.models import Discharge, Transition
from onedoor.referrals.models import RiskRating
from onedoor.triage.models import Outcome

RATIONALES: dict[str, tuple[str, ...]] = {
    RiskRating.RED: (
        "Recent self-harm described with a plan; same-day clinical review needed.",
        "Thoughts of ending their life most days this week; safety plan not yet in place.",
        "Escalating risk described by the referrer; needs a clinician today.",
    ),
    RiskRating.AMBER: (
        "Low mood most days and withdrawing from friends; no current plan to harm themselves.",
        "Panic attacks stopping school attendance; family supportive.",
        "Past self-harm, none in the last three months; coping strategies in place.",
    ),
    RiskRating.GREEN: (
        "Worries about exams and sleep; attending school; no risk indicators.",
        "Low confidence after a friendship breakdown; no risk indicators described.",
        "Anger at home since a family change; no risk to self or others described.",
    ),
}
RED_REVIEWS = (
    "Spoke to the family today; safety plan agreed and crisis numbers given.",
    "Reviewed with the referrer; risk managed at home with daily contact for now.",
)
SIGN_OFF_NOTES = (
    "Agree with the decision and the rationale.",
    "Agreed; make sure the family has the crisis numbers.",
)
DECISION_REASONS: dict[str, tuple[str, ...]] = {
    Outcome.ALLOCATE: (
        "The needs described fit this offer and the family agree to it.",
        "Fits the offer's age and needs; the young person would prefer this kind of support.",
    ),
    Outcome.ADVICE: (
        "Needs can be met with advice and self-help; the family know how to come back.",
        "Mild worries with good support at home and school: advice and signposting.",
    ),
    Outcome.STEP_UP: (
        "Risk beyond what the alliance offers: handed over to specialist services today with "
        "the screening and history.",
        "Needs a specialist assessment; the referral and the risk history go with the handover.",
    ),
    Outcome.SAFEGUARDING: (
        "A disclosure of harm at home: referred to children's social care the same day.",
        "Concerns about neglect described by school: referred to children's social care.",
    ),
    Outcome.NOT_ACCEPTED: (
        "The request is for an autism assessment, which the alliance does not offer: we have "
        "suggested the GP refers to the community paediatric service.",
        "The young person already has support for the same need from another service; we "
        "have told the referrer how to refer again if that changes.",
    ),
    Outcome.MORE_INFORMATION: ("More information is needed before a decision.",),
}
MATERIALS = (
    "Sent the self-help pack on worry and the link to the online support service.",
    "Sent the sleep leaflet and the details of the local youth drop-in.",
    "Sent the parents' guide to anxious children and how to refer again.",
)
INFORMATION = (
    "The school's view of attendance and behaviour this term.",
    "The GP's letter about the medication started last month.",
    "Whether the family have agreed to the referral, from the referrer.",
)
CHECK_IN_MATERIALS = ("", "", "Sleep leaflet", "Worry workbook", "Link to the online group")
CARE_PLANS = (
    "Weekly sessions to understand and manage worry, with the family involved.",
    "Fortnightly sessions on mood and routine, building back up to a full school day.",
    "Sessions on coping with anger and repairing relationships at home.",
)
GOALS = (
    "Go to school every day for a month",
    "Sleep through the night most nights",
    "Use a coping strategy when worry starts",
    "Talk to someone at home when things feel bad",
    "Join a club or activity outside school",
    "Feel less low on most days",
)
SAFETY_PLANS: tuple[dict[str, str], ...] = (
    {
        "warning_signs": "Staying in their room and not eating with the family.",
        "coping_strategies": "Music, a walk with the dog, texting a friend.",
        "people_and_places": "Mum; the school's pastoral lead.",
        "keeping_safe": "Sharp objects kept away; crisis numbers saved in the phone.",
    },
    {
        "warning_signs": "Not sleeping and going quiet online.",
        "coping_strategies": "Drawing, a shower, the breathing exercise.",
        "people_and_places": "An older sister; the youth club.",
        "keeping_safe": "Medicines locked away; knows to call 111 and choose option 2.",
    },
)
TRANSITION_REASONS: dict[str, tuple[str, ...]] = {
    Transition.Kind.STEP_UP: (
        "Risk has increased despite weekly sessions.",
        "Needs a specialist assessment the alliance cannot give.",
    ),
    Transition.Kind.BETWEEN_PARTNERS: (
        "The other partner's offer fits the young person's needs better now.",
        "The young person asked for support closer to home.",
    ),
    Transition.Kind.ADULT_SERVICES: (
        "Turning 18 with needs that will go on into adulthood.",
        "Ready to move on to adult support, as planned together.",
    ),
}
HANDOVERS = (
    "Seen weekly since the spring; the care plan, the latest risk review and the outcome "
    "measures go with this handover. The family know who will contact them.",
    "Engages well in the mornings and prefers text reminders. Current risk amber; the safety "
    "plan is attached and was reviewed last week.",
)
FOLLOW_UPS = (
    "Confirm children's social care have opened an assessment",
    "Review the outcome of the assessment with the allocated social worker",
)
CONCERN_OUTCOMES = (
    "Children's social care assessed and put a child in need plan in place; the alliance "
    "will continue support.",
    "Assessed by children's social care; no further action from them, and the family have "
    "support from the school.",
)
DISCHARGE_SUMMARIES: dict[str, tuple[str, ...]] = {
    Discharge.Reason.GOALS_MET: (
        "Goals met: back in school full time and using coping strategies without prompting.",
        "Mood much improved; the young person and family feel able to manage.",
    ),
    Discharge.Reason.DISENGAGED: (
        "Three missed sessions and no answer to calls or letters; the referrer and the GP "
        "have been told, and the family know how to come back.",
    ),
    Discharge.Reason.DECLINED: (
        "The young person decided they did not want support now; told how to refer again.",
    ),
    Discharge.Reason.MOVED_AWAY: (
        "The family moved out of the area; details of the local service were shared.",
    ),
    Discharge.Reason.TRANSFERRED: (
        "Transferred to another service better suited to their needs, with a handover.",
    ),
    Discharge.Reason.OTHER: ("Support ended by agreement with the family.",),
}
