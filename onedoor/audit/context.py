"""Where the current request came from, for the audit trail (set by AuditContextMiddleware)."""

from __future__ import annotations

from contextvars import ContextVar

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
