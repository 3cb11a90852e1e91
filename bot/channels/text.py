"""Text rendering shared by the platform channels: split long answers, list choices as numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.channels.models import Button, Reply

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")

NUMBERED_CHOICE_HINT = "Anh/chị trả lời bằng số thứ tự để chọn ạ."
CHOICES_ONLY_TEXT = "Dạ, anh/chị chọn một trong các mục sau:"
NUMBER_ANSWER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in order as pieces of at most ``limit`` characters, cut at line ends, then at
    sentence ends, then at spaces; a single word longer than ``limit`` is cut where it must be."""
    pieces: list[str] = []
    current = ""
    for unit in _units(text.strip(), limit):
        if not current:
            current = unit
        elif len(current) + len(unit) <= limit:
            current += unit
        else:
            pieces.append(current.rstrip())
            current = unit.lstrip()
    if current.strip():
        pieces.append(current.rstrip())
    return [piece for piece in pieces if piece]


def _units(text: str, limit: int) -> list[str]:
    """Pieces of ``text`` (keeping their separators) no longer than ``limit``, from the coarsest
    boundary that gives them: lines, sentences, words, characters."""
    units: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= limit:
            units.append(line)
            continue
        for sentence in _keep_separators(_SENTENCE_END, line):
            if len(sentence) <= limit:
                units.append(sentence)
                continue
            for word in _keep_separators(re.compile(r"(?<=\s)(?=\S)"), sentence):
                units.extend(word[i : i + limit] for i in range(0, len(word), limit))
    return units


def _keep_separators(pattern: re.Pattern[str], text: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in pattern.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return [part for part in parts if part]


def reply_text(reply: Reply) -> str:
    """The reply's text with its source link, for channels that show links only as text."""
    if reply.link and reply.link not in reply.text:
        return f"{reply.text}\nNguồn: {reply.link}".strip()
    return reply.text


def turn_buttons(replies: list[Reply]) -> list[Button]:
    """Every choice offered in one turn, in order, each payload once: a platform shows choices
    only on the turn's last message."""
    seen: set[str] = set()
    buttons: list[Button] = []
    for reply in replies:
        for button in reply.buttons:
            if button.payload not in seen:
                seen.add(button.payload)
                buttons.append(button)
    return buttons


def numbered_choices(buttons: list[Button]) -> str:
    """The choices as a numbered list the user answers with a number."""
    lines = [f"{number}. {button.title}" for number, button in enumerate(buttons, start=1)]
    return "\n".join([*lines, NUMBERED_CHOICE_HINT])


@dataclass(frozen=True)
class Turn:
    """One turn laid out for a platform's messages."""

    pieces: list[str]  # message texts, each within the platform's limit
    buttons: list[Button]  # choices to attach to the last piece (none when listed by number)
    choices: list[str]  # payloads of the numbered list, in order (for the user's number answer)


def lay_out(replies: list[Reply], text_limit: int, fits: Callable[[list[Button]], bool]) -> Turn:
    """Texts in pieces of at most ``text_limit`` characters; the turn's choices as the platform's
    buttons when they ``fits`` its limits, else as a numbered list after the texts."""
    texts = [reply_text(reply) for reply in replies]
    buttons = turn_buttons(replies)
    attach = bool(buttons) and fits(buttons)
    choices: list[str] = []
    if buttons and not attach:
        texts.append(numbered_choices(buttons))
        choices = [button.payload for button in buttons]
    pieces = [piece for text in texts for piece in split_text(text, text_limit)]
    if attach and not pieces:
        pieces = [CHOICES_ONLY_TEXT]
    return Turn(pieces=pieces, buttons=buttons if attach else [], choices=choices)


def chosen_payload(text: str, choices: list[str]) -> str | None:
    """The payload the user picked by answering ``text`` (a number) to the last numbered list."""
    match = NUMBER_ANSWER.match(text)
    if not match or not choices:
        return None
    number = int(match.group(1))
    return choices[number - 1] if 1 <= number <= len(choices) else None
