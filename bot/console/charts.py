"""Bar charts drawn as inline SVG by the templates (no JavaScript): this module only computes
the geometry."""

from __future__ import annotations

from dataclasses import dataclass

BAR_GAP = 4
LABEL_BAND = 34
VALUE_BAND = 16


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]

    @property
    def baseline(self) -> float:
        return self.height - LABEL_BAND


def bar_chart(title: str, values: list[tuple[str, int]], width: int, height: int) -> Chart:
    """One bar per (label, value), scaled to the largest value."""
    top = max((value for _, value in values), default=0) or 1
    slot = width / max(len(values), 1)
    plot = height - LABEL_BAND - VALUE_BAND
    bars = []
    for index, (label, value) in enumerate(values):
        bar_height = plot * value / top
        bars.append(
            Bar(
                label=label,
                value=value,
                x=index * slot + BAR_GAP / 2,
                y=height - LABEL_BAND - bar_height,
                width=max(slot - BAR_GAP, 1),
                height=bar_height,
            )
        )
    return Chart(title, width, height, bars)
