"""Drafts: what a member of staff was writing in a form, kept so that a session timeout loses
nothing (hazard H37).

The page's script (`static/onedoor/session.js`) sends a draftable form's fields every few
seconds of change and at the timeout warning; after signing in again, the page with that form
asks for its drafts and puts them back into the fields nobody has touched. A draft is:

- its author's alone: every read, save and discard is by the signed-in user, and another
  user's draft is not found (404);
- encrypted at rest with `DRAFTS_KEY` (Fernet: AES-128-CBC and HMAC-SHA256, from the
  `cryptography` package, ADR 15), the author, address and slot sealed inside with the fields,
  so a row copied onto another author's or form's does not open;
- gone once the form is sent (`forget_sent`, from `DraftsMiddleware`), or after
  `DRAFT_KEPT_FOR` (7 days: `delete_expired_drafts`, run by the scheduler);
- audited when it is restored (it holds clinical text), by identifier only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import WARNING
from django.contrib.messages.storage.base import BaseStorage
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from onedoor import clock
from onedoor.accounts.models import Draft, User
from onedoor.audit.trail import Action, record

# What one draft may hold: a long clinical note fits many times over.
MAX_BYTES = 200_000
MAX_FIELDS = 200
MAX_NAME = 200
MAX_SLOT = 20
# The forms of the accounts pages (sign-in, second factor, sign-out) are never drafted.
NEVER_DRAFTED = ("/accounts/",)
# The addresses of this session's drafts (saved or restored in it), so that the middleware
# asks the database only when a form with a draft is sent.
SESSION_KEY = "onedoor_drafts"


class DraftError(ValueError):
    """A draft the server refuses: too big, not JSON, or not one of OneDoor's forms."""


@dataclass(frozen=True)
class Restored:
    draft: Draft
    fields: list[tuple[str, str]]


def fernet() -> MultiFernet:
    """The `DRAFTS_KEY` keys: the first encrypts, any decrypts. Also seals the public referral
    form's saved answers (`referrals/saved_answers.py`)."""
    keys = [key.strip() for key in str(settings.DRAFTS_KEY).split(",") if key.strip()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _seal(author: User, action: str, slot: int, fields: list[tuple[str, str]]) -> str:
    plain = json.dumps(
        {"author": str(author.uuid), "action": action, "slot": slot, "fields": fields}
    )
    return fernet().encrypt(plain.encode()).decode()


def _open(draft: Draft, author: User) -> list[tuple[str, str]] | None:
    """The draft's fields, or None when it does not open (another key, or not this row's)."""
    try:
        plain = json.loads(fernet().decrypt(draft.content.encode()))
    except (InvalidToken, ValueError):
        return None
    if (plain.get("author"), plain.get("action"), plain.get("slot")) != (
        str(author.uuid),
        draft.action,
        draft.slot,
    ):
        return None
    return [(str(name), str(value)) for name, value in plain.get("fields", [])]


def check_action(action: object) -> str:
    """The form's address, if it is one of OneDoor's pages (a path on this site)."""
    if not isinstance(action, str) or not action.startswith("/") or action.startswith("//"):
        raise DraftError("The form's address must be a path on this site")
    if len(action) > Draft._meta.get_field("action").max_length:  # type: ignore[operator]
        raise DraftError("The form's address is too long")
    if action.startswith(NEVER_DRAFTED):
        raise DraftError("This form is never kept as a draft")
    try:
        resolve(action.split("?", 1)[0])
    except Resolver404 as error:
        raise DraftError("That is not a form of OneDoor's") from error
    return action


def parse(body: bytes) -> tuple[str, int, list[tuple[str, str]], str]:
    """A draft as the script sends it: `{"action", "slot", "fields": [[name, value], ...],
    "author"}`. Raises DraftError, with what is wrong, for anything else."""
    if len(body) > MAX_BYTES:
        raise DraftError("The draft is too big to keep")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise DraftError("The draft is not JSON") from error
    if not isinstance(data, dict):
        raise DraftError("The draft must be a JSON object")
    action = check_action(data.get("action"))
    slot = data.get("slot", 0)
    if not isinstance(slot, int) or isinstance(slot, bool) or not 0 <= slot <= MAX_SLOT:
        raise DraftError("The form's slot must be a small whole number")
    fields = data.get("fields")
    if not isinstance(fields, list) or len(fields) > MAX_FIELDS:
        raise DraftError(f"The fields must be a list of at most {MAX_FIELDS} pairs")
    pairs = []
    for pair in fields:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
            or not 0 < len(pair[0]) <= MAX_NAME
        ):
            raise DraftError("Each field must be a pair of a name and a value")
        if pair[0] != "csrfmiddlewaretoken":
            pairs.append((pair[0], pair[1]))
    author = data.get("author", "")
    if not isinstance(author, str):
        raise DraftError("The author must be a user's identifier")
    return action, slot, pairs, author


def _remember(request: HttpRequest, action: str) -> None:
    kept = request.session.get(SESSION_KEY, [])
    if action not in kept:
        request.session[SESSION_KEY] = [*kept, action]


def save_draft(
    request: HttpRequest, *, author: User, action: str, slot: int, fields: list[tuple[str, str]]
) -> Draft | None:
    """Keep the form's fields for `author`, replacing that form's draft. A form with nothing
    written in it keeps no draft (and loses the one it had)."""
    if not any(value.strip() for _, value in fields):
        Draft.objects.filter(author=author, action=action, slot=slot).delete()
        return None
    draft, _ = Draft.objects.update_or_create(
        author=author,
        action=action,
        slot=slot,
        defaults={"content": _seal(author, action, slot, fields), "saved_at": clock.now()},
    )
    _remember(request, action)
    return draft


def kept(author: User) -> Any:
    """The author's drafts not yet past `DRAFT_KEPT_FOR`."""
    return Draft.objects.filter(author=author, saved_at__gte=clock.now() - settings.DRAFT_KEPT_FOR)


def restore(request: HttpRequest, *, author: User, actions: Iterable[str]) -> list[Restored]:
    """The author's drafts of these forms, opened, each restore audited. A draft that no
    longer opens (its key retired) is deleted: nobody could read it."""
    restored = []
    for draft in kept(author).filter(action__in=list(actions)).order_by("action", "slot"):
        fields = _open(draft, author)
        if fields is None:
            draft.delete()
            continue
        record(
            Action.VIEW,
            actor=author,
            record_type="draft",
            record_id=draft.uuid,
            detail={"restored": True, "form": draft.action.split("?", 1)[0]},
        )
        _remember(request, draft.action)
        restored.append(Restored(draft, fields))
    return restored


def discard(*, author: User, draft_uuid: UUID) -> bool:
    """Delete the author's draft; False when they have none by that identifier."""
    deleted, _ = Draft.objects.filter(author=author, uuid=draft_uuid).delete()
    return deleted > 0


def forget_sent(request: HttpRequest, response: HttpResponse) -> None:
    """A form sent and accepted (a redirect after the POST, with no error or warning message
    queued) needs its draft no more. Asks the database only for a form whose draft this
    session saved or restored."""
    if request.method != "POST" or not 300 <= response.status_code < 400:
        return
    user = request.user
    if not isinstance(user, User) or not hasattr(request, "session"):
        return
    action = request.get_full_path()
    remembered = request.session.get(SESSION_KEY, [])
    if action not in remembered:
        return
    # A view that refused the write and redirected says so with an error or a warning. The
    # messages are read and left in place for the next page (`used = False`, as Django's
    # messages framework documents).
    pending = messages.get_messages(request)
    refused = any(message.level >= WARNING for message in pending)
    if isinstance(pending, BaseStorage):
        pending.used = False
    if refused:
        return
    Draft.objects.filter(author=user, action=action).delete()
    request.session[SESSION_KEY] = [kept for kept in remembered if kept != action]


def delete_expired_drafts(now: datetime | None = None) -> int:
    """Delete every draft older than `DRAFT_KEPT_FOR` (the scheduler runs this)."""
    cutoff = (now or clock.now()) - settings.DRAFT_KEPT_FOR
    deleted, _ = Draft.objects.filter(saved_at__lt=cutoff).delete()
    return deleted
