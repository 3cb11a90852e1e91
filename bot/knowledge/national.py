"""Parse the national portal's procedure records (JSONL) and split their flattened table cells."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.knowledge.legal import parse_legal_basis
from bot.knowledge.schema import BASE_CODE_PATTERN, Channel, ChannelKind, Document, LegalRef, Level
from bot.knowledge.text import LOWER, NO_INFO, clean, lines, value


class NationalRecord(BaseModel):
    """One raw line of ``national_procedures.jsonl.gz`` (the fields the importer uses)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ma_thu_tuc: str = Field(pattern=BASE_CODE_PATTERN)
    ten_thu_tuc: str
    detail_url: str = ""
    so_quyet_dinh: str = ""
    cap_thuc_hien: str = ""
    linh_vuc: str = ""
    doi_tuong_thuc_hien: str = ""
    co_quan_co_tham_quyen: str = ""
    co_quan_thuc_hien: str = ""
    dia_chi_tiep_nhan: str = ""
    trinh_tu_thuc_hien: str = ""
    cach_thuc_thuc_hien: str = ""
    thanh_phan_ho_so: str = ""
    can_cu_phap_ly: str = ""
    yeu_cau_dieu_kien: str = ""
    ket_qua_xu_ly: str = ""


class NationalDetails(BaseModel):
    """The structured facts of one national record."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    field: str
    link: str | None
    decision: str | None
    levels: list[Level]
    agency: str | None
    audience: str | None
    address: str | None
    channels: list[Channel]
    documents: list[Document]
    steps: list[str]
    conditions: list[str]
    result: str | None
    legal_basis: list[LegalRef]


class BadLine(BaseModel):
    """A JSONL line that could not be read."""

    line: int
    reason: str


LEVELS: dict[str, Level] = {
    "Cấp bộ": "bo",
    "Cấp tỉnh": "tinh",
    "Cấp huyện": "huyen",
    "Cấp xã": "xa",
    "Cơ quan khác": "khac",
}
CHANNEL_KINDS: dict[str, ChannelKind] = {
    "Trực tuyến": "truc_tuyen",
    "Trực tiếp": "truc_tiep",
    "Dịch vụ bưu chính": "buu_chinh",
}
_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_CHANNEL_START = re.compile(rf"(Trực tuyến|Trực tiếp|Dịch vụ bưu chính)(?=\d|{NO_INFO})")
_TIME = re.compile(
    rf"^(?:(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Phút)?|{NO_INFO})"
)
_FEE = re.compile(
    rf"^(?:Miễn phí|{NO_INFO}|[\d.,]+\s*(?:Việt Nam Đồng|VNĐ|Đồng|đồng)(?:/[^(\s]+)?)",
    re.IGNORECASE,
)
_GLUED_TIME_FEE = re.compile(r"^\d+\s*(?:Việt Nam Đồng|VNĐ|Đồng)", re.IGNORECASE)
_CURRENCY = re.compile(r"Việt Nam Đồng|VNĐ|Đồng", re.IGNORECASE)
_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COPIES = re.compile(
    rf"(\d+) bản chính(?:,(\d+) bản sao)?(?=$|[^\s,.;:{LOWER}]|[{LOWER}]\))",
)
_FORM_EXTENSION = re.compile(r"\.(?:docx?|pdf|xlsx?|odt|rar|zip)$", re.IGNORECASE)
_FORM_KNOWN = re.compile(
    r"(?=(?:Mẫu|Mau|Phụ lục|Phu luc|Phu lục|PL|Đơn|Don|Tờ khai|To khai|Mus|BM|Biểu mẫu|TK)"
    r"[^;:]{0,60}\.(?:docx?|pdf|xlsx?|odt|rar|zip)$)"
)
_RESULT_CODE = re.compile(r"Mã: KQ\.G\d+\.\d+")
_PAGE_FURNITURE = ("Từ khóa", "Chọn cơ quan thực hiện")
_STEP_START = re.compile(r"^[-+•\s]*Bước\s*\d+", re.IGNORECASE)


def read_national(path: Path) -> tuple[list[NationalRecord], list[BadLine]]:
    """Read the gzipped (or plain) JSONL file; unreadable lines are returned, not dropped."""
    opener = gzip.open if path.suffix == ".gz" else open
    records: list[NationalRecord] = []
    bad: list[BadLine] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(_nonblank(handle), start=1):
            try:
                records.append(NationalRecord.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as exc:
                bad.append(BadLine(line=number, reason=clean(str(exc))[:300]))
    return records, bad


def _nonblank(handle: Iterator[str]) -> Iterator[str]:
    for line in handle:
        if line.strip():
            yield line


def parse_levels(text: str) -> list[Level]:
    """``"Cấp bộ, Cấp tỉnh"`` → ``["bo", "tinh"]`` (unknown labels are ignored)."""
    return [LEVELS[part.strip()] for part in text.split(",") if part.strip() in LEVELS]


def parse_channels(text: str) -> list[Channel]:
    """Split the flattened submission table into its rows, in source order.

    A way to submit listed twice (one row per case) gives two channels of the same kind; each
    keeps its time, fee, the fee's explanation and the row's description.
    """
    body = clean(text).removeprefix(_CHANNEL_HEADER)
    starts = list(_CHANNEL_START.finditer(body))
    rows: list[Channel] = []
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        row = _channel(CHANNEL_KINDS[match.group(1)], body[match.end() : end])
        if row not in rows:
            rows.append(row)
    return rows


def _channel(kind: ChannelKind, cell: str) -> Channel:
    time_match = _TIME.match(cell)
    time: str | None = None
    rest = cell
    if time_match:
        rest = cell[time_match.end() :]
        if time_match.group(1):
            unit = time_match.group(2)
            time = f"{time_match.group(1)} {unit.lower()}" if unit else time_match.group(1)
    fee: str | None = None
    fee_note: str | None = None
    fee_match = _FEE.match(rest)
    if glued := _GLUED_TIME_FEE.match(cell):
        # "120 VNĐ": the time and the amount run together; which digits are which is unknown.
        time, fee_match, rest = None, None, cell[glued.end() :]
        fee_note, rest = _leading_parenthesis(rest)
    if fee_match:
        fee = _amount(fee_match.group(0))
        rest = rest[fee_match.end() :]
        fee_note, rest = _leading_parenthesis(rest)
    return Channel(kind=kind, time=time, fee=fee, fee_note=fee_note, note=value(rest))


def _amount(text: str) -> str | None:
    """``800,000 Việt Nam Đồng`` → ``800.000 đồng`` (the source's amount, written the Vietnamese way)."""
    amount = _CURRENCY.sub("đồng", text)
    return value(_THOUSANDS.sub(lambda m: m.group(0).replace(",", "."), amount))


def _leading_parenthesis(text: str) -> tuple[str | None, str]:
    """Split a balanced ``(…)`` group off the start of ``text`` (``((…))`` unwrapped too)."""
    if not text.startswith("("):
        return None, text
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            inner, rest = text[1:index].strip(), text[index + 1 :]
            if inner.startswith("(") and _leading_parenthesis(inner)[1] == "":
                inner = _leading_parenthesis(inner)[0] or ""
            return value(inner), rest
    return value(text[1:]), ""


def parse_documents(text: str) -> list[Document]:
    """Split the flattened dossier table into documents with copies and form names."""
    documents: list[Document] = []
    chunks = clean(text).split(_DOC_HEADER)
    heading = _group_heading(chunks[0])
    for index, chunk in enumerate(chunks[1:], start=1):
        is_last = index == len(chunks) - 1
        rows, trailer = _document_rows(chunk)
        documents.extend(
            Document(name=name, copies=copies, form=form, group=heading)
            for name, copies, form in rows
        )
        if not is_last:
            heading = _group_heading(trailer)
        elif trailer and (note := value(trailer)):
            documents.append(Document(name=note, group=heading))
    return documents


def _group_heading(text: str) -> str | None:
    heading = clean(text).strip(" -*:")
    return heading or None


def _document_rows(chunk: str) -> tuple[list[tuple[str, str | None, str | None]], str]:
    rows: list[tuple[str, str | None, str | None]] = []
    position = 0
    for match in _COPIES.finditer(chunk):
        cell = chunk[position : match.start()]
        position = match.end()
        name, form = _split_form(cell)
        if name:
            rows.append((name, _copies(match.group(1), match.group(2)), form))
    return rows, chunk[position:]


def _split_form(cell: str) -> tuple[str | None, str | None]:
    cell = clean(cell).lstrip("-+• ").strip()
    if not _FORM_EXTENSION.search(cell):
        return value(cell), None
    known = [m.start() for m in _FORM_KNOWN.finditer(cell)]
    separators = [i + 1 for i, char in enumerate(cell) if char in ";:)"]
    start = max(known) if known else max(separators, default=0)
    if len(cell) - start > 60:
        start = cell.rfind(" ", 0, len(cell) - 5) + 1
    name, form = cell[:start].strip(" ;:"), cell[start:].strip()
    return value(name) or form, form


def _copies(original: str, copy: str | None) -> str | None:
    parts = []
    if int(original):
        parts.append(f"{int(original)} bản chính")
    if copy and int(copy):
        parts.append(f"{int(copy)} bản sao")
    return " và ".join(parts) or None


def parse_result(text: str) -> str | None:
    """The result names, without result codes and page furniture."""
    body = clean(text)
    for marker in _PAGE_FURNITURE:
        body = body.split(marker, 1)[0]
    names = [clean(part).strip(" ;,.") for part in _RESULT_CODE.split(body)]
    unique = list(dict.fromkeys(name for name in names if name and value(name)))
    return "; ".join(unique) or None


def parse_steps(text: str) -> list[str]:
    """Steps: one per "Bước N" block when the text has them, else one per line."""
    raw = lines(text)
    if not any(_STEP_START.match(line) for line in raw):
        return [line.lstrip("-+• ").strip() for line in raw]
    steps: list[str] = []
    for line in raw:
        if _STEP_START.match(line) or not steps:
            steps.append(line.lstrip("-+• ").strip())
        else:
            steps[-1] = f"{steps[-1]}\n{line}"
    return steps


def details(record: NationalRecord) -> NationalDetails:
    """All structured facts of ``record``."""
    agency = value(record.co_quan_thuc_hien) or value(record.co_quan_co_tham_quyen)
    return NationalDetails(
        code=record.ma_thu_tuc,
        name=clean(record.ten_thu_tuc),
        field=clean(record.linh_vuc) or "Khác",
        link=value(record.detail_url),
        decision=value(record.so_quyet_dinh),
        levels=parse_levels(record.cap_thuc_hien),
        agency=agency,
        audience=value(record.doi_tuong_thuc_hien),
        address=value(record.dia_chi_tiep_nhan),
        channels=parse_channels(record.cach_thuc_thuc_hien),
        documents=parse_documents(record.thanh_phan_ho_so),
        steps=parse_steps(record.trinh_tu_thuc_hien),
        conditions=[line.lstrip("-+• ").strip() for line in lines(record.yeu_cau_dieu_kien)],
        result=parse_result(record.ket_qua_xu_ly),
        legal_basis=parse_legal_basis(record.can_cu_phap_ly),
    )
