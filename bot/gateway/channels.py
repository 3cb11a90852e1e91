"""The platform channels the gateway serves (Zalo OA, Messenger), built from the settings."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from bot.channels.delivery.send_api import ChannelOutput, MessengerOutput, ZaloOutput, ZaloTokens
from bot.channels.delivery.store import DeliveryStore
from bot.channels.delivery.worker import (
    AssistantUnavailableError,
    DeliveryWorker,
    SendPolicy,
)
from bot.channels.models import Reply
from bot.channels.senders import MESSENGER, ZALO, platform_client_id
from bot.gateway.errors import ApiError
from bot.gateway.pipeline import ConversationPipeline
from bot.gateway.rate_limit import RateLimits
from bot.settings import Settings, channel_db_url

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class MessengerSecrets:
    verify_token: str
    app_secret: str


@dataclass(frozen=True)
class ZaloSecrets:
    app_id: str
    oa_secret: str
    max_age_s: float


@dataclass
class Channels:
    """What the webhook routes need: each configured channel's secrets and the worker."""

    worker: DeliveryWorker | None
    messenger: MessengerSecrets | None
    zalo: ZaloSecrets | None
    outputs: dict[str, ChannelOutput]

    async def aclose(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        for output in self.outputs.values():
            await output.aclose()


def missing(settings: Settings, names: tuple[str, ...]) -> list[str]:
    return [f"ISEE_{name.upper()}" for name in names if not getattr(settings, name)]


def build_channels(
    settings: Settings, pipeline: ConversationPipeline, limits: RateLimits
) -> Channels:
    """Each channel whose secrets are set, and one delivery worker for them (started here);
    a channel left unconfigured is logged once and its webhook answers 503. A user over the
    rate limit is not sent to the assistant (``RateLimits.guard``)."""
    unset_messenger = missing(
        settings, ("messenger_verify_token", "messenger_app_secret", "messenger_page_token")
    )
    unset_zalo = missing(settings, ("zalo_app_id", "zalo_oa_secret"))
    if not (settings.zalo_access_token or settings.zalo_refresh_token):
        unset_zalo.append("ISEE_ZALO_ACCESS_TOKEN or ISEE_ZALO_REFRESH_TOKEN")
    for channel, unset in ((MESSENGER, unset_messenger), (ZALO, unset_zalo)):
        if unset:
            log.warning("channel_not_configured", channel=channel, missing=unset)
    if unset_messenger and unset_zalo:
        return Channels(None, None, None, {})

    store = DeliveryStore(channel_db_url(settings))
    outputs: dict[str, ChannelOutput] = {}
    messenger_secrets = zalo_secrets = None
    if not unset_messenger:
        messenger_secrets = MessengerSecrets(
            str(settings.messenger_verify_token), str(settings.messenger_app_secret)
        )
        outputs[MESSENGER] = MessengerOutput(
            settings.messenger_api_url, str(settings.messenger_page_token)
        )
    if not unset_zalo:
        zalo_secrets = ZaloSecrets(
            str(settings.zalo_app_id), str(settings.zalo_oa_secret), settings.webhook_max_age_s
        )
        store.seed_zalo_tokens(settings.zalo_access_token or "", settings.zalo_refresh_token or "")
        tokens = ZaloTokens(
            store,
            settings.zalo_oauth_url,
            zalo_secrets.app_id,
            zalo_secrets.oa_secret,
            settings.zalo_token_refresh_margin_s,
        )
        outputs[ZALO] = ZaloOutput(settings.zalo_api_url, tokens)

    async def assistant(sender: str, text: str, client: str) -> list[Reply]:
        try:
            return await pipeline.handle(sender, text, client)
        except ApiError as exc:
            if exc.status >= 500:
                raise AssistantUnavailableError(exc.code) from exc
            return [Reply(text=exc.message)]  # bad input: the citizen is told what is wrong

    worker = DeliveryWorker(
        store,
        outputs,
        limits.guard(assistant),
        lambda channel, user_id: platform_client_id(channel, user_id, settings.privacy_hash_key),
        SendPolicy(
            settings.channel_send_attempts,
            settings.channel_send_backoff_s,
            settings.channel_send_backoff_max_s,
        ),
        settings.channel_workers,
        settings.channel_retry_s,
    )
    worker.start()
    return Channels(worker, messenger_secrets, zalo_secrets, outputs)
