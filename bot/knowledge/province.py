"""Read and clean Lạng Sơn's published procedure list (CSV): codes, test rows, per-level rows."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.knowledge.schema import Level, ServiceLevel
from bot.knowledge.text import clean

Action = Literal[
    "skipped", "repaired", "ambiguous", "merged", "note", "refused", "retargeted", "doubtful"
]

SERVICE_LEVELS: dict[str, ServiceLevel] = {
    "Toàn trình": "toan_trinh",
    "Một phần": "mot_phan",
    "Mức độ 2": "muc_2",
    "Mức độ 1": "muc_1",
}
SERVICE_RANK: dict[ServiceLevel, int] = {"toan_trinh": 4, "mot_phan": 3, "muc_2": 2, "muc_1": 1}
SUFFIX_LEVELS: dict[str, Level] = {"H": "huyen", "X": "xa"}
LEVEL_ORDER: list[Level] = ["tinh", "huyen", "xa", "bo", "khac"]
PROVINCE_SUFFIX = "H37"

_CANONICAL = re.compile(r"^(\d\.\d{6})\.000\.00\.00\.H37(?:\.([HX]))?$")
_BARE_BASE = re.compile(r"^\d\.\d{6}$")
_LOCAL_CODE = re.compile(r"^[A-Z]+(?:_[A-Z]+)*_\d+$")
_TEST_CODE = re.compile(r"^TEST", re.IGNORECASE)
_TEST_NAME = re.compile(r"\btest\b", re.IGNORECASE)
_SHORT_BASE = re.compile(r"^(\d)\.(\d{5})\.000\.00\.00\.H37$")
_REPAIRS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"\s+"), "", "stray whitespace inside the code"),
    (re.compile(r"\.{2,}"), ".", "doubled dot"),
    (re.compile(r"\.$"), "", "trailing dot"),
    (re.compile(r"h37", re.IGNORECASE), "H37", "lower-case province suffix"),
    (re.compile(r"^(\d)(\d{6})\."), r"\1.\2.", "missing dot after the first digit"),
    (re.compile(r"^(\d\.\d{6})(000\.)"), r"\1.\2", "missing dot after the base code"),
    (
        re.compile(r"^(\d\.\d{6})[.,]?0+[.,]?0+[.,]?0+[.,]?H37"),
        r"\1.000.00.00.H37",
        "wrong separators or zeros in the suffix",
    ),
)


class ProvinceRow(BaseModel):
    """One row of ``langson_procedures_1842.csv``."""

    model_config = ConfigDict(frozen=True)

    stt: str
    ma_tthc: str
    muc_do_dvc: str = ""
    ten_tthc: str
    linh_vuc: str = ""
    quyet_dinh_cong_bo: str = ""
    url_chi_tiet: str = ""


class JoinDetail(BaseModel):
    """The two names a refused, re-targeted or doubtful join compared, and their score."""

    model_config = ConfigDict(frozen=True)

    provincial_code: str
    provincial_name: str
    national_code: str
    national_name: str
    score: float


class ReportItem(BaseModel):
    """One line of the import report: what happened to a source row and why."""

    model_config = ConfigDict(frozen=True)

    source: Literal["province", "national"]
    row: str = Field(description="CSV 'stt' or JSONL line / base code")
    code: str
    action: Action
    reason: str
    join: JoinDetail | None = None


class ProvinceProcedure(BaseModel):
    """The rows of one base code, cleaned and merged."""

    model_config = ConfigDict(frozen=True)

    code: str
    province_codes: list[str]
    name: str
    field: str
    service_level: ServiceLevel | None
    levels: list[Level]
    decision: str | None
    link: str | None
    rows: list[str]


class CodeResult(BaseModel):
    """Outcome of cleaning one raw code."""

    model_config = ConfigDict(frozen=True)

    code: str | None = None
    base: str | None = None
    suffix: str | None = None
    repairs: list[str] = Field(default_factory=list)
    problem: str | None = None
    action: Action | None = None


class SourceError(ValueError):
    """A source file cannot be read as the expected format."""


def read_province(path: Path) -> list[ProvinceRow]:
    """Every row of the province CSV (UTF-8, with or without BOM); a bad row is an error."""
    rows: list[ProvinceRow] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = sorted(set(ProvinceRow.model_fields) - set(reader.fieldnames or []))
            if missing:
                raise SourceError(f"{path.name}: missing column(s) {', '.join(missing)}")
            for row in reader:
                try:
                    rows.append(ProvinceRow.model_validate(row))
                except ValidationError as exc:
                    raise SourceError(
                        f"{path.name}:{reader.line_num}: {exc.errors()[0]['msg']}"
                    ) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    return rows


def clean_code(raw: str, name: str, names: dict[str, str]) -> CodeResult:
    """Normalise a province code; repair it when the repair is unambiguous.

    ``names`` maps known base codes (national records and well-formed province rows) to names;
    a code whose base lost a digit is repaired only when exactly one known code fits both the
    digits and the row's name.
    """
    code = raw
    repairs: list[str] = []
    if _LOCAL_CODE.match(code.strip()):
        return CodeResult(problem="local code without a national number", action="skipped")
    for pattern, replacement, reason in _REPAIRS:
        fixed = pattern.sub(replacement, code)
        if fixed != code:
            repairs.append(reason)
            code = fixed
    if _BARE_BASE.match(code):
        repairs.append("base code without the province suffix")
        code = f"{code}.000.00.00.{PROVINCE_SUFFIX}"
    short = _SHORT_BASE.match(code)
    if short:
        return _repair_short_base(short, raw, repairs, name, names)
    match = _CANONICAL.match(code)
    if not match:
        return CodeResult(problem=f"unrecognised code {raw!r}", action="skipped")
    return CodeResult(code=code, base=match.group(1), suffix=match.group(2), repairs=repairs)


def _repair_short_base(
    short: re.Match[str],
    raw: str,
    repairs: list[str],
    name: str,
    names: dict[str, str],
) -> CodeResult:
    digits = short.group(2)
    candidates = {
        f"{short.group(1)}.{digits[:i]}{d}{digits[i:]}" for i in range(6) for d in "0123456789"
    }
    key = _name_key(name)
    matches = sorted(c for c in candidates if c in names and _name_key(names[c]) == key)
    if len(matches) == 1:
        base = matches[0]
        reason = f"base code missing a digit, matched by name to {base}"
        return CodeResult(
            code=f"{base}.000.00.00.{PROVINCE_SUFFIX}", base=base, repairs=[*repairs, reason]
        )
    found = ", ".join(matches) if matches else "none"
    return CodeResult(
        problem=f"base code in {raw!r} is missing a digit; known codes with the same name: "
        f"{found}; left out until staff confirm the code",
        action="ambiguous",
    )


def _name_key(name: str) -> str:
    text = clean(name).casefold()
    return re.sub(r"^thủ tục\s+", "", text).strip(" .")


def is_test_row(row: ProvinceRow) -> bool:
    """Rows the portal keeps for testing (``Thủ tục test``, ``TEST_MOT_CAP``)."""
    return bool(_TEST_CODE.match(row.ma_tthc.strip()) or _TEST_NAME.search(row.ten_tthc))


def merge_rows(
    rows: Iterable[ProvinceRow],
    national_names: dict[str, str],
) -> tuple[dict[str, ProvinceProcedure], list[ReportItem]]:
    """Clean every row, skip or repair with a report line, and merge rows sharing a base code."""
    rows = list(rows)
    names = dict(national_names)
    for row in rows:
        canonical = _CANONICAL.match(row.ma_tthc.strip())
        if canonical and not is_test_row(row):
            names.setdefault(canonical.group(1), row.ten_tthc)
    report: list[ReportItem] = []
    groups: dict[str, list[tuple[ProvinceRow, CodeResult]]] = {}
    for row in rows:
        raw = row.ma_tthc
        if is_test_row(row):
            report.append(_item(row, raw, "skipped", "test row"))
            continue
        result = clean_code(raw, row.ten_tthc, names)
        if result.base is None:
            report.append(_item(row, raw, result.action or "skipped", result.problem or ""))
            continue
        for reason in result.repairs:
            report.append(_item(row, raw, "repaired", f"{reason} → {result.code}"))
        if clean(row.ten_tthc) != row.ten_tthc:
            report.append(_item(row, raw, "repaired", "whitespace or line break in the name"))
        if not row.url_chi_tiet.strip():
            report.append(_item(row, raw, "note", "no detail link on the provincial portal"))
        groups.setdefault(result.base, []).append((row, result))
    procedures: dict[str, ProvinceProcedure] = {}
    for base, members in groups.items():
        procedures[base] = _merge(base, members)
        if len(members) > 1:
            report.append(_merge_item(base, members, procedures[base]))
    return procedures, report


def _merge(base: str, members: list[tuple[ProvinceRow, CodeResult]]) -> ProvinceProcedure:
    ordered = sorted(members, key=lambda m: _row_priority(m[0]), reverse=True)
    main = ordered[0][0]
    levels = sorted(
        {SUFFIX_LEVELS[r.suffix] for _, r in members if r.suffix}, key=LEVEL_ORDER.index
    )
    link = next((clean(row.url_chi_tiet) for row, _ in ordered if row.url_chi_tiet.strip()), None)
    decision = next((_decision(row) for row, _ in ordered if _decision(row)), None)
    return ProvinceProcedure(
        code=base,
        province_codes=sorted({r.code for _, r in members if r.code}),
        name=clean(main.ten_tthc),
        field=clean(main.linh_vuc) or "Khác",
        service_level=SERVICE_LEVELS.get(clean(main.muc_do_dvc)),
        levels=levels,
        decision=decision,
        link=link,
        rows=[row.stt for row, _ in members],
    )


def _decision(row: ProvinceRow) -> str | None:
    text = re.sub(r"\s+/", "/", clean(row.quyet_dinh_cong_bo))
    return text or None


def _row_priority(row: ProvinceRow) -> tuple[int, int, int]:
    """Prefer the row with a publishing decision, then the higher service level, then a link."""
    level = SERVICE_LEVELS.get(clean(row.muc_do_dvc))
    return (
        1 if _decision(row) else 0,
        SERVICE_RANK[level] if level else 0,
        1 if row.url_chi_tiet.strip() else 0,
    )


def _merge_item(
    base: str, members: list[tuple[ProvinceRow, CodeResult]], merged: ProvinceProcedure
) -> ReportItem:
    rows = ", ".join(row.stt for row, _ in members)
    fields = sorted({clean(row.linh_vuc) for row, _ in members})
    detail = (
        f"; fields differ ({' / '.join(fields)}), kept {merged.field}" if len(fields) > 1 else ""
    )
    return ReportItem(
        source="province",
        row=rows,
        code=base,
        action="merged",
        reason=f"{len(members)} rows of one procedure merged (levels: "
        f"{', '.join(merged.levels) or 'not stated'}){detail}",
    )


def _item(row: ProvinceRow, code: str, action: Action, reason: str) -> ReportItem:
    return ReportItem(source="province", row=row.stt, code=code, action=action, reason=reason)
