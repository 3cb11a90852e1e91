"""Search settings read from ``knowledge_base/search.yml``: candidates, word lists, training."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.textfold import fold

SEARCH_CONFIG_FILE = "search.yml"


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Training(_Config):
    """How ``isee kb train-ranker`` fits the models (see docs/search.md, "Model card")."""

    seed: int = Field(
        description="Seed of every random choice: the same corpus gives the same models"
    )
    folds: int = Field(ge=2, le=20, description="Folds of the procedure-grouped cross-validation")
    rounds: int = Field(ge=10, description="Boosting rounds of each LightGBM model")
    learning_rate: float = Field(gt=0, le=1)
    num_leaves: int = Field(ge=2)
    min_data_in_leaf: int = Field(ge=1)
    ranker_feature_fraction: float = Field(
        gt=0,
        le=1,
        description="Share of the features each of the ranker's trees may split on (drawn at random)",
    )
    outside_rejected_target: float = Field(
        ge=0,
        le=1,
        description="Share of out-of-scope lines the gate must refuse (cross-validated)",
    )
    gate_c: float = Field(gt=0, description="Inverse regularisation of the scope gate")
    scope_words_c: float = Field(
        gt=0,
        description=(
            "Inverse regularisation of the scope gate's word model (the words of in-scope questions"
            " against those of the out-of-scope corpus)"
        ),
    )
    clarify_gain: float = Field(
        ge=0,
        le=1,
        description="Value of offering choices that hold the right answer (a right answer is 1)",
    )
    wrong_cost: float = Field(ge=0, description="Cost of answering with the wrong procedure")
    clarify_resamples: int = Field(
        ge=1,
        description=(
            "Bootstrap resamples of the phrasings whose best clarify thresholds are averaged"
            " (median): one sample's best threshold is unstable"
        ),
    )
    guess_cost: float = Field(
        ge=0,
        description=(
            "Cost of showing a wrong best guess, said to be a guess and followed by the other"
            " choices"
        ),
    )
    topic_c: float = Field(gt=0, description="Inverse regularisation of the topic classifier")
    general_weight: float = Field(
        gt=0,
        le=1,
        description="Weight of unlabelled (general) phrasings: some do ask a topic unlabelled",
    )
    topic_name_weight: float = Field(
        ge=0,
        description="Weight of each procedure's name as a general question in topic training",
    )


class BroadQuestions(_Config):
    """Which openings and fields count as broad questions (``search.yml``: ``broad_questions``)."""

    opening_words: int = Field(ge=1, description="Words of a procedure name's opening")
    min_procedures: int = Field(
        ge=2, description="Procedures an opening or a field must be shared by to be broad"
    )
    skip_openings: list[str] = Field(
        description="Openings that say nothing of the procedure ('thủ tục')"
    )


class TopicClauses(_Config):
    """How a question asking several topics ("cần giấy tờ gì, nộp ở đâu") is split and read."""

    separators: list[str] = Field(
        min_length=1, description="Words and marks between the clauses of a question"
    )
    min_words: int = Field(ge=1, description="Shortest clause (in words) read on its own")
    min_probability: float = Field(
        gt=0,
        le=1,
        description="Topic probability a clause needs to add a second topic to the answer",
    )


class DiacriticsConfig(_Config):
    """How accents are restored (``search.yml``: ``diacritics``)."""

    candidates: int = Field(
        ge=1, description="Accented spellings of an unmarked word considered, the most frequent"
    )
    bigram_weight: float = Field(
        gt=0,
        lt=1,
        description="Weight of the bigram estimate against the word's own frequency (interpolation)",
    )


class SpellingConfig(_Config):
    """How typing mistakes are mended (``search.yml``: ``spelling``)."""

    min_length: int = Field(
        ge=2, description="Words shorter than this (folded letters) are never corrected"
    )
    min_count: int = Field(
        ge=1, description="Index rows a known word must appear in to be offered as a correction"
    )
    max_edits: int = Field(
        ge=1, le=2, description="Edits (insert, delete, substitute, transpose) a correction may be"
    )
    bigram_weight: float = Field(
        gt=0,
        lt=1,
        description="Weight of the word-pair estimate against the word's own frequency",
    )


class NegationConfig(_Config):
    """How the words a question says it does not mean are read (``search.yml``: ``negation``)."""

    markers: list[str] = Field(
        min_length=1, description="Words that say what follows is not what is asked ('không phải')"
    )
    boundaries: list[str] = Field(
        description="Words that end a negated span ('mà', 'thì'); punctuation always does"
    )
    max_words: int = Field(ge=1, description="Longest negated span, in words")


class SearchConfig(_Config):
    """The whole ``search.yml``."""

    candidates: int = Field(ge=1, le=500, description="Top documents of each signal reranked")
    mass_cap: float = Field(
        gt=0, description="Cap on a query's IDF mass, so long stories are not judged unexplained"
    )
    rivals: int = Field(
        ge=2,
        le=50,
        description=(
            "Documents ranked this high by BM25 or by cosine are each candidate's rivals: the"
            " contrast features weigh the question's words that tell them apart"
        ),
    )
    neighbours: int = Field(
        ge=1,
        le=200,
        description=(
            "The rows nearest the question by cosine and by BM25: each candidate's share of them"
            " is the neighbour-vote feature (how many of the closest phrasings agree)"
        ),
    )
    follow_up_max_words: int = Field(
        ge=0,
        description=(
            "A question asking a topic with at most this many other words is a follow-up about the"
            " procedure of the conversation"
        ),
    )
    dense_max_words: int = Field(
        ge=4,
        description="The dense model reads a question's last this many words (a story ends asking)",
    )
    max_query_chars: int = Field(
        ge=100, description="A question is searched on its first this many characters"
    )
    unsaid_scale: int = Field(
        ge=1,
        description=(
            "Words of a text the question does not use are counted over this many (capped at 1)"
            " for the coverage feature's unsaid share"
        ),
    )
    fillers: list[str] = Field(
        min_length=1,
        description=(
            "Phrases with no search signal (greetings, 'tôi muốn hỏi', 'ạ'), taken out of a question"
            " where written as the filler"
        ),
    )
    stop_words: list[str] = Field(
        min_length=1,
        description=(
            "Folded words that carry no content (cua, cho, thu tuc…): left out when the features"
            " compare the words of a question and of a text"
        ),
    )
    name_run_words: int = Field(
        ge=1,
        description=(
            "The topic is read without the runs of at least this many words a question shares with"
            " the name of the procedure it asks about"
        ),
    )
    training: Training
    negation: NegationConfig
    diacritics: DiacriticsConfig
    spelling: SpellingConfig
    topic_clauses: TopicClauses
    broad_questions: BroadQuestions
    qualifiers: list[str] = Field(
        default_factory=list,
        description=(
            "Restrictive qualifiers of procedure names (chuyên, có yếu tố nước ngoài, quân sự…):"
            " a ranking feature says whether the question leaves a candidate's qualifier unsaid"
        ),
    )
    field_qualifiers: dict[str, list[str]] = Field(
        default_factory=dict,
        description=(
            "Fields whose procedures serve one group only though their names do not say so, with"
            " the qualifiers a question names that group by"
        ),
    )
    field_tags: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Office a field tag stands for ('BQL' in '[BQL] - Hoạt động xây dựng'), so that a"
            " question naming that office finds the procedures it runs"
        ),
    )

    @field_validator("stop_words")
    @classmethod
    def _folded(cls, words: list[str]) -> list[str]:
        """Stop words are compared with folded text: one written with diacritics would never match."""
        unfolded = [word for word in words if fold(word) != word]
        if unfolded:
            raise ValueError(f"stop words must be written folded (no diacritics): {unfolded}")
        return words


def load_search_config(kb_dir: Path) -> SearchConfig:
    """Read ``<kb_dir>/search.yml`` (required: every number of the search has its home there)."""
    path = kb_dir / SEARCH_CONFIG_FILE
    return SearchConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
