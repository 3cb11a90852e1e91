"""Platform webhooks: verify, queue, acknowledge at once; the delivery worker answers."""

from __future__ import annotations

import json
import time
from typing import Any

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from bot.channels import messenger, zalo
from bot.channels.delivery.worker import DeliveryWorker
from bot.channels.platform import SignatureError
from bot.gateway.channels import Channels
from bot.gateway.errors import ApiError, ErrorResponse

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 401, 403, 413, 503)
}
CHANNEL_NAMES = {"messenger": "Facebook Messenger", "zalo": "Zalo OA"}


def _channels(request: Request) -> Channels:
    channels: Channels = request.app.state.channels
    return channels


def _not_configured(channel: str) -> ApiError:
    return ApiError(
        503,
        "channel_not_configured",
        f"Dạ, kênh {CHANNEL_NAMES[channel]} chưa được cấu hình trên trợ lý ảo (thiếu khoá bí mật).",
    )


def _refused(channel: str, exc: SignatureError) -> ApiError:
    log.warning("webhook_refused", channel=channel, reason=exc.reason)
    return ApiError(exc.status, exc.reason, "Dạ, chữ ký của webhook không hợp lệ.")


def _received(worker: DeliveryWorker | None, events: list[Any]) -> dict[str, str]:
    assert worker is not None  # a configured channel always has the worker
    worker.accept(events)
    return {"status": "received"}


@router.get("/messenger", response_class=PlainTextResponse, responses=ERRORS)
async def messenger_handshake(
    request: Request,
    mode: str | None = Query(None, alias="hub.mode"),
    token: str | None = Query(None, alias="hub.verify_token"),
    challenge: str | None = Query(None, alias="hub.challenge"),
) -> PlainTextResponse:
    """Meta's subscription handshake: echo ``hub.challenge`` when the verify token is ours."""
    secrets = _channels(request).messenger
    if secrets is None:
        raise _not_configured("messenger")
    answer = messenger.handshake_challenge(secrets.verify_token, mode, token, challenge)
    if answer is None:
        log.warning("webhook_refused", channel="messenger", reason="verify_token")
        raise ApiError(403, "verification_failed", "Dạ, mã xác minh webhook không đúng.")
    return PlainTextResponse(answer)


@router.post("/messenger", responses=ERRORS)
async def messenger_webhook(request: Request) -> dict[str, str]:
    """Messages, quick replies and postbacks of the page, signed with the app secret."""
    channels = _channels(request)
    if channels.messenger is None:
        raise _not_configured("messenger")
    body = await request.body()
    try:
        messenger.verify_signature(
            channels.messenger.app_secret, body, request.headers.get(messenger.SIGNATURE_HEADER)
        )
    except SignatureError as exc:
        raise _refused("messenger", exc) from exc
    try:
        payload = json.loads(body)
        events = messenger.parse_events(payload if isinstance(payload, dict) else {})
    except (ValueError, TypeError, AttributeError) as exc:
        raise ApiError(400, "invalid_request", "Dạ, nội dung webhook không đọc được.") from exc
    return _received(channels.worker, events)


@router.post("/zalo", responses=ERRORS)
async def zalo_webhook(request: Request) -> dict[str, str]:
    """Events of the Official Account, signed with the OA secret key."""
    channels = _channels(request)
    if channels.zalo is None:
        raise _not_configured("zalo")
    body = await request.body()
    try:
        event = zalo.verify_signature(
            channels.zalo.app_id,
            channels.zalo.oa_secret,
            body,
            request.headers.get(zalo.SIGNATURE_HEADER),
            int(time.time() * 1000),
            channels.zalo.max_age_s,
        )
    except SignatureError as exc:
        raise _refused("zalo", exc) from exc
    try:
        incoming = zalo.parse_event(event if isinstance(event, dict) else {})
    except (ValueError, TypeError, AttributeError) as exc:
        raise ApiError(400, "invalid_request", "Dạ, nội dung webhook không đọc được.") from exc
    return _received(channels.worker, [incoming] if incoming else [])
