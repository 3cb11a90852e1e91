"""Rules every generated answer follows, from ``knowledge_base/answers.yml``.

Three jobs, one file: which words name a district-level body (the answer then carries the notice of
``site.yml``), which offices and addresses belong to another province (``localize.py`` replaces
them), and how the provenance line names each source and its date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pydantic import Field, field_validator, model_validator

from bot.knowledge.localize import PLACES_SLOT, Localizer
from bot.knowledge.site import PLACEHOLDER, Curated, Site


def _compiles(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"mẫu không hợp lệ {pattern!r}: {exc}") from exc
    return patterns


class DistrictRules(Curated):
    """What names a district-level body, and phrases with district words that name none."""

    bodies: list[str] = Field(min_length=1, description="Regexes naming a district-level body")
    not_bodies: list[str] = Field(description="Regexes of phrases that name no body (addresses…)")

    _valid = field_validator("bodies", "not_bodies")(_compiles)


class OtherProvinceRules(Curated):
    """Offices and street addresses of other provinces, and what replaces them."""

    places: list[str] = Field(min_length=1, description="Regexes of another province's name")
    office_heads: list[str] = Field(min_length=1, description="Words an office's name starts with")
    counterparts: dict[str, str] = Field(description="Office name → the Lạng Sơn office")
    replacement: str = Field(min_length=1, description="Words for an office without counterpart")
    street_address: str = Field(description="Regex of a street address; {places} = the places")

    _valid = field_validator("places")(_compiles)

    @model_validator(mode="after")
    def _address_compiles(self) -> OtherProvinceRules:
        _compiles([self.street_address.replace(PLACES_SLOT, "|".join(self.places))])
        return self


class SourceLabel(Curated):
    """One source as an answer names it."""

    name: str = Field(min_length=1)
    dated: str = Field(description="Its date clause; {date}")


class ProvenanceRules(Curated):
    """How the last line of an answer names its sources and their dates."""

    line: str = Field(description="The line; {sources} and {link}")
    dated: str = Field(description="A source with its date; {name} and {dated}")
    national: SourceLabel = Field(description="The national portal; date = the import's date")
    provincial_list: SourceLabel = Field(description="The province's list; date = before when")
    provincial_list_before: dt.date
    staff_check: str = Field(description="{sources} and {date}, when staff checked later")
    joiner: str = Field(description="Joins two sources")

    def source(self, label: SourceLabel, date: dt.date) -> str:
        """``label`` with its date."""
        return self.dated.format(name=label.name, dated=label.dated.format(date=f"{date:%d/%m/%Y}"))

    def national_line(self, link: str, date: dt.date) -> str:
        """The line of an answer whose facts all come from the national portal."""
        return self.line.format(sources=self.source(self.national, date), link=link)


class AnswersFile(Curated):
    """The whole ``answers.yml``."""

    district: DistrictRules
    other_provinces: OtherProvinceRules
    provenance: ProvenanceRules


@dataclass(frozen=True)
class AnswerRules:
    """``answers.yml`` ready to apply, with the district notice of ``site.yml``."""

    district_notice: str | None
    district_bodies: tuple[re.Pattern[str], ...]
    not_district_bodies: tuple[re.Pattern[str], ...]
    localizer: Localizer
    provenance: ProvenanceRules

    @classmethod
    def build(cls, answers: AnswersFile, site: Site | None) -> AnswerRules:
        """Compile ``answers``; ``{site.…}`` placeholders are filled from ``site``.

        Raises ``ValueError`` when the replacement words use a placeholder and there is no site.
        """
        others = answers.other_provinces
        if site is None and PLACEHOLDER.search(others.replacement):
            raise ValueError("other_provinces.replacement dùng {site.…} nhưng thiếu site.yml")
        replacement = site.render(others.replacement) if site else others.replacement
        return cls(
            district_notice=site.notices.district_abolished if site else None,
            district_bodies=tuple(_compile(p) for p in answers.district.bodies),
            not_district_bodies=tuple(_compile(p) for p in answers.district.not_bodies),
            localizer=Localizer.build(others, replacement),
            provenance=answers.provenance,
        )

    def names_district_body(self, text: str) -> bool:
        """Whether ``text`` names a district-level body outside the phrases that name none."""
        masked = [m.span() for pattern in self.not_district_bodies for m in pattern.finditer(text)]
        for pattern in self.district_bodies:
            for match in pattern.finditer(text):
                start, end = match.span()
                if not any(lo <= start and end <= hi for lo, hi in masked):
                    return True
        return False


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)
