"""Another province's offices and addresses, as a Lạng Sơn citizen should read them.

Some national records were copied from Hà Nội's or Hồ Chí Minh City's pages: their agency, address
and steps name "Sở Tư pháp Thành phố Hà Nội" or a street in Hà Nội. At render time such an office
becomes the Lạng Sơn office of the same name when one does the procedure at that level
(``counterparts`` in ``answers.yml``), is dropped when the text names another office right beside
it ("Sở Xây dựng, Sở Giao thông công chánh - TP.HCM"), and is otherwise replaced by the
``replacement`` words; another province's street address is dropped. Legal titles are not touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.knowledge.schema import Channel, Document, Procedure

if TYPE_CHECKING:
    from bot.knowledge.answer_rules import OtherProvinceRules

PLACES_SLOT = "{places}"
_BEFORE_SEPARATOR = re.compile(r"(?:\s*[,;]\s*|\s+(?:hoặc|và)\s+)$", re.IGNORECASE)
_AFTER_SEPARATOR = re.compile(r"^\s*,\s*")
_EMPTY_BRACKETS = re.compile(r"\s*\(\s*\)")


@dataclass(frozen=True)
class Localizer:
    """Rewrites text naming another province's offices; see the module docstring."""

    place: re.Pattern[str]
    office: re.Pattern[str]
    address: re.Pattern[str]
    counterparts: dict[str, str]
    replacement: str

    @classmethod
    def build(cls, rules: OtherProvinceRules, replacement: str) -> Localizer:
        places = "|".join(f"(?:{p})" for p in rules.places)
        names = sorted(rules.counterparts, key=len, reverse=True)
        # Names are case-sensitive: "Sở …" is an office, "cơ sở" is not.
        bodies = [f"(?-i:{re.escape(name)})" for name in names] + [
            rf"(?-i:{re.escape(head)})\b[^,;:()\n]*?" for head in rules.office_heads
        ]
        office = rf"(?P<body>{'|'.join(bodies)})\s*(?:-\s*)?(?P<place>{places})\b"
        return cls(
            place=re.compile(places, re.IGNORECASE),
            office=re.compile(office, re.IGNORECASE),
            address=re.compile(rules.street_address.replace(PLACES_SLOT, places), re.IGNORECASE),
            counterparts={name.casefold(): local for name, local in rules.counterparts.items()},
            replacement=replacement,
        )

    def text(self, value: str) -> str:
        """``value`` without another province's addresses and with its offices localized."""
        if not self.place.search(value):
            return value
        value = _EMPTY_BRACKETS.sub("", self.address.sub("", value))
        for _ in range(len(self.office.findall(value))):
            match = self.office.search(value)
            if match is None:
                break
            value = self._replace(value, match)
        return value

    def _replace(self, value: str, match: re.Match[str]) -> str:
        before, after = value[: match.start()], value[match.end() :]
        local = self.counterparts.get(match["body"].strip().casefold())
        if local:
            return before + local + after
        if (separator := _BEFORE_SEPARATOR.search(before)) and separator.start() > 0:
            return before[: separator.start()] + after
        if (separator := _AFTER_SEPARATOR.match(after)) and after[separator.end() :].strip():
            return before + after[separator.end() :]
        return before + self.replacement + after

    def items(self, values: list[str]) -> list[str]:
        """A list of texts (steps…): an item that starts with a place continues the one before
        it (the source split "Sở Giao thông công chánh" / "TP. Hồ Chí Minh cập nhật…")."""
        joined: list[str] = []
        for value in values:
            if joined and self.place.match(value.lstrip()):
                joined[-1] = f"{joined[-1]} {value.lstrip()}"
            else:
                joined.append(value)
        return [text for value in joined if (text := self.text(value).strip())]

    def _optional(self, value: str | None) -> str | None:
        return (self.text(value).strip() or None) if value else value

    def procedure(self, procedure: Procedure) -> Procedure:
        """``procedure`` (staff overrides applied) with every shown text localized.

        The name and the legal basis are kept: titles may mention a city legitimately.
        """
        shown = procedure.effective()
        return shown.model_copy(
            update={
                "overrides": None,
                "agency": self._optional(shown.agency),
                "audience": self._optional(shown.audience),
                "address": self._optional(shown.address),
                "result": self._optional(shown.result),
                "steps": self.items(shown.steps),
                "conditions": self.items(shown.conditions),
                "documents": [self._document(d) for d in shown.documents],
                "channels": [self._channel(c) for c in shown.channels],
            }
        )

    def _document(self, document: Document) -> Document:
        return document.model_copy(
            update={"name": self.text(document.name), "group": self._optional(document.group)}
        )

    def _channel(self, channel: Channel) -> Channel:
        return channel.model_copy(
            update={
                "time": self._optional(channel.time),
                "fee": self._optional(channel.fee),
                "note": self._optional(channel.note),
            }
        )
