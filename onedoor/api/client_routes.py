"""Who am I: the calling client, its organisation, scopes and token's expiry."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from onedoor.api.schemas import answers

router = Router(tags=["client"])


class ClientOut(Schema):
    uuid: UUID
    name: str
    organisation: str
    scopes: list[str]
    token_expires_at: datetime


@router.get("/client", response=answers({200: ClientOut}), summary="The calling client")
def client(request: HttpRequest) -> ClientOut:
    caller = request.auth  # type: ignore[attr-defined]
    return ClientOut(
        uuid=caller.client.uuid,
        name=caller.client.name,
        organisation=caller.client.organisation.name,
        scopes=caller.client.scopes,
        token_expires_at=caller.token.expires_at,
    )
