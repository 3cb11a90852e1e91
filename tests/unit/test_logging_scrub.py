"""The log scrubber: personal data becomes pseudonyms, the services' own identifiers stay."""

from __future__ import annotations

from bot.logging import ScrubPersonalData


def test_a_request_id_is_logged_as_it_is_while_personal_data_beside_it_is_scrubbed() -> None:
    # A uuid4 hex id may hold a run of 9+ digits, which reads like an ID number to ``scrub``.
    request_id = "4f1234567890ab12cd34ef56ab78cd90"
    event = ScrubPersonalData("key")(
        None, "error", {"request_id": request_id, "event": "gọi lại 0912345678"}
    )
    assert event["request_id"] == request_id
    assert "0912345678" not in event["event"]
