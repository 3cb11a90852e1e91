"""The dossier as a citizen reads it: grouped, deduplicated, forms first, special cases apart.

National records list documents as the legal text does: case-specific items ("Trường hợp …"),
notes and the main form in any order, sometimes the same row twice. :func:`render_documents`
keeps every item of the record and the source's group headings, and only reorders and merges:

- per source group, the documents everyone submits come first, the application form first of all;
- items for special cases ("Trường hợp …", "Đối với …", "Nếu …") go under their own heading after
  everyone's documents; a group whose heading is itself a case keeps its heading, after them;
- notes ("Lưu ý") come last;
- a row repeated in one group (same name once case, spacing and punctuation are ignored; a name
  that only extends another; the same first sentence reworded slightly) is shown once, with the
  copies and every form of the rows merged;
- a long list opens with a short "Anh/chị cần chuẩn bị: …" summary of what everyone brings, and
  the detail is capped, with a truthful count of what the answer leaves out.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from bot.knowledge.schema import Document

MAX_DOCUMENTS = 12
"""Items shown in the detail; the rest are counted and left to the procedure page."""
SUMMARY_FROM = 6
"""A list with at least this many items (notes aside) opens with the summary."""
SUMMARY_ITEMS = 8
"""Names in the summary; more are counted ("và N giấy tờ khác")."""
SHORT_NAME_CHARS = 60
"""A summary name longer than this is cut at a word, with "…"."""
REWORDED_RATIO = 0.95
"""Two rows with the same first sentence and at least this similarity are one document."""
MIN_SHARED_WORDS = 5
"""A name extending another, or a shared first sentence, must be this long to merge rows."""

CASE_OPENINGS = ("trường hợp", "trong trường hợp", "đối với", "nếu ")
NOTE_OPENING = "lưu ý"
NOTES_HEADING = "Lưu ý"
CASES_HEADING = "Trường hợp riêng"
SUMMARY_OPENING = "Anh/chị cần chuẩn bị"

_ENUMERATOR = re.compile(
    r"^(?:\s*(?:[-+•*]+\)?|\(\*+\)|\(?(?:[a-zđ]|[ivx]+|\d+)(?:\.\d+)*[.)]\)?))+\s*",
    re.IGNORECASE,
)
_FORM_OPENING = re.compile(
    r"^(?:đơn(?!\s+vị)|tờ khai|phiếu|mẫu|giấy đề nghị|văn bản đề nghị)\b", re.IGNORECASE
)
_SHORT_NAME_END = re.compile(
    r"\s*(?:[(;:]|\.(?:\s|$)|\s(?:theo mẫu|theo quy định|trong trường hợp|trường hợp|nếu)\s)",
    re.IGNORECASE,
)
_FIRST_SENTENCE_END = re.compile(r"\.(?=\s*[A-ZĐÀ-Ỹ])|;")

ItemKind = Literal["general", "case", "note"]


@dataclass(frozen=True)
class Item:
    """One document as shown: the source row(s) it stands for, merged."""

    name: str
    copies: str | None
    forms: tuple[str, ...]

    @property
    def is_intro(self) -> bool:
        """A lead-in row ("… các giấy tờ sau:") rather than a document."""
        return not (self.copies or self.forms) and self.name.rstrip().endswith(":")

    @property
    def line(self) -> str:
        extras = [self.copies] if self.copies else []
        if self.forms:
            extras.append(f"mẫu: {', '.join(self.forms)}")
        return f"- {self.name}" + (f" ({'; '.join(extras)})" if extras else "")


@dataclass(frozen=True)
class Block:
    """Items under one heading (``None``: no heading), all of one kind."""

    heading: str | None
    kind: ItemKind
    items: tuple[Item, ...]


def _bare(text: str) -> str:
    """The text without its list marker ("a)", "(i)", "1.1.", "-", "+")."""
    return _ENUMERATOR.sub("", text).lstrip("( ")


def is_case(text: str) -> bool:
    """Whether a name or heading states a special case ("Trường hợp …", "Đối với …", "Nếu …")."""
    return _bare(text).casefold().startswith(CASE_OPENINGS)


def is_note(text: str | None) -> bool:
    return bool(text and _bare(text).casefold().startswith(NOTE_OPENING))


def is_form(name: str) -> bool:
    """Whether a document is a form to fill in (đơn, tờ khai, phiếu, mẫu, giấy đề nghị …)."""
    return bool(_FORM_OPENING.match(_bare(name)))


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _first_sentence(text: str) -> str:
    return _normal(_FIRST_SENTENCE_END.split(text, maxsplit=1)[0])


def _compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _same_document(a: Item, b: Item) -> bool:
    """Whether two rows of one group are the same document, worded alike."""
    if not _compatible(a.copies, b.copies):
        return False
    na, nb = _normal(a.name), _normal(b.name)
    if na == nb:
        return True
    if a.forms != b.forms and a.forms and b.forms:
        return False
    shorter, longer = sorted((na, nb), key=len)
    if len(shorter.split()) >= MIN_SHARED_WORDS and longer.startswith(shorter + " "):
        return True
    first = _first_sentence(a.name)
    return (
        len(first.split()) >= MIN_SHARED_WORDS
        and first == _first_sentence(b.name)
        and difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio() >= REWORDED_RATIO
    )


def _merge(a: Item, b: Item) -> Item:
    """One item for two rows: the fuller name, the stated copies, every form."""
    name = b.name if len(_normal(b.name)) > len(_normal(a.name)) else a.name
    return Item(name, a.copies or b.copies, tuple(dict.fromkeys((*a.forms, *b.forms))))


def _deduplicate(items: list[Item]) -> list[Item]:
    merged: list[Item] = []
    for item in items:
        index = next((i for i, kept in enumerate(merged) if _same_document(kept, item)), None)
        if index is None:
            merged.append(item)
        else:
            merged[index] = _merge(merged[index], item)
    return merged


def _form_first(items: list[Item]) -> list[Item]:
    """The application form first (one with a form file before one without), source order kept.

    A lead-in row ("… nộp các giấy tờ sau:") stays above the documents it introduces.
    """

    def rank(item: Item) -> int:
        if item.is_intro:
            return -1
        if is_form(item.name):
            return 0 if item.forms else 1
        return 2 if item.copies or item.forms else 3

    return sorted(items, key=rank)


def layout(documents: list[Document]) -> list[Block]:
    """Every document of the record in reading order: everyone's, special cases, notes."""
    groups: dict[str | None, list[Item]] = {}
    for doc in documents:
        item = Item(doc.name, doc.copies, (doc.form,) if doc.form else ())
        groups.setdefault(doc.group, []).append(item)
    general: list[Block] = []
    cases: list[Block] = []
    case_groups: list[Block] = []
    notes: list[Item] = []
    for heading, rows in groups.items():
        items = _deduplicate(rows)
        if is_note(heading):
            notes.extend(items)
            continue
        notes.extend(item for item in items if is_note(item.name))
        items = [item for item in items if not is_note(item.name)]
        if heading and is_case(heading):
            case_groups.append(Block(heading, "case", tuple(_form_first(items))))
            continue
        everyone = [item for item in items if not is_case(item.name)]
        special = [item for item in items if is_case(item.name)]
        block = Block(heading, "general", tuple(_form_first(everyone)))
        # The rows without a heading are the main list: they lead.
        general.insert(0, block) if heading is None else general.append(block)
        cases_heading = f"{CASES_HEADING} – {heading}" if heading else CASES_HEADING
        cases.append(Block(cases_heading, "case", tuple(special)))
    blocks = [*general, *cases, *case_groups, Block(NOTES_HEADING, "note", tuple(notes))]
    return [block for block in blocks if block.items]


def short_name(name: str) -> str:
    """The first clause of a document name, at most about :data:`SHORT_NAME_CHARS` characters."""
    clause = _SHORT_NAME_END.split(_bare(name), maxsplit=1)[0].strip(" ,.;:-")
    if len(clause) <= SHORT_NAME_CHARS:
        return clause
    cut = max(clause.rfind(" ", 0, SHORT_NAME_CHARS), clause.rfind("/", 0, SHORT_NAME_CHARS))
    return clause[: cut if cut > 0 else SHORT_NAME_CHARS].rstrip(" ,;:/") + "…"


def _summary(blocks: list[Block]) -> str | None:
    listed = [item for block in blocks if block.kind != "note" for item in block.items]
    everyone = [
        item
        for block in blocks
        if block.kind == "general"
        for item in block.items
        if item.copies or item.forms  # a document to bring, not a lead-in or a remark
    ]
    if len(listed) < SUMMARY_FROM or len(everyone) < 2:
        return None
    names = list(dict.fromkeys(short_name(item.name) for item in everyone))
    text = "; ".join(names[:SUMMARY_ITEMS])
    if len(names) > SUMMARY_ITEMS:
        text += f" và {len(names) - SUMMARY_ITEMS} giấy tờ khác"
    return f"{SUMMARY_OPENING}: {text}" + ("" if text.endswith("…") else ".")


def _shown(blocks: list[Block]) -> set[tuple[int, int]]:
    """Which items fit the cap: everyone's documents first, then special cases, then notes."""
    order = sorted(
        ((b, i) for b, block in enumerate(blocks) for i in range(len(block.items))),
        key=lambda pos: ("general", "case", "note").index(blocks[pos[0]].kind),
    )
    return set(order[:MAX_DOCUMENTS])


def _left_out(blocks: list[Block], shown: set[tuple[int, int]]) -> str | None:
    hidden = {kind: 0 for kind in ("general", "case", "note")}
    for b, block in enumerate(blocks):
        hidden[block.kind] += sum((b, i) not in shown for i in range(len(block.items)))
    parts = [
        f"{count} {what}"
        for count, what in (
            (hidden["general"], "giấy tờ khác"),
            (hidden["case"], "mục cho các trường hợp riêng"),
            (hidden["note"], "lưu ý"),
        )
        if count
    ]
    if not parts:
        return None
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} và {parts[-1]}"
    return f"Trang thủ tục còn {listed}; anh/chị vui lòng xem đầy đủ ở đường dẫn dưới đây."


def render_documents(documents: list[Document]) -> str | None:
    """The dossier as answer text (without the opening sentence), or None when there is none."""
    blocks = layout(documents)
    if not blocks:
        return None
    shown = _shown(blocks)
    parts: list[str] = []
    if summary := _summary(blocks):
        parts.append(summary)
    for b, block in enumerate(blocks):
        lines = [item.line for i, item in enumerate(block.items) if (b, i) in shown]
        if lines:
            heading = [f"{block.heading}:"] if block.heading else []
            parts.append("\n".join([*heading, *lines]))
    if tail := _left_out(blocks, shown):
        parts.append(tail)
    return "\n\n".join(parts)
