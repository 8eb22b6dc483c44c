"""The endpoints for a partner organisation's own system (a lead provider's or partner's API
client): what it reads (`partner_reads.py`) and writes (`partner_writes.py`), all bounded by
the access policy's row for `Role.PARTNER_SYSTEM` and narrowed by the token's scopes. A
referrer's system (a GP system) holds none of these scopes, so every one refuses it (403)."""

from __future__ import annotations

from ninja import Router

from onedoor.api import partner_reads, partner_writes

router = Router(tags=["partner"])
router.add_router("", partner_reads.router)
router.add_router("", partner_writes.router)
