"""Abuse limits: how fast one conversation and one client address may send messages.

Each limit is a token bucket (the generic cell rate algorithm: one "theoretical arrival time"
per key): ``messages`` per ``window_s`` sustained, up to ``burst`` at once. Buckets live in this
process (bounded, idle ones forgotten) or, with ``ISEE_RATE_LIMIT_REDIS_URL``, in Redis through
one atomic script, so every gateway replica shares them. Keys are keyed pseudonyms: neither store
holds an address or a platform user id.

- Web chat (``POST /api/v1/chat``): the widget's sender, then the client address as uvicorn
  resolved it (``X-Forwarded-For`` only from ``FORWARDED_ALLOW_IPS``); over either, HTTP 429 with
  the JSON error body and ``Retry-After``. A sender refused on its own limit costs its address
  nothing, so one noisy tab does not silence a shared office or carrier address.
- Zalo / Messenger (checked when the delivery worker takes the queued message): the webhook was
  already acknowledged; an over-limit message is not sent to Rasa, and the user gets one polite
  notice per run of refused messages.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import structlog
from fastapi import Request

from bot.channels.models import Reply
from bot.gateway.errors import ApiError
from bot.privacy import pseudonym
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.channels.delivery.worker import Assistant

log = structlog.get_logger(__name__)

REDIS_PREFIX = "isee:rate:"


def wait_seconds(retry_after_s: float) -> int:
    """Whole seconds to wait (``Retry-After``), at least 1."""
    return max(math.ceil(retry_after_s), 1)


def user_refused(seconds: int) -> str:
    return (
        "Dạ, anh/chị đang gửi tin nhắn hơi nhanh. Anh/chị vui lòng chờ khoảng "
        f"{seconds} giây rồi gửi tiếp ạ."
    )


def address_refused(seconds: int) -> str:
    return (
        "Dạ, hiện có quá nhiều tin nhắn gửi đến trợ lý ảo từ cùng một mạng. Anh/chị vui lòng "
        f"chờ khoảng {seconds} giây rồi gửi lại ạ."
    )


def platform_notice(seconds: int) -> str:
    return (
        "Dạ, anh/chị đang gửi tin nhắn nhanh hơn mức em kịp trả lời, nên em xin phép chưa trả "
        f"lời các tin nhắn vừa rồi. Anh/chị vui lòng chờ khoảng {seconds} giây rồi gửi lại câu "
        "hỏi ạ."
    )


@dataclass(frozen=True)
class Rate:
    """``messages`` per ``window_s`` sustained, ``burst`` at once."""

    messages: int
    burst: int
    window_s: float

    @property
    def interval_s(self) -> float:
        """Time one message's token takes to come back."""
        return self.window_s / self.messages


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: float = 0.0
    first_refusal: bool = False
    """Refused, and the key's previous message was allowed (the moment to tell the user)."""


class LimitStore(Protocol):
    async def hit(self, key: str, rate: Rate) -> Verdict:
        """Count one message for ``key`` when ``rate`` allows it."""
        ...

    async def aclose(self) -> None: ...


class MemoryStore:
    """Buckets in this process, least recently used first: a bucket whose arrival time has
    passed is a fresh one and is dropped; past ``max_keys`` the least recently used go (they
    start afresh — lenient, never blocking)."""

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, bool]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    async def hit(self, key: str, rate: Rate) -> Verdict:
        now = time.monotonic()
        while self._buckets and next(iter(self._buckets.values()))[0] <= now:
            self._buckets.popitem(last=False)
        arrival, refused = self._buckets.pop(key, (now, False))
        arrival = max(arrival, now)
        allow_at = arrival - (rate.burst - 1) * rate.interval_s
        if now < allow_at:
            self._buckets[key] = (arrival, True)
            return Verdict(False, allow_at - now, not refused)
        self._buckets[key] = (arrival + rate.interval_s, False)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return Verdict(True)

    async def aclose(self) -> None:
        self._buckets.clear()


# KEYS[1]: the bucket (hash: tat = arrival time in ms of Redis' clock, refused = 0/1);
# ARGV: interval in ms, burst. Returns {allowed, retry after in ms, first refusal}.
GCRA_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or now)
if tat < now then tat = now end
local allow_at = tat - (burst - 1) * interval
if now < allow_at then
  local refused = redis.call('HGET', KEYS[1], 'refused')
  redis.call('HSET', KEYS[1], 'refused', 1)
  local first = 1
  if refused == '1' then first = 0 end
  return {0, allow_at - now, first}
end
redis.call('HSET', KEYS[1], 'tat', tat + interval, 'refused', 0)
redis.call('PEXPIRE', KEYS[1], tat + interval - now)
return {1, 0, 0}
"""


class RedisStore:
    """Buckets in Redis, shared by every gateway replica; while Redis is unreachable messages are
    let through (the assistant answering matters more than the limit) and a warning is logged."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis  # only needed when Redis is configured

        self._redis = Redis.from_url(url)
        self._script = self._redis.register_script(GCRA_SCRIPT)

    async def hit(self, key: str, rate: Rate) -> Verdict:
        from redis.exceptions import RedisError

        interval_ms = max(math.ceil(rate.interval_s * 1000), 1)
        try:
            allowed, retry_ms, first = await self._script(
                keys=[REDIS_PREFIX + key], args=[interval_ms, rate.burst]
            )
        except RedisError as exc:
            log.warning("rate_limit_store_unavailable", error=type(exc).__name__)
            return Verdict(True)
        return Verdict(bool(allowed), int(retry_ms) / 1000, bool(first))

    async def aclose(self) -> None:
        await self._redis.aclose()


class RateLimits:
    """The gateway's limits: per conversation (web sender, Zalo or Messenger user) and per client
    address of the web chat."""

    def __init__(self, store: LimitStore, user: Rate, address: Rate, hash_key: str) -> None:
        self.store = store
        self.user = user
        self.address = address
        self._hash_key = hash_key

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        store: LimitStore = (
            RedisStore(settings.rate_limit_redis_url)
            if settings.rate_limit_redis_url
            else MemoryStore(settings.rate_limit_max_keys)
        )
        window = settings.rate_limit_window_s
        return cls(
            store,
            Rate(settings.rate_limit_user_messages, settings.rate_limit_user_burst, window),
            Rate(settings.rate_limit_ip_messages, settings.rate_limit_ip_burst, window),
            settings.privacy_hash_key,
        )

    async def check_user(self, sender: str) -> Verdict:
        return await self.store.hit(f"user:{pseudonym(sender, self._hash_key)}", self.user)

    async def check_address(self, address: str) -> Verdict:
        return await self.store.hit(f"ip:{pseudonym(address, self._hash_key)}", self.address)

    def guard(self, assistant: Assistant) -> Assistant:
        """``assistant`` for the platform channels: a user over the limit is not sent to Rasa and
        gets one notice, then nothing until a message is allowed again."""

        async def limited(sender: str, text: str, client: str) -> list[Reply]:
            verdict = await self.check_user(sender)
            if verdict.allowed:
                return await assistant(sender, text, client)
            log.info("rate_limited", scope="user", channel=sender.split(":", 1)[0])
            if verdict.first_refusal:
                return [Reply(text=platform_notice(wait_seconds(verdict.retry_after_s)))]
            return []

        return limited

    async def aclose(self) -> None:
        await self.store.aclose()


async def limit_web_chat(request: Request) -> None:
    """Route dependency of the web chat: the sender's limit, then its address's (429 over)."""
    limits: RateLimits = request.app.state.rate_limits
    try:
        body = await request.json()
    except ValueError:  # the route answers the unreadable body itself
        body = None
    sender = body.get("sender") if isinstance(body, dict) else None
    if isinstance(sender, str):
        verdict = await limits.check_user(f"web:{sender}")
        if not verdict.allowed:
            log.info("rate_limited", scope="user", channel="web")
            seconds = wait_seconds(verdict.retry_after_s)
            raise ApiError(
                429, "rate_limited", user_refused(seconds), {"Retry-After": str(seconds)}
            )
    address = request.client.host if request.client else "unknown"
    verdict = await limits.check_address(address)
    if not verdict.allowed:
        log.info("rate_limited", scope="address", channel="web")
        seconds = wait_seconds(verdict.retry_after_s)
        raise ApiError(
            429, "rate_limited_address", address_refused(seconds), {"Retry-After": str(seconds)}
        )
