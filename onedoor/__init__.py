"""OneDoor: one referral route, one triage, one waiting list view, one set of shared KPIs."""
