"""The public referral form's answers so far, kept on the server between its pages (hazard H42).

A person's answers are never in the page: each step saves them here and redirects (see
`views`). They are:

- found only through a random identifier kept in the browser session that saved them (the
  session is on the server; its cookie ends when the browser closes), so another person, or
  another browser, finds nothing;
- encrypted at rest with `DRAFTS_KEY` (Fernet, the machinery of `accounts/drafts.py`, ADR 15),
  the row's own identifier sealed inside, so a token copied onto another row does not open;
- deleted when the referral is sent (`sent`), when the person asks (`forget`), and after
  `REFERRAL_ANSWERS_KEPT_FOR` (2 hours) without an answer saved: found then, they are
  deleted at once, and the scheduler deletes the rest (`delete_expired_answers`);
- saved for later ("save and come back later", `saved_for_later.py`), kept until their
  emailed link expires (`kept_until`) or is used, whatever the idle limit; the browser
  session that saved them still finds them only within the idle limit.

The submission key that makes sending idempotent is kept with the answers, and the referral
this session sent is remembered (`SENT_KEY`), so Send pressed again after the answers are
gone shows that referral's confirmation instead of making another.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.http import HttpRequest

from onedoor import clock
from onedoor.accounts.drafts import fernet
from onedoor.referrals.models import Referral, SavedAnswers
from onedoor.referrals.wizard import State

# The identifier of this session's saved answers.
SESSION_KEY = "onedoor_referral_answers"
# The referral this session sent last, and when: its confirmation page, for a while.
SENT_KEY = "onedoor_referral_sent"


@dataclass(frozen=True)
class Lost:
    """Answers this session saved that can no longer be used: past their time (`expired`),
    or not readable (their key retired, or the row not theirs)."""

    expired: bool
    # Past the idle limit on this device, but kept for the link emailed to come back with.
    saved_for_later: bool = False


def seal(row_id: uuid.UUID, state: State) -> str:
    plain = json.dumps({"form": str(row_id), "key": state.key, "pages": state.pages})
    return fernet().encrypt(plain.encode()).decode()


def opened(row: SavedAnswers) -> State | None:
    try:
        plain: dict[str, Any] = json.loads(fernet().decrypt(row.content.encode()))
        if plain.get("form") != str(row.uuid):
            return None
        return State(key=str(uuid.UUID(plain["key"])), pages=dict(plain["pages"]))
    except (InvalidToken, KeyError, TypeError, ValueError):
        return None


def _cutoff(now: datetime | None = None) -> datetime:
    return (now or clock.now()) - settings.REFERRAL_ANSWERS_KEPT_FOR


def load(request: HttpRequest) -> State | Lost | None:
    """This session's answers; None when it has saved none (or sent them)."""
    row_id = request.session.get(SESSION_KEY)
    if row_id is None:
        return None
    row = SavedAnswers.objects.filter(uuid=row_id).first()
    if row is not None and row.saved_at < _cutoff() and kept_for_later(row):
        del request.session[SESSION_KEY]  # this device forgets them; the link still works
        return Lost(expired=True, saved_for_later=True)
    if row is None or row.saved_at < _cutoff():
        SavedAnswers.objects.filter(uuid=row_id).delete()
        del request.session[SESSION_KEY]
        return Lost(expired=True)
    state = opened(row)
    if state is None:
        row.delete()
        del request.session[SESSION_KEY]
        return Lost(expired=False)
    return state


def kept_for_later(row: SavedAnswers) -> bool:
    """Saved for later, and its link not yet expired."""
    return row.kept_until is not None and row.kept_until > clock.now()


def current_row(request: HttpRequest) -> SavedAnswers | None:
    """This session's saved answers' row, if it has one (see `load` for whether it is usable)."""
    row_id = request.session.get(SESSION_KEY)
    return SavedAnswers.objects.filter(uuid=row_id).first() if row_id else None


def save(request: HttpRequest, state: State) -> SavedAnswers:
    """Keep `state` for this session, encrypted; the idle clock starts again."""
    row_id = request.session.get(SESSION_KEY)
    row = SavedAnswers.objects.filter(uuid=row_id).first() if row_id else None
    if row is None:
        row = SavedAnswers(uuid=uuid.uuid4())
    row.content = seal(row.uuid, state)
    row.saved_at = clock.now()
    row.save()
    request.session[SESSION_KEY] = str(row.uuid)
    return row


def forget(request: HttpRequest) -> None:
    """Delete this session's answers (the person asked to: "Delete your answers")."""
    row_id = request.session.pop(SESSION_KEY, None)
    if row_id is not None:
        SavedAnswers.objects.filter(uuid=row_id).delete()


def sent(request: HttpRequest, referral: Referral) -> None:
    """The referral is sent: its answers are deleted, and the session remembers the referral."""
    forget(request)
    request.session[SENT_KEY] = {"referral": str(referral.uuid), "at": clock.now().isoformat()}


def sent_referral(request: HttpRequest) -> Referral | None:
    """The referral this session sent, for `REFERRAL_ANSWERS_KEPT_FOR` after sending it."""
    remembered = request.session.get(SENT_KEY)
    if not isinstance(remembered, dict):
        return None
    try:
        at = datetime.fromisoformat(str(remembered["at"]))
        referral_id = uuid.UUID(str(remembered["referral"]))
    except (KeyError, ValueError):
        return None
    if at < _cutoff():
        return None
    return Referral.objects.filter(uuid=referral_id).select_related("child").first()


def delete_expired_answers(now: datetime | None = None) -> int:
    """Delete every form's answers not saved to for `REFERRAL_ANSWERS_KEPT_FOR`, unless saved
    for later and their link is still to expire (the scheduler runs this). How many were
    deleted."""
    now = now or clock.now()
    deleted, _ = (
        SavedAnswers.objects.filter(saved_at__lt=_cutoff(now)).exclude(kept_until__gt=now).delete()
    )
    return deleted
