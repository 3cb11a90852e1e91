"""Readiness of what the gateway depends on: Rasa, the action server and the portal."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import BaseModel

from bot.settings import Settings, rasa_targets


class Check(BaseModel):
    """One dependency as the gateway sees it."""

    status: Literal["up", "down"]
    required: bool
    detail: str | None = None


class Readiness(BaseModel):
    """``ready``: everything up; ``degraded``: an optional part down; ``not_ready``: a required
    part down (the gateway then answers 503)."""

    status: Literal["ready", "degraded", "not_ready"]
    checks: dict[str, Check]


@dataclass(frozen=True)
class Probe:
    """A GET that answers 200 when the dependency can serve; a dependency with several
    replicas (``replicas``: the other base URLs) is up while any of them answers."""

    name: str
    url: str
    required: bool
    replicas: tuple[str, ...] = ()


def default_probes(settings: Settings) -> list[Probe]:
    """Rasa and the action server are required; without the portal the assistant still answers
    procedure questions (dossier lookups say the portal is unavailable)."""
    action_url = f"http://{settings.action_host}:{settings.action_port}"
    rasa_urls = [f"{url.rstrip('/')}/" for url in rasa_targets(settings)]
    return [
        Probe("rasa", rasa_urls[0], required=True, replicas=tuple(rasa_urls[1:])),
        Probe("action_server", f"{action_url}/ready", required=True),
        Probe("portal", f"{settings.portal_url}/api/v1/health", required=False),
    ]


class ReadinessChecker:
    """Asks every dependency at once, each within the probe timeout."""

    def __init__(self, probes: list[Probe], timeout_s: float) -> None:
        self._probes = probes
        self._http = httpx.AsyncClient(timeout=timeout_s)

    async def check(self) -> Readiness:
        results = await asyncio.gather(*(self._check(probe) for probe in self._probes))
        checks = {probe.name: result for probe, result in zip(self._probes, results, strict=True)}
        if any(c.required and c.status == "down" for c in checks.values()):
            status: Literal["ready", "degraded", "not_ready"] = "not_ready"
        elif any(c.status == "down" for c in checks.values()):
            status = "degraded"
        else:
            status = "ready"
        return Readiness(status=status, checks=checks)

    async def _check(self, probe: Probe) -> Check:
        urls = [probe.url, *probe.replicas]
        checks = await asyncio.gather(*(self._check_url(url, probe.required) for url in urls))
        down = [url for url, check in zip(urls, checks, strict=True) if check.status == "down"]
        if not down or len(down) == len(urls):
            return checks[0]
        return Check(status="up", required=probe.required, detail=f"down: {', '.join(down)}")

    async def _check_url(self, url: str, required: bool) -> Check:
        try:
            response = await self._http.get(url)
        except httpx.TimeoutException:
            return Check(status="down", required=required, detail="no answer in time")
        except httpx.TransportError as exc:
            return Check(status="down", required=required, detail=type(exc).__name__)
        if response.status_code != 200:
            return Check(status="down", required=required, detail=f"HTTP {response.status_code}")
        return Check(status="up", required=required)

    async def aclose(self) -> None:
        await self._http.aclose()
