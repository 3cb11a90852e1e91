"""The words of a follow-up that name no procedure (``knowledge_base/follow_ups.yml``).

Read by the answer service (``bot.answers.followup``) and validated by ``isee kb check``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.textfold import fold

FOLLOW_UPS_FILE = "follow_ups.yml"


class FollowUpList(BaseModel):
    """The filler words of a follow-up and how many other words name something."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fillers: frozenset[str] = Field(min_length=1, description="Folded words that name nothing")
    min_words: int = Field(ge=1, description="Other words a follow-up needs to be searched")

    @field_validator("fillers")
    @classmethod
    def _folded(cls, words: frozenset[str]) -> frozenset[str]:
        unfolded = sorted(word for word in words if fold(word) != word or " " in word)
        if unfolded:
            raise ValueError(f"write each filler as one folded word: {unfolded}")
        return words
