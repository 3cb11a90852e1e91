"""Search tuning read from ``knowledge_base/search.yml`` (weights and calibrated thresholds)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

SEARCH_CONFIG_FILE = "search.yml"


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Weights(_Config):
    """Weights of the ranking features."""

    lexical: float = Field(0.5, ge=0)
    dense: float = Field(0.5, ge=0)
    coverage: float = Field(0.35, ge=0)
    unsaid: float = Field(0.1, ge=0)
    preferred: float = Field(0.08, ge=0)
    hint: float = Field(0.5, ge=0, description="Bonus of the procedure the conversation is about")
    variant: float = Field(
        0.05, ge=0, description="Penalty of a sibling whose action the question does not suggest"
    )
    qualifier: float = Field(
        0.0,
        ge=0,
        description="Penalty of a specialised sibling whose qualifier the question does not say",
    )
    agency: float = Field(
        0.3, ge=0, description="Bonus of a procedure run by the office the question names"
    )
    faq_topic_words: float = Field(
        0.8, ge=0, le=1, description="Weight of a FAQ's BM25 when topic words are kept in the query"
    )


class Thresholds(_Config):
    """Decision thresholds."""

    none_lexical: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the query explained by BM25 below which it may be out of scope",
    )
    none_dense: float = Field(
        0.86, ge=0, le=1, description="Best cosine below which it may be out of scope"
    )
    none_lexical_intent: float = Field(
        0.5,
        ge=0,
        le=1,
        description="As none_lexical, for a question asking for a procedure (see intent_words)",
    )
    none_dense_intent: float = Field(
        0.86, ge=0, le=1, description="As none_dense, for a question asking for a procedure"
    )
    clarify_margin: float = Field(
        0.04, ge=0, description="Score gap under which siblings are offered"
    )


class CosineScale(_Config):
    """Maps a cosine to a 0–1 feature: e5 cosines of related Vietnamese texts sit in 0.80–0.95."""

    floor: float = Field(0.80, ge=-1, le=1)
    span: float = Field(0.15, gt=0)


class SearchConfig(_Config):
    """The whole ``search.yml``."""

    weights: Weights = Weights()
    cosine: CosineScale = CosineScale()
    thresholds: Thresholds = Thresholds()
    candidates: int = Field(30, ge=1, le=500)
    mass_cap: float = Field(
        60.0,
        gt=0,
        description="Cap on a query's IDF mass, so long stories are not judged unexplained",
    )
    intent_words: list[str] = Field(
        default_factory=list,
        description=(
            "Words that ask for a procedure (thủ tục, đăng ký, hồ sơ…): such a question, or one"
            " with a topic, is judged out of scope by the *_intent thresholds"
        ),
    )
    qualifiers: list[str] = Field(
        default_factory=list,
        description=(
            "Restrictive qualifiers of procedure names (chuyên, có yếu tố nước ngoài, quân sự…):"
            " a candidate whose name uses one the question does not say is penalised"
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
    out_of_scope: list[str] = Field(
        default_factory=list,
        description=(
            "Words of near-domain subjects the portal does not serve (interest rates, phone plans,"
            " gold prices…): a question using one is out of scope unless its best match uses it too"
        ),
    )

    def with_ranking(self, ranking: str) -> SearchConfig:
        """This configuration, or one ranking by a single signal (``lexical`` or ``dense``)."""
        if ranking == "hybrid":
            return self
        alone = Weights(
            lexical=0, dense=0, coverage=0, unsaid=0, preferred=0, hint=0, variant=0, qualifier=0
        )
        return self.model_copy(update={"weights": alone.model_copy(update={ranking: 1.0})})


def load_search_config(kb_dir: Path) -> SearchConfig:
    """Read ``<kb_dir>/search.yml``; defaults when the file is absent."""
    path = kb_dir / SEARCH_CONFIG_FILE
    if not path.exists():
        return SearchConfig()
    return SearchConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
