"""Hygiene of the Rasa NLU data: training split, held-out split, entity annotations, regex."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
TEST_FILE = Path(__file__).with_name("test_nlu.yml")
DOMAIN_FILE = ROOT / "domain.yml"

ANNOTATION = re.compile(r"\[([^\]]+)\]\(([a-z_0-9]+)\)")
Examples = dict[str, list[str]]


def _items(block: str) -> list[str]:
    return [line[2:].strip() for line in block.splitlines() if line.startswith("- ")]


def _load(paths: list[Path]) -> tuple[Examples, list[str]]:
    """Intent examples and regex patterns found in Rasa NLU YAML files."""
    intents: Examples = defaultdict(list)
    regexes: list[str] = []
    for path in paths:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in item:
                intents[item["intent"]].extend(_items(item["examples"]))
            elif item.get("regex") == "dossier_code":
                regexes.extend(_items(item["examples"]))
    return dict(intents), regexes


def _plain(example: str) -> str:
    return ANNOTATION.sub(r"\1", example)


def _accentless(text: str) -> str:
    """The text as typed without Vietnamese diacritics."""
    text = text.replace("đ", "d").replace("Đ", "D")
    marks = "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    )
    return unicodedata.normalize("NFC", marks)


def _key(example: str) -> str:
    """Accent-, case- and punctuation-insensitive form of an example."""
    return " ".join(re.findall(r"[a-z0-9]+", _accentless(_plain(example)).lower()))


def _annotations(examples: Examples, entity: str) -> list[str]:
    return [
        value
        for items in examples.values()
        for example in items
        for value, name in ANNOTATION.findall(example)
        if name == entity
    ]


@pytest.fixture(scope="module")
def train() -> tuple[Examples, list[str]]:
    return _load(sorted(NLU_DIR.glob("*.yml")))


@pytest.fixture(scope="module")
def held_out() -> Examples:
    return _load([TEST_FILE])[0]


def test_held_out_covers_the_training_intents(train, held_out):
    assert set(held_out) == set(train[0])
    assert all(len(items) >= 5 for items in held_out.values())


def test_intents_are_declared_in_the_domain(train):
    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    assert set(train[0]) <= set(domain["intents"])


def test_held_out_share_is_between_13_and_25_percent(train, held_out):
    n_train = sum(len(items) for items in train[0].values())
    n_test = sum(len(items) for items in held_out.values())
    assert 0.13 <= n_test / (n_train + n_test) <= 0.25


def test_held_out_never_repeats_a_training_example(train, held_out):
    seen = {_key(e) for items in train[0].values() for e in items}
    leaked = [e for items in held_out.values() for e in items if _key(e) in seen]
    assert leaked == []


def test_no_example_belongs_to_two_intents(train):
    owners: dict[str, set[str]] = defaultdict(set)
    for intent, items in train[0].items():
        for example in items:
            owners[_key(example)].add(intent)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_half_the_training_examples_exist_with_and_without_diacritics(train):
    total = twinned = 0
    for items in train[0].values():
        texts = set(items)
        total += len(items)
        for example in items:
            accentless = _accentless(example)
            if accentless != example and accentless in texts:
                twinned += 2
    assert twinned / total >= 0.5


def test_regex_matches_every_annotated_dossier_code_exactly(train, held_out):
    examples, regexes = train
    assert regexes
    patterns = [re.compile(p) for p in regexes]
    codes = _annotations(examples, "dossier_code") + _annotations(held_out, "dossier_code")
    assert len(codes) > 50
    for code in codes:
        assert any(p.fullmatch(code) for p in patterns), code


def test_regex_ignores_phone_digits_and_dates(train):
    patterns = [re.compile(p) for p in train[1]]
    for text in ("1234", "0912345678", "ngày 12/06/2025", "000.00.20", "H37-250612"):
        assert not any(p.search(text) for p in patterns), text


def test_last4_annotations_are_four_digits(train, held_out):
    values = _annotations(train[0], "last4") + _annotations(held_out, "last4")
    assert values
    assert all(re.fullmatch(r"\d{4}", v) for v in values)


def test_only_code_and_phone_intents_carry_entities(train):
    carriers = {
        intent
        for intent, items in train[0].items()
        if any(ANNOTATION.search(example) for example in items)
    }
    assert carriers == {"check_dossier", "inform_code", "inform_phone_digits"}
