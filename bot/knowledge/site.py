"""Province facts staff must confirm (``knowledge_base/site.yml``) and how answers cite them.

Hand-written answers never state a hotline, an address or opening hours directly: they write a
placeholder such as ``{site.hotline}``. At render time a confirmed fact is shown with its value;
an unconfirmed one is replaced by its fallback text, which points the citizen to the portal.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

FACT_KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
PLACEHOLDER = re.compile(r"\{site\.([^{}]*)\}")
VALUE_SLOT = "{value}"


class UnknownSiteKeyError(KeyError):
    """An answer refers to a ``{site.<key>}`` that ``site.yml`` does not define."""


class Curated(BaseModel):
    """Base for hand-curated files: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SiteFact(Curated):
    """One province fact, shown only once a civil servant has confirmed it."""

    label: str = Field(min_length=1, description="What the fact is, for staff")
    value: str | None = Field(None, description="The value, e.g. a phone number")
    confirmed: bool = Field(description="True once a civil servant has checked the value")
    checked_at: dt.date | None = Field(None, description="Date the value was confirmed")
    confirmed_text: str = Field(description="Words shown when confirmed; must contain {value}")
    fallback_text: str = Field(description="Words shown while unconfirmed; points to the portal")
    note: str | None = Field(None, description="Where to check the value, for staff")

    @model_validator(mode="after")
    def _consistent(self) -> SiteFact:
        if VALUE_SLOT not in self.confirmed_text:
            raise ValueError("confirmed_text phải chứa {value} để hiển thị giá trị")
        for name in ("confirmed_text", "fallback_text"):
            if PLACEHOLDER.search(getattr(self, name)):
                raise ValueError(f"{name} không được chứa chỗ trống {{site.…}} lồng nhau")
        if self.confirmed and not (self.value and self.value.strip()):
            raise ValueError("mục đã xác nhận (confirmed: true) phải có value")
        if self.confirmed and self.checked_at is None:
            raise ValueError("mục đã xác nhận (confirmed: true) phải có ngày checked_at")
        return self

    def phrase(self) -> str:
        """The words an answer shows for this fact."""
        if self.confirmed and self.value:
            return self.confirmed_text.replace(VALUE_SLOT, self.value.strip())
        return self.fallback_text


class Notices(Curated):
    """Fixed notices appended to generated answers."""

    district_abolished: str = Field(
        min_length=1,
        description="Shown when an answer names a district-level body (abolished 1 July 2025)",
    )


class Site(Curated):
    """The whole ``site.yml``: province facts and notices."""

    facts: dict[str, SiteFact]
    notices: Notices

    @model_validator(mode="after")
    def _keys(self) -> Site:
        bad = [key for key in self.facts if not re.match(FACT_KEY_PATTERN, key)]
        if bad:
            raise ValueError(f"tên mục không hợp lệ: {', '.join(bad)} (chỉ chữ thường, số, '_')")
        return self

    def placeholders(self, text: str) -> list[str]:
        """Keys referred to by ``{site.<key>}`` in ``text``, unknown ones included."""
        return PLACEHOLDER.findall(text)

    def unknown_keys(self, text: str) -> list[str]:
        """Keys referred to in ``text`` that this site does not define."""
        return [key for key in self.placeholders(text) if key not in self.facts]

    def render(self, text: str) -> str:
        """Replace every ``{site.<key>}`` with the fact's value or its fallback words."""

        def _sub(match: re.Match[str]) -> str:
            key = match.group(1)
            fact = self.facts.get(key)
            if fact is None:
                raise UnknownSiteKeyError(key)
            return fact.phrase()

        return PLACEHOLDER.sub(_sub, text)
