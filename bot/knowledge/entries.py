"""Expand a procedure into one searchable entry per topic, with a grounded Vietnamese answer."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from bot.knowledge.answer_rules import AnswerRules, ProvenanceRules
from bot.knowledge.documents import render_documents
from bot.knowledge.legal import citation
from bot.knowledge.schema import (
    TOPICS,
    CentralProcedure,
    Channel,
    ChannelKind,
    Entry,
    Procedure,
    Topic,
)

NATIONAL_PORTAL = "https://dichvucong.gov.vn"

SERVICE_LEVEL_TEXT = {
    "toan_trinh": "dịch vụ công trực tuyến toàn trình (nộp hồ sơ, thanh toán và nhận kết quả trực tuyến)",
    "mot_phan": "dịch vụ công trực tuyến một phần (nộp hồ sơ trực tuyến, một số bước thực hiện trực tiếp)",
    "muc_2": "mức độ 2 (chỉ cung cấp thông tin và mẫu đơn trực tuyến, nộp hồ sơ trực tiếp)",
    "muc_1": "mức độ 1 (chỉ cung cấp thông tin về thủ tục trên cổng)",
}
LEVEL_TEXT = {
    "tinh": "cấp tỉnh",
    "huyen": "cấp huyện",
    "xa": "cấp xã",
    "bo": "cấp bộ",
    "khac": "cơ quan khác",
}
CHANNEL_TEXT = {
    "truc_tuyen": "Nộp trực tuyến",
    "truc_tiep": "Nộp trực tiếp",
    "buu_chinh": "Nộp qua dịch vụ bưu chính",
}
TOPIC_TITLES: dict[Topic, str] = {
    "tong_quan": "Giới thiệu",
    "ho_so": "Thành phần hồ sơ",
    "le_phi": "Phí, lệ phí",
    "thoi_han": "Thời hạn giải quyết",
    "noi_nop": "Nơi nộp hồ sơ",
    "trinh_tu": "Trình tự thực hiện",
    "dieu_kien": "Yêu cầu, điều kiện",
    "ket_qua": "Kết quả",
    "can_cu": "Căn cứ pháp lý",
    "truc_tuyen": "Nộp trực tuyến",
}
_BULLET = "\n- "
PARAGRAPH = "\n\n"
MAX_STEPS = 10
_NUMBERED = re.compile(r"^(?:Bước\s*\d+|\d+[.)]|[a-zđ]\))", re.IGNORECASE)


_THU_TUC = re.compile(r"^thủ tục\s*:?\s+", re.IGNORECASE)
_FIELD_TAG = re.compile(r"^\[[^\]]*\]\s*-\s*")


def display_name(name: str) -> str:
    """The name as it reads after "thủ tục …": without a leading "Thủ tục"."""
    return _THU_TUC.sub("", name)


def _label(name: str, code: str) -> str:
    return f"{display_name(name)} (mã {code})"


def _field_label(field: str) -> str:
    """The field without the portal's agency tag (``[SVH] - Du lịch`` → ``Du lịch``)."""
    return _FIELD_TAG.sub("", field)


class _Renderer:
    """Renders the facts of one procedure per topic; a method returns None when facts are missing."""

    def __init__(self, procedure: Procedure) -> None:
        self.proc = procedure.effective()
        self.label = _label(self.proc.name, self.proc.code)

    def tong_quan(self) -> str:
        proc = self.proc
        parts = [f"Dạ, thủ tục {self.label} thuộc lĩnh vực {_field_label(proc.field)}."]
        if proc.levels:
            levels = ", ".join(LEVEL_TEXT[level] for level in proc.levels)
            parts.append(f"Cấp thực hiện: {levels}.")
        if proc.agency:
            parts.append(f"Cơ quan thực hiện: {proc.agency}.")
        if proc.audience:
            parts.append(f"Đối tượng thực hiện: {proc.audience}.")
        if proc.service_level:
            parts.append(f"Thủ tục được cung cấp {SERVICE_LEVEL_TEXT[proc.service_level]}.")
        if proc.result:
            parts.append(f"Kết quả: {proc.result}.")
        return " ".join(parts)

    def ho_so(self) -> str | None:
        documents = render_documents(list(self.proc.documents))
        if documents is None:
            return None
        return f"Dạ, hồ sơ {self.label} gồm:\n{documents}"

    def _per_channel(self, heading: str, shown: Callable[[Channel], str | None]) -> str | None:
        """One line per row of each way to submit, in source order; ways whose rows read the
        same share a line. A row's case (its description) is added when the rows differ."""
        lines_by_kind: dict[str, list[str]] = {}
        for kind in _kinds(self.proc.channels):
            rows = [
                (row, text)
                for row in self.proc.channels
                if row.kind == kind and (text := shown(row))
            ]
            differ = len({text for _, text in rows}) > 1
            texts = [
                f"{text} ({row.note})" if differ and row.note and row.note not in text else text
                for row, text in rows
            ]
            if texts:
                lines_by_kind[kind] = list(dict.fromkeys(texts))
        if not lines_by_kind:
            return None
        groups: dict[tuple[str, ...], list[str]] = {}
        for kind, texts in lines_by_kind.items():
            groups.setdefault(tuple(texts), []).append(kind)
        lines = [
            f"{_channel_label(kinds)}: {text}" for texts, kinds in groups.items() for text in texts
        ]
        return f"Dạ, {heading} {self.label}:{_BULLET}{_BULLET.join(lines)}"

    def le_phi(self) -> str | None:
        return self._per_channel("phí, lệ phí của thủ tục", _fee_text)

    def thoi_han(self) -> str | None:
        return self._per_channel("thời hạn giải quyết thủ tục", _time_text)

    def noi_nop(self) -> str | None:
        proc = self.proc
        parts: list[str] = []
        if proc.agency:
            parts.append(f"Dạ, thủ tục {self.label} do {proc.agency} giải quyết.")
        if proc.levels:
            levels = ", ".join(LEVEL_TEXT[level] for level in proc.levels)
            parts.append(f"Cấp thực hiện: {levels}.")
        if proc.address:
            parts.append(f"Địa chỉ tiếp nhận: {proc.address}.")
        if proc.channels:
            kinds = ", ".join(CHANNEL_TEXT[kind].lower() for kind in _kinds(proc.channels))
            parts.append(f"Anh/chị có thể {kinds}.")
        if not parts:
            return None
        if not proc.agency:
            parts.insert(0, f"Dạ, về nơi nộp hồ sơ thủ tục {self.label}:")
        return " ".join(parts)

    def trinh_tu(self) -> str | None:
        if not self.proc.steps:
            return None
        shown = self.proc.steps[:MAX_STEPS]
        numbered = any(_NUMBERED.match(step) for step in shown)
        steps = "\n".join(
            step if numbered else f"{i}. {step}" for i, step in enumerate(shown, start=1)
        )
        more = len(self.proc.steps) - len(shown)
        tail = f"\n(Còn {more} bước nữa, xem trên trang thủ tục.)" if more > 0 else ""
        return f"Dạ, trình tự thực hiện thủ tục {self.label}:\n{steps}{tail}"

    def dieu_kien(self) -> str | None:
        proc = self.proc
        if proc.conditions:
            return f"Dạ, yêu cầu, điều kiện của thủ tục {self.label}:{_BULLET}" + _BULLET.join(
                proc.conditions
            )
        if proc.links.national and proc.has_details:
            return (
                f"Dạ, trang thủ tục {self.label} trên Cổng Dịch vụ công quốc gia không nêu "
                "yêu cầu, điều kiện riêng cho thủ tục này."
            )
        return None

    def ket_qua(self) -> str | None:
        if not self.proc.result:
            return None
        return f"Dạ, kết quả của thủ tục {self.label} là: {self.proc.result}."

    def can_cu(self) -> str | None:
        refs = [citation(ref) for ref in self.proc.legal_basis]
        if not refs:
            return None
        return f"Dạ, căn cứ pháp lý của thủ tục {self.label} gồm:{_BULLET}" + _BULLET.join(refs)

    def truc_tuyen(self) -> str | None:
        proc = self.proc
        online = next((c for c in proc.channels if c.kind == "truc_tuyen"), None)
        if proc.service_level:
            text = (
                f"Dạ, thủ tục {self.label} được cung cấp {SERVICE_LEVEL_TEXT[proc.service_level]}."
            )
        elif online:
            text = f"Dạ, thủ tục {self.label} có thể nộp hồ sơ trực tuyến."
        elif proc.channels:
            kinds = ", ".join(CHANNEL_TEXT[kind].lower() for kind in _kinds(proc.channels))
            return (
                f"Dạ, theo Cổng Dịch vụ công quốc gia, thủ tục {self.label} chưa có hình thức "
                f"nộp trực tuyến; anh/chị có thể {kinds}."
            )
        else:
            return None
        if online or proc.service_level in ("toan_trinh", "mot_phan"):
            text += (
                " Anh/chị đăng nhập Cổng Dịch vụ công quốc gia bằng tài khoản định danh điện tử "
                "VNeID, tìm thủ tục theo tên hoặc mã rồi làm theo hướng dẫn để nộp hồ sơ."
            )
        return text


_FEE_WORDS = re.compile(r"phí|đồng", re.IGNORECASE)
_TIME_WORDS = re.compile(r"ngày|giờ|tháng|thời hạn|thời gian", re.IGNORECASE)
_BULLET_MARKS = "-+•* "


def _kinds(channels: list[Channel]) -> list[ChannelKind]:
    """The ways to submit, each once, in source order."""
    return list(dict.fromkeys(channel.kind for channel in channels))


def _channel_label(kinds: list[str]) -> str:
    """``Nộp trực tiếp``; several ways: ``Nộp trực tiếp, trực tuyến hoặc qua dịch vụ bưu chính``."""
    names = [CHANNEL_TEXT[kind] for kind in kinds]
    if len(names) == 1:
        return names[0]
    rest = [name.removeprefix("Nộp ") for name in names[1:]]
    return f"{', '.join([names[0], *rest[:-1]])} hoặc {rest[-1]}"


def _fee_text(row: Channel) -> str | None:
    """The fee with its explanation, and the description when it is about the fee."""
    parts = [part for part in (row.fee, f"({row.fee_note})" if row.fee_note else None) if part]
    if row.note and _FEE_WORDS.search(row.note):
        parts.append(f"– {row.note.lstrip(_BULLET_MARKS)}")
    return " ".join(parts) or None


def _time_text(row: Channel) -> str | None:
    """The time in the source's words (a bare number says the unit is not given), and the
    description when it is about the time."""
    if not row.time:
        return None
    text = row.time
    if text.replace(".", "").replace(",", "").isdigit():
        text = f"{text} (trang thủ tục không ghi đơn vị)"
    if row.note and _TIME_WORDS.search(row.note):
        text = f"{text} – {row.note.lstrip(_BULLET_MARKS)}"
    return text


def _link(proc: Procedure) -> str:
    return proc.links.province or proc.links.national or NATIONAL_PORTAL


def _missing(topic: Topic, label: str) -> str:
    what = TOPIC_TITLES[topic].lower()
    return (
        f"Dạ, hiện em chưa có thông tin về {what} của thủ tục {label}. "
        "Anh/chị vui lòng xem chi tiết trên trang thủ tục ở đường dẫn dưới đây."
    )


def _lead_in(proc: Procedure, current: Procedure) -> str | None:
    """Which record the answer follows, and why, when the two are not the same."""
    if current is not proc:
        return (
            f"Dạ, thủ tục {_label(proc.name, proc.code)} trong danh mục của tỉnh đã được công bố "
            f"lại trên Cổng Dịch vụ công quốc gia thành thủ tục {_label(current.name, current.code)}; "
            "em trả lời theo bản công bố mới này."
        )
    if proc.supersedes:
        codes = ", ".join(proc.supersedes)
        return (
            f"Câu trả lời theo bản công bố mới nhất trên Cổng Dịch vụ công quốc gia (mã {proc.code}), "
            f"thay cho thủ tục cũ trong danh mục của tỉnh (mã {codes})."
        )
    return None


def _provenance(
    record: Procedure, topic: Topic, has_facts: bool, link: str, rules: ProvenanceRules
) -> str:
    """The one line saying which source the answer's facts come from, and that source's date.

    A record on the province's list has its name, field and service level from the list; its
    documents, fees, steps… come from the national record joined to it, if any. A missing fact
    cites the source that names the procedure. Staff's check date wins when it is newer.
    """
    shown = record.effective()
    listed = bool(record.province_codes)
    national = bool(record.links.national) or record.source == "national"
    list_facts = topic == "tong_quan" or (topic == "truc_tuyen" and bool(shown.service_level))
    uses_national = national and (has_facts or not listed)
    uses_list = listed and (not uses_national or list_facts)
    labels = [
        (rules.national, record.data_date) if uses_national else None,
        (rules.provincial_list, rules.provincial_list_before) if uses_list else None,
    ]
    used = [label for label in labels if label]
    checked = record.overrides.checked_date if record.overrides else None
    if checked and checked > record.data_date:
        names = rules.joiner.join(label.name for label, _ in used)
        sources = rules.staff_check.format(sources=names, date=f"{checked:%d/%m/%Y}")
    else:
        sources = rules.joiner.join(rules.source(label, date) for label, date in used)
    return rules.line.format(sources=sources, link=link)


def with_provenance(answer: str, line: str) -> str:
    """``answer`` with its provenance line (always the last paragraph) replaced by ``line``."""
    return f"{answer.rsplit(PARAGRAPH, 1)[0]}{PARAGRAPH}{line}"


def _without_greeting(text: str) -> str:
    """Drop the leading "Dạ, " when another sentence already opens the answer."""
    rest = text.removeprefix("Dạ, ")
    return rest[:1].upper() + rest[1:]


def procedure_entries(
    procedure: Procedure,
    rules: AnswerRules,
    superseding: Procedure | None = None,
) -> list[Entry]:
    """One entry per topic for ``procedure``, following ``rules`` (``answers.yml``).

    The district notice goes with every answer whose text (lead-in, facts or "no information")
    names a district-level body; another province's offices are localized; the answer ends with
    one provenance line. ``superseding`` is the newer national record that replaces this one: the
    answers then give that record's facts and say so.
    """
    proc = procedure.effective()
    record = superseding or procedure
    renderer = _Renderer(rules.localizer.procedure(record))
    current = superseding.effective() if superseding else proc
    link = _link(current)
    lead_in = _lead_in(proc, current)
    entries: list[Entry] = []
    for topic in TOPICS:
        render: Callable[[], str | None] = getattr(renderer, topic)
        facts = render()
        body = facts if facts is not None else _missing(topic, renderer.label)
        opening = [lead_in, _without_greeting(body)] if superseding else [body, lead_in]
        said = "\n\n".join(part for part in opening if part)
        notice = rules.district_notice if rules.names_district_body(said) else None
        footer = _provenance(record, topic, facts is not None, link, rules.provenance)
        parts = [said, notice, footer]
        entries.append(
            Entry(
                id=f"{proc.code}:{topic}",
                kind="procedure",
                procedure=proc.code,
                procedure_name=proc.name,
                field=proc.field,
                topic=topic,
                title=f"{proc.name} – {TOPIC_TITLES[topic]}",
                answer="\n\n".join(part for part in parts if part),
                link=link,
                has_facts=facts is not None,
                district_notice=notice is not None,
                preferred=proc.preferred and superseding is None,
            )
        )
    return entries


def central_entry(procedure: CentralProcedure, data_date: dt.date, rules: ProvenanceRules) -> Entry:
    """The one entry of a ministry-only procedure: handled centrally, see the national portal."""
    link = procedure.link or NATIONAL_PORTAL
    agency = f" ({procedure.agency})" if procedure.agency else ""
    answer = (
        f"Dạ, thủ tục {_label(procedure.name, procedure.code)} do cơ quan trung ương{agency} giải "
        "quyết, không tiếp nhận tại các cơ quan của tỉnh Lạng Sơn. Anh/chị vui lòng xem hướng dẫn "
        "và nộp hồ sơ trên Cổng Dịch vụ công quốc gia theo đường dẫn dưới đây."
        f"\n\n{rules.national_line(link, data_date)}"
    )
    return Entry(
        id=f"{procedure.code}:tong_quan",
        kind="procedure",
        procedure=procedure.code,
        procedure_name=procedure.name,
        field=procedure.field,
        topic="tong_quan",
        title=f"{procedure.name} – {TOPIC_TITLES['tong_quan']}",
        answer=answer,
        link=link,
        has_facts=procedure.agency is not None,
        preferred=False,
    )
