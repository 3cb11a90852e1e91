"""Training the ranker, gate, confidence and topic models, loading them, and the self-retrieval audit.

A small knowledge base with curated phrasings (some topic-labelled) and a small out-of-scope corpus
is built for real and searched with each phrasing left out, exactly as ``isee kb train-ranker`` does.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.knowledge.loader import load_knowledge_base, load_procedures
from bot.knowledge.schema import CuratedQuestion, Procedure
from bot.knowledge.vague_questions import VAGUE_FILE, VagueQuestion, load_vague_questions
from bot.knowledge.writer import render_procedure
from bot.search.audit import audit, versions
from bot.search.broad import broad_questions
from bot.search.build import build_index, current_index
from bot.search.config import load_search_config
from bot.search.embedder import E5_BF16
from bot.search.evidence import Candidates, query_row
from bot.search.features import RANK_FEATURES, reciprocal_ranks
from bot.search.folds import group_folds
from bot.search.models import SearchModels
from bot.search.outside import OUTSIDE_FILE, load_outside
from bot.search.searcher import Searcher
from bot.search.selfsearch import (
    OUTSIDE_GROUP,
    SEARCH_CHUNK,
    SelfResult,
    broad_queries,
    curated_queries,
    outside_queries,
    self_search,
    vague_queries,
)
from bot.search.topic_training import TopicData, clean_general, fit_topics
from bot.search.train import _clarify_threshold, guess_threshold, train_models
from bot.search.word_models import ScopeWords, TopicClassifier

REPO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"
MODEL = E5_BF16  # the default model (settings.search_model)
PHRASINGS = {
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch"): [
        "làm giấy khai sinh cho con mới đẻ",
        {"ho_so": "bé mới sinh đi khai sinh thì mang theo những gì"},
        {"le_phi": "lam khai sinh cho con co ton phi ko"},
        {"noi_nop": "làm khai sinh cho con ở đâu"},
    ],
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch"): [
        "hai đứa muốn cưới thì đăng ký ở xã thế nào",
        {"ho_so": "dang ky ket hon can giay to gi"},
        {"thoi_han": "đăng ký kết hôn mất mấy ngày thì có giấy"},
        {"noi_nop": "lấy vợ thì ra đâu làm giấy đăng ký"},
        # Misplaced on purpose: it asks about a birth, so the audit must list it.
        "bé nhà em mới sinh, làm giấy khai sinh thế nào",
    ],
    ("1.000656", "Đăng ký khai tử", "Hộ tịch"): [
        "ông mất rồi thì báo tử ở xã thế nào",
        {"ho_so": "khai tu cho nguoi mat can giay to gi"},
        {"le_phi": "làm giấy chứng tử có mất phí không"},
        {"thoi_han": "dang ky khai tu bao lau xong"},
    ],
    ("1.001612", "Đăng ký thành lập hộ kinh doanh", "Hộ kinh doanh"): [
        "mở tiệm bán cơm bình dân thì đăng ký kinh doanh ra sao",
        {"ho_so": "lam ho kinh doanh ca the can chuan bi nhung gi"},
        {"noi_nop": "xin giấy phép kinh doanh hộ cá thể ở đâu"},
        {"thoi_han": "lập hộ kinh doanh chờ mấy ngày thì có giấy"},
    ],
}
OUTSIDE = {
    "gia_ca": [
        "giá sầu riêng ở chợ đầu mối hôm nay",
        "gia xang tuan nay tang hay giam",
        "giá lợn hơi hôm nay",
    ],
    "thoi_tiet": ["mai trời có mưa không", "thoi tiet cuoi tuan the nao", "nhiệt độ hôm nay"],
    "giai_tri": ["tối nay đá bóng mấy giờ", "phim gì hay chiếu rạp", "bai hat nao dang hot"],
}


# First wordings of two phrasings above, which did not say what sets their procedure apart
# (``vague_questions.yml``).
VAGUE = [
    {
        "entry": "1.001193",
        "text": "làm giấy tờ cho con mới đẻ",
        "sharpened": "làm giấy khai sinh cho con mới đẻ",
    },
    {
        "entry": "1.000656",
        "text": "ông mất rồi thì báo xã thế nào",
        "sharpened": "ông mất rồi thì báo tử ở xã thế nào",
    },
]


# How people ask a topic with no procedure named (``topic_lines.yml``): the tiny corpus never
# words the processing time.
LINES = [
    ("thời hạn giải quyết là bao nhiêu ngày", "thoi_han"),
    ("mat bao lau thi xong", "thoi_han"),
    ("bao lâu thì có kết quả", "thoi_han"),
]


def write_kb(kb_dir: Path) -> None:
    kb_dir.mkdir(parents=True)
    config = yaml.safe_load((REPO_KB / "search.yml").read_text(encoding="utf-8"))
    config["training"].update(folds=2, rounds=20, min_data_in_leaf=2, num_leaves=4)
    # Three of the four procedures open "Đăng ký" and sit in "Hộ tịch": both are broad here.
    config["broad_questions"]["min_procedures"] = 3
    (kb_dir / "search.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    for name in ("site.yml", "answers.yml"):  # answers are rendered by their rules
        shutil.copy(REPO_KB / name, kb_dir / name)
    (kb_dir / OUTSIDE_FILE).write_text(
        yaml.safe_dump({"categories": OUTSIDE}, allow_unicode=True), encoding="utf-8"
    )
    (kb_dir / VAGUE_FILE).write_text(
        yaml.safe_dump({"questions": VAGUE}, allow_unicode=True), encoding="utf-8"
    )
    for (code, name, field), questions in PHRASINGS.items():
        procedure = Procedure(
            code=code,
            name=name,
            field=field,
            source="provincial",
            data_date=dt.date(2026, 5, 1),
            questions=[CuratedQuestion.model_validate(q) for q in questions],
        )
        path = kb_dir / "procedures" / "test" / f"{code}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_procedure(procedure), encoding="utf-8")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Searcher, list, list, list, Path]:
    root = tmp_path_factory.mktemp("train")
    kb_dir, build_dir = root / "kb", root / "build"
    write_kb(kb_dir)
    build_index(load_knowledge_base(kb_dir), build_dir, MODEL, "passage: ", "query: ")
    index = current_index(build_dir)
    assert index is not None
    config = load_search_config(kb_dir)
    searcher = Searcher.open(index, "query: ", config, None)
    inside = self_search(
        searcher,
        curated_queries(searcher),
        build_dir / "query-cache",
        MODEL,
    )
    outside = self_search(
        searcher,
        outside_queries(load_outside(kb_dir).lines()),
        build_dir / "query-cache",
        MODEL,
    )
    broad = self_search(
        searcher,
        broad_queries(broad_questions(searcher.docs, config.broad_questions)),
        build_dir / "query-cache",
        MODEL,
    )
    return searcher, inside, outside, broad, kb_dir


@pytest.fixture(scope="module")
def vague(trained: tuple) -> list[SelfResult]:
    searcher, _, _, _, kb_dir = trained
    return self_search(
        searcher,
        vague_queries(searcher, load_vague_questions(kb_dir).questions),
        kb_dir.parent / "build" / "query-cache",
        MODEL,
    )


def test_curated_questions_read_plain_or_with_a_topic() -> None:
    plain = CuratedQuestion.model_validate("làm khai sinh")
    labelled = CuratedQuestion.model_validate({"ho_so": "khai sinh cần gì"})
    assert (plain.text, plain.topic) == ("làm khai sinh", None)
    assert (labelled.text, labelled.topic) == ("khai sinh cần gì", "ho_so")
    assert plain.model_dump() == "làm khai sinh"
    assert labelled.model_dump() == {"ho_so": "khai sinh cần gì"}
    with pytest.raises(ValueError):
        CuratedQuestion.model_validate({"gia_vang": "không phải chủ đề"})


def _own_lex_share(searcher: Searcher, result: SelfResult) -> tuple[float, float]:
    """BM25 share of the answer for ``result``'s question: with every row in, and as searched."""
    (vector,) = searcher.embed([result.prepared])
    with_every_row = searcher.candidates(result.prepared, vector)
    lex = RANK_FEATURES.index("lex_share")

    def own(found: Candidates) -> float:
        return float(found.matrix[list(found.docs).index(result.query.doc), lex])

    return own(with_every_row), own(result.found)


def test_self_search_leaves_each_phrasing_out(trained: tuple) -> None:
    searcher, inside, outside, _, _ = trained
    assert len(inside) == sum(len(q) for q in PHRASINGS.values())
    assert len(outside) == sum(len(v) for v in OUTSIDE.values())
    result = next(r for r in inside if r.query.text == "làm giấy khai sinh cho con mới đẻ")
    with_itself, left_out = _own_lex_share(searcher, result)
    # Its own phrasing explained it fully; left out, only its siblings' wording remains.
    assert with_itself > left_out


def test_a_vague_question_is_searched_without_the_phrasing_it_became(
    trained: tuple, vague: list[SelfResult]
) -> None:
    searcher, inside, _, _, _ = trained
    assert [r.query.text for r in vague] == [q["text"] for q in VAGUE]
    result = vague[0]
    sharpened = next(r for r in inside if r.query.text == VAGUE[0]["sharpened"])
    assert (result.query.doc, result.query.row) == (sharpened.query.doc, sharpened.query.row)
    with_it, left_out = _own_lex_share(searcher, result)
    # Its own paraphrase would explain it; left out, only the procedure's other wording remains.
    assert with_it > left_out


def test_a_vague_question_whose_phrasing_was_edited_is_a_clear_error(trained: tuple) -> None:
    searcher = trained[0]
    edited = VagueQuestion(
        entry="1.001193", text="giấy tờ cho bé", sharpened="giấy khai sinh cho bé mới đẻ"
    )
    with pytest.raises(ValueError, match=r"not a phrasing of 1\.001193"):
        vague_queries(searcher, [edited])


def test_worker_processes_find_what_one_process_finds(trained: tuple, tmp_path: Path) -> None:
    searcher, inside, _, _, _ = trained
    # The fixture's phrasings over and over: several chunks, so the work is really spread.
    repeats = SEARCH_CHUNK // len(inside) + 2
    queries = curated_queries(searcher) * repeats
    # One query cache for both runs: the vectors are embedded once, before any worker starts (a
    # vector moves by up to 1e-3 a component with its embedding batch, bot.search.e5_torch).
    cache = tmp_path / "query-cache"
    single = self_search(searcher, queries, cache, MODEL, workers=1)
    forked = self_search(searcher, queries, cache, MODEL, workers=2)
    assert [r.query for r in forked] == [r.query for r in inside] * repeats
    for alone, spread in zip(single, forked, strict=True):
        assert np.array_equal(alone.found.docs, spread.found.docs)
        np.testing.assert_allclose(alone.found.matrix, spread.found.matrix, rtol=1e-6)


def test_training_is_deterministic_and_the_models_load(
    trained: tuple, vague: list[SelfResult], tmp_path: Path
) -> None:
    searcher, inside, outside, broad, kb_dir = trained
    training = load_search_config(kb_dir).training
    first, fitted = train_models(searcher, inside, outside, broad, LINES, training, vague)
    second, _ = train_models(searcher, inside, outside, broad, LINES, training, vague)
    assert [b.model_to_string() for b in first.ranker.boosters] == [
        b.model_to_string() for b in second.ranker.boosters
    ]
    # The card names the embedding model whose cosines the models read.
    assert first.card.embedding_model == MODEL
    # One ranker and one confidence model per fold, used together.
    assert len(first.ranker.boosters) == len(first.confidence.boosters) == training.folds
    # The ranker's trees split on a random share of the features; the confidence model's on all.
    fraction = f"[feature_fraction: {training.ranker_feature_fraction:g}]"
    assert training.ranker_feature_fraction < 1
    assert all(fraction in b.model_to_string() for b in first.ranker.boosters)
    assert all("[feature_fraction: 1]" in b.model_to_string() for b in first.confidence.boosters)
    assert 0.0 <= fitted.top1 <= 1.0 and 0.0 <= fitted.topic_accuracy <= 1.0
    assert 0.0 <= fitted.vague_top1 <= 1.0
    # Each out-of-scope subject's refused share, weakest first, adds up to the whole share.
    by_subject = fitted.outside_rejected_by_subject
    lines = Counter(r.query.group.removeprefix(OUTSIDE_GROUP) for r in outside)
    assert set(by_subject) == set(lines) and len(lines) > 1
    assert list(by_subject.values()) == sorted(by_subject.values())
    refused = sum(share * lines[subject] for subject, share in by_subject.items())
    assert refused / len(outside) == pytest.approx(fitted.outside_rejected)
    (tmp_path / "ranker").mkdir()
    (tmp_path / "ranker" / "ranker.txt").write_text("a model of the first format")
    first.save(tmp_path / "ranker")
    written = sorted(p.name for p in (tmp_path / "ranker").glob("*.txt"))
    assert written == sorted(
        [f"ranker-{k}.txt" for k in range(1, training.folds + 1)]
        + [f"confidence-{k}.txt" for k in range(1, training.folds + 1)]
    )
    loaded = SearchModels.load(tmp_path / "ranker", tmp_path / "compiled")
    assert loaded.card.training["phrasings"] == len(inside)
    assert loaded.card.training["vague_questions"] == len(vague) == len(VAGUE)
    # The ranker learnt from the vague questions too: without them it is another model.
    alone, _ = train_models(searcher, inside, outside, broad, LINES, training, [])
    assert alone.card.corpus_hash != first.card.corpus_hash
    assert [b.model_to_string() for b in alone.ranker.boosters] != [
        b.model_to_string() for b in first.ranker.boosters
    ]
    assert loaded.card.training["outside_lines"] == len(outside)
    assert loaded.card.training["broad_questions"] == len(broad) == 4
    card = loaded.card
    assert card.guess_threshold <= card.clarify_threshold == fitted.clarify_threshold
    assert loaded.card.training["topic_lines"] == len(LINES)
    # The card says how the models were fitted, so a file can be traced to its settings.
    assert loaded.card.settings == training.model_dump()
    matrix = inside[0].found.matrix
    assert np.allclose(loaded.rank(matrix), first.rank(matrix))
    # Both LightGBM models are served compiled, with the scores of the models just fitted.
    assert loaded.ranker.compiled is not None and loaded.confidence.compiled is not None
    for case in inside[:5] + outside[:5]:
        row = query_row(case.found, first.rank(case.found.matrix))
        assert abs(loaded.confident(row) - first.confident(row)) < 1e-9
        # The gate and its word model load with the scores just fitted.
        assert (
            abs(loaded.in_scope(row, case.query.text) - first.in_scope(row, case.query.text)) < 1e-6
        )
    # The gate reads the word model's log-odds as evidence of being in scope, not against it.
    assert first.gate.coef[-1] > 0
    assert 0.5 < fitted.scope_words_auc <= 1.0
    assert set(loaded.topics.model.classes_) <= {
        "tong_quan",
        "ho_so",
        "le_phi",
        "thoi_han",
        "noi_nop",
    }


def test_missing_model_files_are_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="train-ranker"):
        SearchModels.load(tmp_path, tmp_path / "compiled")


def test_missing_fold_models_and_old_formats_are_clear_errors(
    trained: tuple, tmp_path: Path
) -> None:
    searcher, inside, outside, broad, kb_dir = trained
    models, _ = train_models(
        searcher, inside, outside, broad, LINES, load_search_config(kb_dir).training, []
    )
    models.save(tmp_path)
    (tmp_path / "confidence-2.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"confidence-2\.txt"):
        SearchModels.load(tmp_path, tmp_path / "compiled")
    models.card.format = 1
    models.save(tmp_path)
    with pytest.raises(ValueError, match="format 1"):
        SearchModels.load(tmp_path, tmp_path / "compiled")


def test_audit_lists_a_misplaced_phrasing_with_its_line(trained: tuple, tmp_path: Path) -> None:
    searcher, inside, outside, broad, kb_dir = trained
    # As in the real corpus, one misplaced line among many does not shape the ranker.
    sound = [r for r in inside if not r.query.text.startswith("bé nhà em mới sinh")]
    training = load_search_config(kb_dir).training
    models, _ = train_models(searcher, sound, outside, broad, LINES, training, [])
    searcher.models = models
    report = audit(searcher, inside, kb_dir, versions(load_procedures(kb_dir)))
    misplaced = [m for m in report.misses if m.text.startswith("bé nhà em mới sinh")]
    assert len(misplaced) == 1
    miss = misplaced[0]
    assert miss.owner == "1.000894" and miss.found == "1.001193"
    lines = Path(miss.file).read_text(encoding="utf-8").splitlines()
    assert "bé nhà em mới sinh" in lines[miss.line - 1]
    assert report.phrasings == len(inside)
    assert report.share == round(report.self_retrieved / report.phrasings, 4)
    # Were the two records one procedure in two versions, the line would find its procedure.
    linked = audit(searcher, inside, kb_dir, {frozenset(("1.000894", "1.001193"))})
    assert not [m for m in linked.misses if m.text.startswith("bé nhà em mới sinh")]
    assert linked.other_version == report.other_version + 1
    assert linked.self_retrieved == report.self_retrieved + 1
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_unlabelled_phrasings_that_plainly_ask_a_topic_are_given_it() -> None:
    training = load_search_config(REPO_KB).training
    subjects = ["khai sinh", "kết hôn", "hộ kinh doanh", "lý lịch tư pháp", "căn cước", "hộ chiếu"]
    texts, labels, groups = [], [], []
    for subject in subjects:
        for text, label in (
            (f"hồ sơ {subject} gồm những giấy tờ gì", "ho_so"),
            (f"{subject} cần chuẩn bị giấy tờ gì", "ho_so"),
            (f"thành phần hồ sơ {subject} gồm những gì", "ho_so"),
            (f"lệ phí {subject} bao nhiêu tiền", "le_phi"),
            (f"{subject} mất bao nhiêu tiền", "le_phi"),
            (f"tôi muốn làm {subject}", "tong_quan"),
            (f"hướng dẫn làm {subject}", "tong_quan"),
        ):
            texts.append(text)
            labels.append(label)
            groups.append(subject)
    # A writer left one documents question unlabelled: it sits in the general class.
    unlabelled = "thành phần hồ sơ hộ chiếu gồm những gì"
    labels[texts.index(unlabelled)] = "tong_quan"
    data = TopicData(texts, labels, groups, names={s: f"đăng ký {s}" for s in subjects}, lines=[])
    cleaned = clean_general(data, group_folds(groups, training.folds), training)
    assert cleaned[texts.index(unlabelled)] == "ho_so"
    # The plainly general questions and every labelled one keep their labels.
    assert all(
        new == old
        for text, old, new in zip(texts, labels, cleaned, strict=True)
        if text != unlabelled
    )
    fit = fit_topics(data, training)
    assert fit.relabelled == 1
    assert fit.classifier.predict("thành phần hồ sơ hộ chiếu gồm những gì") == "ho_so"
    # A bare name asks nothing in particular.
    assert fit.classifier.predict("đăng ký hộ chiếu") is None


def test_topic_lines_teach_a_wording_no_phrasing_uses() -> None:
    training = load_search_config(REPO_KB).training
    subjects = ["khai sinh", "kết hôn", "hộ kinh doanh", "lý lịch tư pháp"]
    texts, labels, groups = [], [], []
    for subject in subjects:
        for text, label in (
            (f"hồ sơ {subject} gồm những giấy tờ gì", "ho_so"),
            (f"lệ phí {subject} bao nhiêu tiền", "le_phi"),
            (f"tôi muốn làm {subject}", "tong_quan"),
        ):
            texts.append(text)
            labels.append(label)
            groups.append(subject)
    names = {s: f"đăng ký {s}" for s in subjects}
    without = fit_topics(TopicData(texts, labels, groups, names, lines=[]), training)
    with_lines = fit_topics(TopicData(texts, labels, groups, names, lines=LINES), training)
    question = "thời hạn giải quyết là bao lâu"
    assert without.classifier.predict(question) != "thoi_han"
    assert with_lines.classifier.predict(question) == "thoi_han"


def test_scope_word_log_odds_are_the_fitted_scikit_learn_model() -> None:
    """The gate's word model computes its log-odds itself, as the topic classifier does: they
    must be the fitted regression's decision function."""
    words = ScopeWords.from_json(
        json.loads((REPO_KB / "ranker" / "scope.json").read_text(encoding="utf-8"))
    )
    texts = [
        "xin cấp lại giấy phép lái xe bị mất",
        "lai suat gui tiet kiem ngan hang nao cao nhat",
        "giá giá giá vàng hôm nay",  # repeated words: sublinear frequency
        "xyzzy qwerty",  # no word the vectorizer knows: the intercept alone
        "",
    ]
    expected = words.model.decision_function(words.words.vectorizer.transform(texts))
    np.testing.assert_allclose(words.log_odds(texts), expected, rtol=0, atol=1e-6)
    assert expected[0] > 0 > expected[1]


def test_the_scope_word_model_learns_which_words_are_out_of_scope() -> None:
    """Words met only in out-of-scope lines count against a question, words of the phrasings for
    it; the model survives its JSON form."""
    inside = [
        "xin cấp giấy phép xây dựng nhà ở",
        "đăng ký khai sinh cho con cần giấy tờ gì",
        "cấp lại giấy phép kinh doanh bị mất",
        "gia hạn giấy phép lao động",
    ]
    outside = [
        "lãi suất ngân hàng tháng này bao nhiêu",
        "giá vàng ngân hàng hôm nay",
        "vay ngân hàng mua xe lãi suất",
        "thời tiết ngày mai có mưa không",
    ]
    training = load_search_config(REPO_KB).training
    words = ScopeWords.fit(
        inside + outside, np.array([1] * len(inside) + [0] * len(outside)), training
    )
    asked = ["cấp giấy phép mới", "lãi suất ngân hàng"]
    assert words.log_odds(asked)[0] > 0 > words.log_odds(asked)[1]
    again = ScopeWords.from_json(json.loads(json.dumps(words.to_json())))
    np.testing.assert_allclose(again.log_odds(asked), words.log_odds(asked), atol=1e-4)


def test_topic_probabilities_are_the_fitted_scikit_learn_models() -> None:
    """The classifier computes its probabilities itself (scikit-learn's input checks cost more
    than the product): they must be what the fitted vectorizer and regression give."""
    classifier = TopicClassifier.from_json(
        json.loads((REPO_KB / "ranker" / "topic.json").read_text(encoding="utf-8"))
    )
    texts = [
        "cho em hỏi làm lại sổ đỏ bị cháy hết bao nhiêu tiền ạ",
        "ho so xin giay phep kinh doanh karaoke gom nhung gi",
        "nộp ở đâu nộp ở đâu nộp ở đâu",  # repeated words: sublinear frequency
        "xyzzy qwerty",  # no word the vectorizer knows: the intercepts alone
        "",
    ]
    expected = classifier.model.predict_proba(classifier.words.vectorizer.transform(texts))
    ours = classifier.predict_proba(texts)
    assert len(set(expected.argmax(axis=1).tolist())) >= 2  # not one class for everything
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)


def test_the_broad_questions_are_the_shared_openings_and_fields(trained: tuple) -> None:
    searcher, *_ = trained
    config = load_search_config(REPO_KB).broad_questions.model_copy(update={"min_procedures": 3})
    assert broad_questions(searcher.docs, config) == ["đăng ký", "dang ky", "hộ tịch", "ho tich"]
    # An opening that says nothing of the procedure is skipped.
    skipping = config.model_copy(update={"skip_openings": ["đăng ký"]})
    assert broad_questions(searcher.docs, skipping) == ["hộ tịch", "ho tich"]


def test_the_clarify_threshold_weighs_right_and_wrong_answers_against_choices() -> None:
    training = load_search_config(REPO_KB).training.model_copy(
        update={"clarify_gain": 0.3, "wrong_cost": 1.0, "clarify_resamples": 50}
    )
    # Right from 0.7 up, wrong below (the right procedure among the choices): answer from 0.7.
    confidence = np.array([0.9] * 20 + [0.7] * 20 + [0.5] * 20 + [0.3] * 20)
    right = np.array([True] * 40 + [False] * 40)
    in_top3 = np.ones(80, dtype=bool)
    assert _clarify_threshold(confidence, right, in_top3, training) == 0.7
    # The right procedure never among the choices: choices are worth nothing, still no wrong answer.
    assert _clarify_threshold(confidence, right, ~in_top3, training) == 0.7
    # Wrong answers free and choices worthless: answer everything.
    free = training.model_copy(update={"clarify_gain": 0.0, "wrong_cost": 0.0})
    assert _clarify_threshold(confidence, right, in_top3, free) == 0.3


def test_the_clarify_threshold_is_the_median_of_resamples_and_seeded() -> None:
    training = load_search_config(REPO_KB).training.model_copy(update={"clarify_resamples": 101})
    rng = np.random.default_rng(7)
    confidence = rng.uniform(0, 1, 3000)
    right = rng.uniform(0, 1, 3000) < confidence
    in_top3 = right | (rng.uniform(0, 1, 3000) < 0.8)
    first = _clarify_threshold(confidence, right, in_top3, training)
    assert _clarify_threshold(confidence, right, in_top3, training) == first
    one = training.model_copy(update={"clarify_resamples": 1})
    draws = [
        _clarify_threshold(confidence, right, in_top3, one.model_copy(update={"seed": seed}))
        for seed in range(101)
    ]
    assert first == pytest.approx(float(np.median(draws)), abs=0.05)
    assert min(draws) < first < max(draws)


def test_a_guess_is_shown_where_it_is_right_often_enough() -> None:
    training = load_search_config(REPO_KB).training.model_copy(
        update={"clarify_gain": 0.3, "guess_cost": 0.5}
    )
    # Under the clarify threshold (0.6): right four times in five from 0.4, once in five below.
    confidence = np.array([0.45] * 5 + [0.2] * 5 + [0.9] * 5)
    right = np.array([True] * 4 + [False] + [True] + [False] * 4 + [True] * 5)
    none_broad = np.zeros(0)
    assert guess_threshold(confidence, right, none_broad, 0.6, training) == 0.45
    # Broad questions at 0.45 (never right) make guessing there a loss: choices only.
    broad = np.full(6, 0.45)
    assert guess_threshold(confidence, right, broad, 0.6, training) == 0.6
    # A guess costing nothing is shown wherever it is ever right.
    free = training.model_copy(update={"guess_cost": 0.0})
    assert guess_threshold(confidence, right, none_broad, 0.6, free) == 0.2


def test_the_train_ranker_command_writes_models_with_both_thresholds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app
    from bot.knowledge.topic_lines import TOPIC_LINES_FILE
    from bot.settings import get_settings

    kb_dir = tmp_path / "kb"
    write_kb(kb_dir)
    topics: dict[str, list[str]] = {}
    for text, topic in LINES:
        topics.setdefault(topic, []).append(text)
    (kb_dir / TOPIC_LINES_FILE).write_text(
        yaml.safe_dump({"topics": topics}, allow_unicode=True), encoding="utf-8"
    )
    monkeypatch.setenv("ISEE_KB_DIR", str(kb_dir))
    monkeypatch.setenv("ISEE_BUILD_DIR", str(tmp_path / "build"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["kb", "train-ranker"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    card = SearchModels.load(kb_dir / "ranker", tmp_path / "compiled").card
    assert card.training["broad_questions"] == 4  # "đăng ký", "hộ tịch", each typed both ways
    assert card.guess_threshold <= card.clarify_threshold
    assert card.figures["guess_threshold"] == round(card.guess_threshold, 4)
    assert all(
        share == round(share, 4) for share in card.figures["outside_rejected_by_subject"].values()
    )


def test_documents_with_equal_scores_share_the_better_rank() -> None:
    """Which of two equally scored documents comes first is no evidence: both get the rank of
    the first, and the next one down is ranked after both."""
    scores = np.array([0.5, 0.9, 0.9, 0.1, 0.5], dtype=np.float32)
    order = np.argsort(-scores, kind="stable")
    ranks = reciprocal_ranks(scores, order, np.arange(len(scores)))
    assert ranks.tolist() == pytest.approx([1 / 3, 1.0, 1.0, 1 / 5, 1 / 3])
    assert reciprocal_ranks(scores, order, np.array([3, 1])).tolist() == pytest.approx([1 / 5, 1.0])
