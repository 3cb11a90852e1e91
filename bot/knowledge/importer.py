"""Build procedures from the two sources: join, inclusion rule, level variants, supersession."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from pydantic import BaseModel, ConfigDict

from bot.knowledge.join import VARIANT, NationalName, join_records, name_key
from bot.knowledge.national import NationalDetails, NationalRecord, details
from bot.knowledge.province import (
    LEVEL_ORDER,
    Action,
    ProvinceProcedure,
    ProvinceRow,
    ReportItem,
    merge_rows,
)
from bot.knowledge.schema import CentralIndex, CentralProcedure, Level, Links, Procedure
from bot.knowledge.source_edits import SourceEditError, Successor
from bot.knowledge.text import clean

LOCAL_LEVELS: frozenset[Level] = frozenset({"tinh", "huyen", "xa", "khac"})
LOCAL_OFFICE = re.compile(
    r"Công an (?:cấp )?tỉnh|Công an cấp xã|Phòng Cảnh sát|Thuế tỉnh|Thuế cơ sở|Chi cục Thuế"
    r"|Bảo hiểm xã hội (?:tỉnh|cơ sở|huyện|khu vực)|Chi cục Hải quan|Hải quan khu vực"
    r"|Kho bạc Nhà nước (?:tỉnh|khu vực|cấp tỉnh)|\bSở\b",
    re.IGNORECASE,
)
VARIANT_RANK = {"xã": 0, "tỉnh": 1, "huyện": 3, "trung ương": 4}
LEVEL_RANK: dict[Level, int] = {"xa": 0, "tinh": 1, "khac": 2, "huyen": 3, "bo": 4}
README_LOCAL = frozenset(f"3.{n:06d}" for n in range(346, 354))
SUCCESSOR_MIN_JACCARD = 0.7
_WORD = re.compile(r"\w+")


class Built(BaseModel):
    """Everything one import produces before it is written."""

    model_config = ConfigDict(frozen=True)

    procedures: dict[str, Procedure]
    central: CentralIndex
    report: list[ReportItem]


def _variant_level(name: str) -> str | None:
    match = VARIANT.search(clean(name))
    return match.group(1).casefold() if match else None


def is_local(record: NationalRecord, info: NationalDetails) -> bool:
    """Inclusion rule for a national record not in the provincial list (docs/knowledge-base.md)."""
    if record.ma_thu_tuc in README_LOCAL:
        return True
    if _variant_level(record.ten_thu_tuc) == "trung ương":
        return False
    if LOCAL_LEVELS.intersection(info.levels):
        return True
    agency = " ".join(filter(None, [record.co_quan_thuc_hien, record.co_quan_co_tham_quyen]))
    return bool(LOCAL_OFFICE.search(agency))


def _order_levels(levels: set[Level]) -> list[Level]:
    return sorted(levels, key=LEVEL_ORDER.index)


def _provincial(
    prov: ProvinceProcedure, info: NationalDetails | None, data_date: dt.date
) -> Procedure:
    national_levels = {lvl for lvl in info.levels if lvl != "bo"} if info else set()
    facts = (
        {
            "agency": info.agency,
            "audience": info.audience,
            "address": info.address,
            "channels": info.channels,
            "documents": info.documents,
            "steps": info.steps,
            "conditions": info.conditions,
            "result": info.result,
            "legal_basis": info.legal_basis,
            "national_decision": info.decision,
        }
        if info
        else {}
    )
    return Procedure(
        code=prov.code,
        province_codes=prov.province_codes,
        name=prov.name,
        field=prov.field,
        source="provincial",
        service_level=prov.service_level,
        levels=_order_levels(set(prov.levels) | national_levels),
        links=Links(province=prov.link, national=info.link if info else None),
        decision=prov.decision,
        data_date=data_date,
        **facts,
    )


def _national(info: NationalDetails, data_date: dt.date) -> Procedure:
    return Procedure(
        code=info.code,
        name=info.name,
        field=info.field,
        source="national",
        levels=info.levels,
        agency=info.agency,
        audience=info.audience,
        address=info.address,
        channels=info.channels,
        documents=info.documents,
        steps=info.steps,
        conditions=info.conditions,
        result=info.result,
        legal_basis=info.legal_basis,
        links=Links(national=info.link),
        national_decision=info.decision,
        data_date=data_date,
    )


def build(
    rows: list[ProvinceRow],
    records: list[NationalRecord],
    data_date: dt.date,
    successors: list[Successor],
) -> Built:
    """Join both sources into procedures, the central index and the import report.

    ``successors`` are the staff's links from an old provincial procedure to its renamed national
    record (``source_edits.yml``); :class:`SourceEditError` when one no longer fits the sources.
    """
    by_code = {record.ma_thu_tuc: record for record in records}
    infos = {code: details(record) for code, record in by_code.items()}
    provincial, report = merge_rows(rows, {c: r.ten_thu_tuc for c, r in by_code.items()})
    joins = join_records(
        provincial,
        {c: NationalName(code=c, name=i.name, field=i.field) for c, i in infos.items()},
    )
    report.extend(joins.report)
    procedures = {
        code: _provincial(
            prov, infos[joins.joined[code]] if code in joins.joined else None, data_date
        )
        for code, prov in provincial.items()
    }
    for code, prov in provincial.items():
        if code not in infos:
            report.append(
                ReportItem(
                    source="province",
                    row=", ".join(prov.rows),
                    code=code,
                    action="note",
                    reason="no national record: answers give the list facts and the portal link",
                )
            )
    central: list[CentralProcedure] = []
    for code in sorted(by_code):
        if code in procedures:
            continue
        if code in joins.retargeted:
            report.append(
                _link_item(
                    code,
                    "note",
                    "not imported on its own: joined to the provincial procedure(s) "
                    + ", ".join(sorted(p for p, n in joins.joined.items() if n == code)),
                )
            )
            continue
        record, info = by_code[code], infos[code]
        if is_local(record, info):
            procedures[code] = _national(info, data_date)
        else:
            central.append(
                CentralProcedure(
                    code=code, name=info.name, field=info.field, agency=info.agency, link=info.link
                )
            )
    procedures = _mark_variants(procedures)
    procedures, links = _link_successors(procedures, set(joins.joined), successors)
    report.extend(links)
    return Built(
        procedures=procedures,
        central=CentralIndex(data_date=data_date, procedures=central),
        report=sorted(report, key=_report_order),
    )


def _report_order(item: ReportItem) -> tuple[str, int, str, str]:
    first = item.row.split(",")[0].strip()
    return (item.source, int(first) if first.isdigit() else 0, item.code, item.reason)


def _mark_variants(procedures: dict[str, Procedure]) -> dict[str, Procedure]:
    """Procedures citizens cannot tell apart by name (level variants, the same name published
    under several codes): the most local one is preferred, the others point to it."""
    groups: dict[str, list[Procedure]] = defaultdict(list)
    for procedure in procedures.values():
        groups[name_key(procedure.name)].append(procedure)
    out = dict(procedures)
    for members in groups.values():
        if len(members) < 2:
            continue
        ranked = sorted(members, key=_variant_order)
        best = ranked[0]
        for other in ranked[1:]:
            out[other.code] = other.model_copy(update={"preferred": False, "variant_of": best.code})
    return out


def _variant_order(procedure: Procedure) -> tuple[int, int, int, str]:
    """Most local level first (from the name's suffix, else the record's levels), then the
    general record over a suffixed one, then the one with details, then the code."""
    suffix = _variant_level(procedure.name)
    if suffix:
        rank = VARIANT_RANK[suffix]
    else:
        rank = min((LEVEL_RANK[level] for level in procedure.levels), default=2)
    return (rank, 1 if suffix else 0, 0 if procedure.has_details else 1, procedure.code)


def _tokens(name: str) -> set[str]:
    return set(_WORD.findall(name_key(name)))


def _lead(name: str) -> list[str]:
    """The first two words: the action (cấp mới, cấp lại, gia hạn…) that must not differ."""
    return _WORD.findall(name_key(name))[:2]


def _successor_candidates(
    old: Procedure, candidates: list[Procedure]
) -> list[tuple[float, Procedure]]:
    key, words = name_key(old.name), _tokens(old.name)
    scored: list[tuple[float, Procedure]] = []
    for new in candidates:
        if name_key(new.name) == key:
            scored.append((1.0, new))
            continue
        if new.field.casefold() != old.field.casefold() or _lead(new.name) != _lead(old.name):
            continue
        other = _tokens(new.name)
        jaccard = len(words & other) / len(words | other) if words | other else 0.0
        if jaccard >= SUCCESSOR_MIN_JACCARD:
            scored.append((jaccard, new))
    return sorted(scored, key=lambda pair: (-pair[0], pair[1].code))


def _link_successors(
    procedures: dict[str, Procedure], joined: set[str], staff: list[Successor]
) -> tuple[dict[str, Procedure], list[ReportItem]]:
    """Link a provincial procedure whose code left the national portal to its newer record.

    Rule: the provincial code has no national record joined to it (none, or one refused by the
    name test and not re-targeted), and a national-only local record has the
    same name (any field) or, in the same field, a name starting with the same two words (the
    action: cấp mới / cấp lại / gia hạn…) and sharing ≥ 70 % of its words; the most local
    level variant wins a tie. A staff link (``staff``) is taken instead of the rule; it must join
    such a provincial code to a national record.
    """
    out = dict(procedures)
    report: list[ReportItem] = []
    national = [p for p in procedures.values() if p.source == "national"]
    successors: dict[str, list[str]] = defaultdict(list)
    links = {link.code: link for link in staff}
    for link in staff:
        _check_link(link, procedures, joined)
    for code in sorted(procedures):
        old = procedures[code]
        if old.source != "provincial" or code in joined:
            continue
        if code in links:
            chosen, why = links[code].superseded_by, "linked in source_edits.yml"
        else:
            scored = _successor_candidates(old, national)
            if not scored:
                continue
            top = [p for score, p in scored if score == scored[0][0]]
            preferred = [p for p in top if p.preferred] or top
            if len(preferred) > 1:
                codes = ", ".join(p.code for p in preferred)
                report.append(_link_item(code, "ambiguous", f"several newer records fit: {codes}"))
                continue
            chosen = preferred[0].code
            why = "same name" if scored[0][0] == 1.0 else f"similar name ({scored[0][0]:.2f})"
        out[code] = old.model_copy(update={"superseded_by": chosen})
        successors[chosen].append(code)
        report.append(_link_item(code, "note", f"superseded by national record {chosen} ({why})"))
    for new_code, old_codes in successors.items():
        out[new_code] = out[new_code].model_copy(update={"supersedes": sorted(old_codes)})
    return out, report


def _check_link(link: Successor, procedures: dict[str, Procedure], joined: set[str]) -> None:
    old, new = procedures.get(link.code), procedures.get(link.superseded_by)
    if old is None or old.source != "provincial" or link.code in joined:
        raise SourceEditError(
            f"source_edits.yml: successor link of {link.code}: not a provincial procedure left"
            " without its national record; review the link"
        )
    if new is None or new.source != "national":
        raise SourceEditError(
            f"source_edits.yml: successor link of {link.code}: {link.superseded_by} is not an"
            " imported national record; review the link"
        )


def _link_item(code: str, action: Action, reason: str) -> ReportItem:
    return ReportItem(source="national", row=code, code=code, action=action, reason=reason)
