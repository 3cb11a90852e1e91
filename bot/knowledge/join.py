"""Join a provincial procedure to the national record of the same procedure: code and name.

The base code alone is not enough: some codes point to a national record of another procedure
(2.002008 "Đăng ký thay đổi thành viên công ty TNHH hai thành viên trở lên" carries the record
about revoking a registration obtained by forgery). A record is joined only when its name also
passes the name test; otherwise the national record whose name lists the provincial procedure is
joined instead (re-targeted), or nothing is (docs/knowledge-base.md, "Join rule").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from bot.knowledge.province import Action, JoinDetail, ProvinceProcedure, ReportItem
from bot.knowledge.text import clean
from bot.textfold import fold

# Share of the shorter name's words (accent- and case-folded, numbers aside) found in the other
# name. Over the 483 same-code joins of the real sources 442 score 1.0 and 457 ≥ 0.9; below, the
# scores thin out to 0.53 (renamed investment procedures, merged national names, added
# qualifiers — all read as the same procedure) and then drop to 0.38 and 0.13, the two different
# procedures (1.005169, 2.002008). 0.5 — at least half of the shorter name — sits in that gap.
JOIN_MIN_CONTAINMENT = 0.5
# Joins scoring below this are kept but listed as doubtful in the import report for staff to
# read: the thin tail of the distribution above (11 joins between 0.5 and 0.7; 19 more lie
# between 0.7 and 0.9, all read as the same procedure).
JOIN_DOUBTFUL_BELOW = 0.7
# Re-targeting has no code to back it, so the name alone must identify the record: in the same
# field, one of the procedures a national name lists (split at ";" and ",") starts with the same
# two words as the provincial name (the action: đăng ký, cấp lại…), differs in no level word
# (tỉnh, huyện, xã) and has word Jaccard ≥ 0.8 with it (qualifiers in parentheses aside): the same
# phrase give or take one word in five. 2.002008 → 2.002011 scores 1.0, 1.005169 → 2.002041
# 0.86. Checked against the 481 same-code joins that pass: searching by name alone finds the
# joined record for 364, none or several for 113, and another record for 4 (level variants and
# one name published under two codes), so the rule rarely picks a wrong record.
RETARGET_MIN_JACCARD = 0.8

VARIANT = re.compile(
    r"\s*\((?:được )?(?:thực hiện )?(?:tại|ở) cấp (tỉnh|trung ương|xã|huyện)\)\s*$", re.IGNORECASE
)
# Level or code tags some national names carry in the middle or at the end:
# "(cấp xã)", "(Cấp tỉnh)", "( 1.010727 )".
_TAG = re.compile(r"\(\s*(?:cấp\s+(?:tỉnh|xã|huyện|trung ương)|\d\.\d{6})\s*\)", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\([^()]*\)")
_CLAUSE = re.compile(r"[;,]")
_DIGIT = re.compile(r"\d")
_LEVEL_WORDS = frozenset({"tinh", "huyen", "xa", "trung", "uong"})


def name_key(name: str) -> str:
    """Name compared across sources: case-folded, without "Thủ tục" and the level suffix."""
    text = VARIANT.sub("", clean(name)).casefold()
    return re.sub(r"^thủ tục\s+", "", text).strip(" .")


def _words(name: str) -> list[str]:
    folded = fold(_TAG.sub(" ", name_key(name))).split()
    return [word for word in folded if not _DIGIT.search(word)]


def name_words(name: str) -> set[str]:
    """Accent-folded words of ``name_key(name)`` without level / code tags and numbers."""
    return set(_words(name))


def name_score(first: str, second: str) -> float:
    """Containment: the share of the shorter name's words that the other name has."""
    a, b = name_words(first), name_words(second)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def clause_score(provincial: str, national: str) -> float:
    """Best word Jaccard between the provincial name without its parenthesised qualifiers and
    one procedure the national name lists (its ";"/"," separated parts, or the whole name) that
    starts with the same two words and differs in no level word; 0.0 when none does."""
    core = _words(_PARENTHESIS.sub(" ", provincial))
    core_set = set(core)
    best = 0.0
    for part in [national, *_CLAUSE.split(national)]:
        words = _words(part)
        if not core or words[:2] != core[:2]:
            continue
        part_set = set(words)
        if _LEVEL_WORDS & (core_set ^ part_set):
            continue
        best = max(best, len(core_set & part_set) / len(core_set | part_set))
    return best


class NationalName(BaseModel):
    """What the join needs of a national record."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    field: str


class Joins(BaseModel):
    """Provincial code → code of the national record joined to it, and the report lines."""

    model_config = ConfigDict(frozen=True)

    joined: dict[str, str]
    report: list[ReportItem]

    @property
    def retargeted(self) -> set[str]:
        """National codes joined to a provincial procedure of another code."""
        return {national for code, national in self.joined.items() if national != code}


def join_records(
    provincial: Mapping[str, ProvinceProcedure], national: Mapping[str, NationalName]
) -> Joins:
    """Join every provincial procedure to the national record of the same procedure, if any."""
    joined: dict[str, str] = {}
    report: list[ReportItem] = []
    for code in sorted(provincial):
        prov = provincial[code]
        record = national.get(code)
        if record is None:
            continue
        score = name_score(prov.name, record.name)
        if score >= JOIN_MIN_CONTAINMENT:
            joined[code] = code
            if score < JOIN_DOUBTFUL_BELOW:
                report.append(
                    _item(
                        prov,
                        record,
                        score,
                        "doubtful",
                        f"joined, but the names share little (name score {score:.2f} < "
                        f"{JOIN_DOUBTFUL_BELOW}): staff should check it is the same procedure",
                    )
                )
            continue
        report.append(
            _item(
                prov,
                record,
                score,
                "refused",
                f"national record {code} is another procedure (name score {score:.2f} < "
                f"{JOIN_MIN_CONTAINMENT}); its facts are not used, and it is not imported on its "
                "own (its code is this procedure's)",
            )
        )
        target = _retarget(prov, record, national, report)
        if target is not None:
            joined[code] = target
    return Joins(joined=joined, report=report)


def _retarget(
    prov: ProvinceProcedure,
    refused: NationalName,
    national: Mapping[str, NationalName],
    report: list[ReportItem],
) -> str | None:
    """The national record of the same field whose name lists this procedure. None (and a
    report line) when no record fits or several fit equally."""
    fields = {fold(refused.field), fold(prov.field)}
    scored: list[tuple[float, NationalName]] = []
    for record in national.values():
        if record.code == refused.code or fold(record.field) not in fields:
            continue
        score = clause_score(prov.name, record.name)
        if score >= RETARGET_MIN_JACCARD:
            scored.append((score, record))
    if not scored:
        report.append(
            _plain(
                prov,
                "note",
                "no national record of the same field lists this name: answers give the list "
                "facts and the portal link",
            )
        )
        return None
    scored.sort(key=lambda item: (-item[0], item[1].code))
    best_score, best = scored[0]
    ties = [record.code for score, record in scored if score == best_score]
    if len(ties) > 1:
        report.append(
            _plain(prov, "ambiguous", f"several national records list this name: {', '.join(ties)}")
        )
        return None
    report.append(
        _item(
            prov,
            best,
            best_score,
            "retargeted",
            f"joined to national record {best.code} instead of {refused.code}: its name lists "
            f"this procedure (name score {best_score:.2f} ≥ {RETARGET_MIN_JACCARD})",
        )
    )
    return best.code


def _item(
    prov: ProvinceProcedure, record: NationalName, score: float, action: Action, reason: str
) -> ReportItem:
    return ReportItem(
        source="province",
        row=", ".join(prov.rows),
        code=prov.code,
        action=action,
        reason=reason,
        join=JoinDetail(
            provincial_code=prov.code,
            provincial_name=prov.name,
            national_code=record.code,
            national_name=record.name,
            score=round(score, 2),
        ),
    )


def _plain(prov: ProvinceProcedure, action: Action, reason: str) -> ReportItem:
    return ReportItem(
        source="province", row=", ".join(prov.rows), code=prov.code, action=action, reason=reason
    )
