"""Self-retrieval under typing mistakes: how often a curated phrasing, mistyped, still finds its
own entry first, with the speller (``bot.search.spelling``) and with it switched off.

Run with ``.venv/bin/python bench/typo_eval.py``. A seeded sample of the curated phrasings is
searched with each phrasing's own row left out of the index (as the self-retrieval audit does),
once as written and once for each kind of mistake: the phrasing without diacritics, one or two
words mistyped (a letter dropped, doubled, swapped with the next or replaced by a neighbouring
key), both, two words typed without the space between them, and typed in Telex with the
keyboard's Vietnamese input off. The mistakes are made here, from our own corpus, never from the
evaluation sets. Prints one JSON object: the share found first for each kind, speller on and off.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Callable

import numpy as np
import typer
from rich.progress import Progress

from bot.search.searcher import Searcher
from bot.search.selfsearch import SelfQuery, curated_queries
from bot.search.service import pin_threads
from bot.settings import get_settings
from bot.textfold import fold

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Each letter's neighbours on a QWERTY keyboard (same row and the rows above and below).
_NEAR = {
    letter: [
        _ROWS[r][c]
        for r in range(max(row - 1, 0), min(row + 2, len(_ROWS)))
        for c in range(max(col - 1, 0), min(col + 2, len(_ROWS[r])))
        if (r, c) != (row, col)
    ]
    for row, keys in enumerate(_ROWS)
    for col, letter in enumerate(keys)
}
# Telex keys of each diacritic (NFD combining mark or modified letter) and tone.
_TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_TELEX_LETTERS = {"â": "aa", "ă": "aw", "ê": "ee", "ô": "oo", "ơ": "ow", "ư": "uw", "đ": "dd"}


def mistype(word: str, rng: random.Random) -> str:
    """``word`` with one letter dropped, doubled, swapped with the next or hit next to."""
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "double", "swap", "near"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[: i + 1] + word[i:]
    if kind == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    near = _NEAR.get(fold(word[i]))
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word[:i] + word[i + 1 :]


def with_typos(text: str, rng: random.Random, count: int) -> str:
    """``text`` with ``count`` of its words of three letters or more mistyped."""
    words = text.split()
    long_words = [i for i, word in enumerate(words) if len(word) >= 3 and word.isalpha()]
    for i in rng.sample(long_words, min(count, len(long_words))):
        words[i] = mistype(words[i], rng)
    return " ".join(words)


def joined(text: str, rng: random.Random) -> str:
    """``text`` with the space between two of its words left out ("đăng ký" → "đăngký")."""
    words = text.split()
    pairs = [i for i in range(len(words) - 1) if words[i].isalpha() and words[i + 1].isalpha()]
    if not pairs:
        return text
    i = rng.choice(pairs)
    return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])


def telex(text: str) -> str:
    """``text`` as typed in Telex with the Vietnamese input off: "Cấp lại" → "caaps laij"."""
    out = []
    for word in text.lower().split():
        keys, tone = [], ""
        for char in unicodedata.normalize("NFD", unicodedata.normalize("NFC", word)):
            if char in _TELEX_TONES:
                tone = _TELEX_TONES[char]
            elif char in ("\u0302", "\u0306", "\u031b"):  # circumflex, breve, horn
                base = unicodedata.normalize("NFC", keys.pop() + char)
                keys.append(_TELEX_LETTERS.get(base, base))
            else:
                keys.append(_TELEX_LETTERS.get(char, char))
        out.append("".join(keys) + tone)
    return " ".join(out)


KINDS: dict[str, Callable[[str, random.Random], str]] = {
    "as written": lambda text, rng: text,
    "no diacritics": lambda text, rng: fold(text),
    "one typo": lambda text, rng: with_typos(text, rng, 1),
    "two typos": lambda text, rng: with_typos(text, rng, 2),
    "no diacritics, one typo": lambda text, rng: with_typos(fold(text), rng, 1),
    "two words joined": joined,
    "telex, input off": lambda text, rng: telex(text),
}


def _found_first(searcher: Searcher, query: SelfQuery, text: str) -> bool:
    models = searcher.trained()
    prepared = searcher.prepare(text)
    (vector,) = searcher.embed([prepared])
    found = searcher.candidates(prepared, vector, exclude=np.array([query.row]))
    return int(found.docs[int(np.argmax(models.rank(found.matrix)))]) == query.doc


def main(
    sample: int = typer.Option(1000, min=1, help="Curated phrasings searched"),
    seed: int = typer.Option(7, help="Seed of the sample and of the mistakes"),
) -> None:
    """Print the share of phrasings found first, by kind of mistake, speller on and off."""
    pin_threads()
    searcher = Searcher.load(get_settings())
    queries = random.Random(seed).sample(curated_queries(searcher), sample)
    speller = searcher.preparer.speller
    correct = speller.correct
    results: dict[str, dict[str, float]] = {}
    with Progress() as progress:
        task = progress.add_task("Searching", total=2 * len(KINDS) * len(queries))
        for kind, make in KINDS.items():
            rng = random.Random(seed)
            texts = [make(query.text, rng) for query in queries]
            shares = {}
            for label, spell in (("speller off", lambda text: text), ("speller on", correct)):
                speller.correct = spell  # type: ignore[method-assign]  # the ablation
                found = 0
                for query, text in zip(queries, texts, strict=True):
                    found += _found_first(searcher, query, text)
                    progress.advance(task)
                shares[label] = round(found / len(queries), 4)
            speller.correct = correct  # type: ignore[method-assign]
            results[kind] = shares
    print(json.dumps({"phrasings": sample, "seed": seed, "found_first": results}, indent=2))


if __name__ == "__main__":
    typer.run(main)
