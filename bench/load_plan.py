"""What the simulated citizens of the load test say: the settings of ``bench/load.yml`` and the
seeded generation of one conversation script."""

from __future__ import annotations

import random
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.channels.models import Button
from bot.textfold import strip_marks

CONFIG_PATH = Path(__file__).resolve().parent / "load.yml"


class StepKind(StrEnum):
    GREETING = "greeting"
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    CLICK = "click"
    DOSSIER = "dossier"
    OWNER_PROOF = "owner_proof"
    CLOSING = "closing"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Targets(_Strict):
    """The figures issue 19 asks of this 2-core machine."""

    users: int = Field(ge=1)
    seconds: float = Field(gt=0)
    errors: int = Field(ge=0)
    p95_ms: float = Field(gt=0)
    memory_growth_pct: float = Field(ge=0)


class Shape(_Strict):
    """One kind of conversation: its steps in order, drawn with ``weight``."""

    weight: int = Field(ge=1)
    steps: list[StepKind] = Field(min_length=1)

    @model_validator(mode="after")
    def _proof_follows_a_lookup(self) -> Shape:
        for i, step in enumerate(self.steps):
            if step is StepKind.OWNER_PROOF and (i == 0 or self.steps[i - 1] != StepKind.DOSSIER):
                raise ValueError("owner_proof must come right after a dossier step")
        return self


class Phrasing(_Strict):
    """What a citizen types for each step; ``{name}``, ``{code}``, ``{last4}`` are filled in."""

    greeting: list[str] = Field(min_length=1)
    question: list[str] = Field(min_length=1)
    follow_up: list[str] = Field(min_length=1)
    dossier: list[str] = Field(min_length=1)
    owner_proof: list[str] = Field(min_length=1)
    closing: list[str] = Field(min_length=1)


class LoadConfig(_Strict):
    targets: Targets
    warmup_seconds: float = Field(ge=0)
    think_seconds: tuple[float, float]
    request_timeout_s: float = Field(gt=0)
    max_name_chars: int = Field(ge=10)
    dossier_pool: int = Field(ge=1)
    accentless_share: float = Field(ge=0, le=1)
    click_preference: list[str] = Field(min_length=1)
    conversations: list[Shape] = Field(min_length=1)
    phrasing: Phrasing

    @model_validator(mode="after")
    def _think_range(self) -> LoadConfig:
        low, high = self.think_seconds
        if not 0 <= low <= high:
            raise ValueError("think_seconds must be [low, high] with 0 <= low <= high")
        return self


def load_config(path: Path = CONFIG_PATH) -> LoadConfig:
    return LoadConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class SeededDossier(_Strict):
    """A dossier of the seeded portal database and the phone number it was filed with."""

    code: str
    phone: str


class Step(_Strict):
    """One message of a script; a click has no text (the button comes from the last reply)."""

    kind: StepKind
    text: str | None = None


class ScriptBook:
    """Draws conversation scripts from the configured shapes, phrasings, procedure names and
    seeded dossiers; the same random state gives the same script."""

    def __init__(
        self, config: LoadConfig, procedure_names: list[str], dossiers: list[SeededDossier]
    ) -> None:
        names = sorted({n for n in procedure_names if len(n) <= config.max_name_chars})
        if not names:
            raise ValueError("no procedure name short enough for a question")
        if not dossiers:
            raise ValueError("no seeded dossier to look up")
        self._config = config
        self._names = [name[0].lower() + name[1:] for name in names]
        self._dossiers = sorted(dossiers, key=lambda d: d.code)

    def script(self, rng: random.Random) -> list[Step]:
        config, phrasing = self._config, self._config.phrasing
        shape = rng.choices(config.conversations, [s.weight for s in config.conversations])[0]
        steps: list[Step] = []
        dossier = self._dossiers[0]
        follow_ups = list(phrasing.follow_up)
        for kind in shape.steps:
            text: str | None
            if kind is StepKind.CLICK:
                text = None
            elif kind is StepKind.QUESTION:
                text = rng.choice(phrasing.question).format(name=rng.choice(self._names))
                if rng.random() < config.accentless_share:
                    text = strip_marks(text)
            elif kind is StepKind.FOLLOW_UP:
                text = rng.choice(follow_ups or phrasing.follow_up)
                if text in follow_ups:
                    follow_ups.remove(text)
            elif kind is StepKind.DOSSIER:
                dossier = rng.choice(self._dossiers)
                text = rng.choice(phrasing.dossier).format(code=dossier.code)
            elif kind is StepKind.OWNER_PROOF:
                text = rng.choice(phrasing.owner_proof).format(last4=dossier.phone[-4:])
            else:
                text = rng.choice(getattr(phrasing, kind.value))
            steps.append(Step(kind=kind, text=text))
        return steps


def choose_button(
    buttons: list[Button], preference: list[str], rng: random.Random
) -> Button | None:
    """A button to click: among those whose payload starts with the most preferred prefix
    offered, one at random; ``None`` when no button matches."""
    for prefix in preference:
        offered = [b for b in buttons if b.payload.startswith(prefix)]
        if offered:
            return rng.choice(offered)
    return None
