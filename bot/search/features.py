"""The evidence the learned models read: one row per candidate, one row per question.

Every feature is a number computed the same way at training time (a curated phrasing searched with
itself left out) and at serving time (a citizen's message), so that the ranker, the scope gate and
the confidence model see the same thing in both places. The names are stored with the models.
"""

from __future__ import annotations

import numpy as np

RANK_FEATURES: tuple[str, ...] = (
    "lex_best",  # best BM25 of the document's rows, over the best document's
    "lex_name",  # BM25 of the name (FAQ title), over the best document's
    "lex_question",  # best BM25 of its curated phrasings, over the best document's
    "lex_share",  # best BM25 of its rows over the query's IDF mass (how much it explains)
    "dense_best",  # best cosine of its rows
    "dense_name",  # cosine of the name
    "dense_question",  # best cosine of its phrasings (-1 without phrasings)
    "dense_gap",  # its best cosine minus the best cosine of any document
    "lex_rank",  # 1 / (1 + rank) by BM25
    "dense_rank",  # 1 / (1 + rank) by cosine
    "coverage",  # share of a text's words the question uses (best text)
    "unsaid",  # words of that text the question does not use (capped, scaled)
    "preferred",  # the common, current record
    "variant",  # a sibling whose action (cấp lại, gia hạn…) the question does not suggest
    "qualifier",  # a specialised sibling whose qualifier the question does not say
    "agency",  # run by the office the question names
    "hint",  # the procedure the conversation is already about
    "faq",  # a general FAQ rather than a procedure
    "accentless",  # the question is typed without diacritics
    "words",  # content words of the question (log)
    # Contrast with the rivals (the best few documents by BM25 or cosine): of the question's words
    # that tell the rivals apart, the IDF share found in this document's name / in any of its texts,
    # and the share found only in other rivals' names / texts.
    "contrast_name_own",
    "contrast_name_other",
    "contrast_text_own",
    "contrast_text_other",
    # Neighbour votes: of the index rows nearest the question (``neighbours`` in search.yml), the
    # share that belong to this document, by cosine and by BM25; and its second-best cosine (a
    # document that several phrasings match is surer than one matched by a single phrasing).
    "dense_votes",
    "lex_votes",
    "dense_second",
    # How people ask for this document as a whole: the cosine with the mean of its phrasings'
    # vectors (-1 without phrasings), and that minus the best candidate's.
    "dense_centroid",
    "centroid_gap",
    # Of the words the question says it does not mean ("chứ không phải cấp lại"), the IDF share
    # this document's name holds (0 when the question negates nothing).
    "negated_name",
)

QUERY_FEATURES: tuple[str, ...] = (
    "top_score",  # ranker score of the best candidate
    "margin",  # best minus second ranker score
    "spread",  # best minus third ranker score
    "top_lex_share",  # how much of the question the best candidate's text explains
    "best_lex_share",  # the same, for the lexically best document
    "top_dense",  # best cosine of the best candidate
    "best_dense",  # best cosine of any document
    "outside_dense",  # best cosine to the out-of-scope corpus
    "outside_lex_share",  # how much of the question the best out-of-scope line explains
    "inside_minus_outside",  # best_dense - outside_dense
    "accentless",
    "words",
    "top_faq",
    # The question read whole, its topic words kept (a question about the portal itself, "nộp hồ
    # sơ qua bưu điện", often is its topic words): how much of it the best index row explains
    # (BM25 over the question's IDF mass), and the best out-of-scope line.
    "best_whole_share",
    "outside_whole_share",
)


# What the scope gate reads: how close the question is to the knowledge base and to the
# out-of-scope corpus. Ranker scores are left out on purpose: a phrasing searched without itself
# still has near-identical siblings, so its ranker scores are more confident than a citizen's.
GATE_DISTANCES: tuple[str, ...] = (
    "best_dense",
    "outside_dense",
    "inside_minus_outside",
    "best_lex_share",
    "outside_lex_share",
    "best_whole_share",
    "outside_whole_share",
    "accentless",
    "words",
)
# ...and its words: their log-odds of being in scope by the gate's word model (``ScopeWords``),
# which is not a column of the query row.
GATE_FEATURES: tuple[str, ...] = (*GATE_DISTANCES, "scope_words")


def reciprocal_ranks(scores: np.ndarray, order: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """1 / (1 + rank) of ``rows`` among all documents by ``scores`` (``order``: every document,
    best first). Tied documents share the better rank: which of two equal scores comes first is
    no evidence."""
    return 1.0 / (1.0 + np.searchsorted(-scores[order], -scores[rows], side="left"))


def query_features(
    scores: np.ndarray,
    candidate_rows: np.ndarray,
    best_lex_share: float,
    best_dense: float,
    outside_dense: float,
    outside_lex_share: float,
    best_whole_share: float,
    outside_whole_share: float,
) -> np.ndarray:
    """The query row, from the ranker's ``scores`` of the candidates and their feature matrix."""
    order = np.argsort(-scores, kind="stable")
    top = candidate_rows[order[0]]
    second = scores[order[1]] if len(order) > 1 else scores[order[0]] - 10.0
    third = scores[order[2]] if len(order) > 2 else second - 10.0
    index = {name: i for i, name in enumerate(RANK_FEATURES)}
    return np.array(
        [
            scores[order[0]],
            scores[order[0]] - second,
            scores[order[0]] - third,
            top[index["lex_share"]],
            best_lex_share,
            top[index["dense_best"]],
            best_dense,
            outside_dense,
            outside_lex_share,
            best_dense - outside_dense,
            top[index["accentless"]],
            top[index["words"]],
            top[index["faq"]],
            best_whole_share,
            outside_whole_share,
        ],
        dtype=np.float32,
    )
