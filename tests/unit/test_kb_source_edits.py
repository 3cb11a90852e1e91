"""Staff rewordings of imported record text (``knowledge_base/source_edits.yml``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.knowledge.schema import Procedure
from bot.knowledge.source_edits import (
    SOURCE_EDITS_FILE,
    SourceEdit,
    SourceEditError,
    SourceEdits,
    apply_source_edits,
    load_source_edits,
)


def _procedure(conditions: list[str]) -> Procedure:
    return Procedure(
        code="1.000049",
        name="Cấp đổi chứng chỉ",
        field="Đo đạc và bản đồ",
        conditions=conditions,
        source="provincial",
        data_date=dt.date(2026, 5, 19),
    )


def _edit(text: str) -> SourceEdits:
    return SourceEdits(
        edits=[
            SourceEdit(
                code="1.000049",
                field="conditions",
                text=text,
                becomes="Cấp đổi khi chứng chỉ bị hỏng.",
                reason="reworded",
            )
        ],
        successors=[],
    )


def test_an_edit_rewords_only_its_item() -> None:
    procedures = {"1.000049": _procedure(["Chứng chỉ bị hỏng thì được cấp đổi.", "Khác."])}
    edited = apply_source_edits(procedures, _edit("Chứng chỉ bị hỏng thì được cấp đổi."))
    assert edited["1.000049"].conditions == ["Cấp đổi khi chứng chỉ bị hỏng.", "Khác."]
    assert procedures["1.000049"].conditions[0] == "Chứng chỉ bị hỏng thì được cấp đổi."


def test_an_edit_the_source_no_longer_matches_stops_the_import() -> None:
    procedures = {"1.000049": _procedure(["Văn bản mới của điều kiện."])}
    with pytest.raises(SourceEditError, match="review the edit"):
        apply_source_edits(procedures, _edit("Chứng chỉ bị hỏng thì được cấp đổi."))


def test_an_edit_of_an_unknown_procedure_is_an_error() -> None:
    with pytest.raises(SourceEditError, match="not an imported procedure"):
        apply_source_edits({}, _edit("x"))


def test_a_malformed_successor_link_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / SOURCE_EDITS_FILE).write_text(
        "edits: []\nsuccessors:\n  - code: 1.002809\n    superseded_by: '3.000347'\n"
        "    reason: moved\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceEditError, match=r"(?s)source_edits\.yml: .*successors\.0\.code"):
        load_source_edits(tmp_path)
