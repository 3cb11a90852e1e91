"""Each custom action with a real tracker, the real knowledge base and search index, and a real
reference portal on loopback (the index is the one `make test` builds before running pytest)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.answer import ActionAnswerQuestion, ActionAnswerTopic, ActionOutOfScope
from actions.dossier import (
    ActionAskDossierCode,
    ActionCheckDossier,
    ActionDossierDetails,
    ActionStopDossierForm,
    ValidateDossierForm,
)
from actions.feedback import ActionRecordFeedback
from actions.handover import ActionHandover
from actions.replies import UsesDossiers
from bot import runtime
from bot.answers import AnswerService, DossierAnswers, Wording, texts
from bot.answers.availability import StaffHours
from bot.inbox.store import InboxStore
from bot.portal.client import PortalClient
from bot.portal_service.app import create_app
from bot.portal_service.db import make_engine, make_sessionmaker, migrate
from bot.portal_service.seed import seed
from bot.portal_service.tables import Dossier
from bot.settings import get_settings, staff_file
from tests.integration.conftest import (
    HASH_KEY,
    client_config,
    fixture_procedures,
    serve_app,
    service_config,
)

pytestmark = pytest.mark.anyio
DOMAIN: dict[str, Any] = {}


def tracker(
    text: str = "",
    *,
    intent: str = "ask_question",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.99},
                "entities": entities or [],
                "metadata": metadata or {},
            },
            "events": events or [],
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


async def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, DOMAIN)
    return dispatcher.messages, events


def slot(events: list[dict[str, Any]], name: str) -> Any:
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    assert values, f"slot {name} not set in {events}"
    return values[-1]


@pytest.fixture(scope="module")
def portal_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Dossier]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('actions-portal') / 'portal.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        seed(session, fixture_procedures(), dossiers=40, seed=3, now=dt.datetime.now(dt.UTC))
    with sessions() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.status == "processing")).first()
        assert dossier is not None
        session.expunge(dossier)
    with serve_app(create_app(service_config(url))) as base_url:
        yield base_url, dossier
    engine.dispose()


@dataclass
class Services:
    """The actions' services, built the way ``bot.runtime`` builds them: the real knowledge and
    index, a real portal client on ``url`` and a fresh inbox database."""

    answers: AnswerService
    dossiers: DossierAnswers
    inbox: InboxStore
    dossier: Dossier | None = None

    def __call__(self, action: type[Any]) -> Any:
        """An action of this class using these services."""
        if issubclass(action, UsesDossiers):
            return action(lambda: self.dossiers)
        return action(lambda: self.answers)


@asynccontextmanager
async def services(url: str, tmp_path: Path) -> AsyncIterator[Services]:
    served = runtime.current()
    inbox = InboxStore(f"sqlite:///{tmp_path / 'inbox.db'}")
    async with PortalClient(client_config(url, budget_s=2.0)) as portal:
        link = get_settings().portal_link
        yield Services(
            answers=AnswerService(
                kb=served.kb,
                entries=served.entries,
                searcher=served.searcher,
                follow_ups=served.follow_ups,
                portal=portal,
                inbox=inbox,
                wording=Wording(portal_link=link),
                staff_hours=partial(StaffHours.load, staff_file(get_settings())),
            ),
            dossiers=DossierAnswers(portal, portal_link=link, hash_key=HASH_KEY),
            inbox=inbox,
        )


@pytest.fixture
async def portal_up(portal_db: tuple[str, Dossier], tmp_path: Path) -> AsyncIterator[Services]:
    async with services(portal_db[0], tmp_path) as built:
        built.dossier = portal_db[1]
        yield built


@pytest.fixture
async def portal_down(tmp_path: Path) -> AsyncIterator[Services]:
    async with services("http://127.0.0.1:9", tmp_path) as built:
        yield built


async def test_question_is_answered_with_the_procedure_and_feedback(portal_up: Services) -> None:
    messages, events = await run(
        portal_up(ActionAnswerQuestion),
        tracker("con mới đẻ đi khai sinh thì phải chuẩn bị hồ sơ gồm những gì"),
    )
    assert "1.001193" in messages[0]["text"]
    assert "Nguồn: Cổng Dịch vụ công tỉnh Lạng Sơn (dữ liệu cập nhật ngày" in messages[0]["text"]
    assert messages[0]["text"].count("Nguồn:") == 1
    assert messages[1]["text"] == "Câu trả lời có hữu ích không ạ?"
    assert slot(events, "current_procedure") == "1.001193"
    assert slot(events, "last_entry") == "1.001193:ho_so"


async def test_requirements_fall_back_to_the_knowledge_base_when_the_portal_is_down(
    portal_down: Services,
) -> None:
    messages, _ = await run(
        portal_down(ActionAnswerQuestion),
        tracker("con moi de di khai sinh thi phai chuan bi ho so gom nhung gi"),
    )
    assert "1.001193" in messages[0]["text"]
    assert "chưa phản hồi" in messages[0]["text"]
    assert messages[0]["text"].count("Nguồn:") == 1


async def test_out_of_domain_question_gets_no_invented_answer(portal_up: Services) -> None:
    messages, events = await run(
        portal_up(ActionAnswerQuestion), tracker("tỷ giá đô la mỹ hôm nay mua vào bao nhiêu")
    )
    assert "chưa tìm thấy" in messages[0]["text"]
    assert {"title": "Gặp cán bộ hỗ trợ", "payload": "/talk_to_human"} in messages[0]["buttons"]
    assert slot(events, "handover_offered") is True


# "chứng thực" and "đất đai" name a kind of procedure and a field; "thủ tục cấp lại" (no
# diacritics or not) only what dozens of procedures do: none is one procedure's question.
@pytest.mark.parametrize("question", ["chứng thực", "dat dai", "thủ tục cấp lại"])
async def test_a_vague_question_offers_choices(portal_up: Services, question: str) -> None:
    messages, events = await run(portal_up(ActionAnswerQuestion), tracker(question))
    choices = messages[0]["buttons"]
    assert "thủ tục nào" in messages[0]["text"]
    assert len(choices) == 4
    assert all(b["payload"].startswith('/ask_question{"entry_id": "') for b in choices[:3])
    assert choices[3]["payload"] == "/feedback_bad"
    assert "current_procedure" not in [e.get("name") for e in events]


async def test_an_unsure_match_is_shown_as_a_guess_before_the_other_choices(
    portal_up: Services,
) -> None:
    messages, events = await run(portal_up(ActionAnswerQuestion), tracker("giấy phép hoạt động"))
    assert messages[0]["text"] == texts.GUESS
    guessed = slot(events, "current_procedure")
    assert guessed and f"mã {guessed}" in messages[1]["text"]
    others = messages[-1]
    assert others["text"] == texts.GUESS_OTHERS
    assert others["buttons"][-1]["payload"] == "/feedback_bad"
    offered = [b["payload"] for b in others["buttons"][:-1]]
    assert offered and all(p.startswith('/ask_question{"entry_id": "') for p in offered)
    assert not any(f'"{guessed}:' in p for p in offered)


async def test_a_plain_name_gets_the_common_procedure(portal_up: Services) -> None:
    _, events = await run(portal_up(ActionAnswerQuestion), tracker("đăng ký kết hôn"))
    assert slot(events, "current_procedure") == "1.000894"


async def test_clicked_choice_answers_that_entry(portal_up: Services) -> None:
    choice = [{"entity": "entry_id", "value": "1.000894:le_phi"}]
    messages, events = await run(portal_up(ActionAnswerQuestion), tracker("", entities=choice))
    assert "1.000894" in messages[0]["text"]
    assert slot(events, "last_entry") == "1.000894:le_phi"


async def test_topic_follow_up_answers_for_the_current_procedure(portal_up: Services) -> None:
    t = tracker("thế lệ phí bao nhiêu", intent="ask_topic", slots={"current_procedure": "1.000894"})
    messages, events = await run(portal_up(ActionAnswerTopic), t)
    assert "1.000894" in messages[0]["text"]
    assert slot(events, "last_entry") == "1.000894:le_phi"


async def test_topic_follow_up_without_a_procedure_asks_which(portal_up: Services) -> None:
    messages, events = await run(
        portal_up(ActionAnswerTopic), tracker("mất mấy ngày", intent="ask_topic")
    )
    assert "thủ tục nào" in messages[0]["text"]
    assert events == []


async def test_topic_intent_that_names_a_procedure_is_searched(portal_up: Services) -> None:
    t = tracker("lệ phí cấp đổi thẻ căn cước", intent="ask_topic")
    messages, events = await run(portal_up(ActionAnswerTopic), t)
    assert slot(events, "current_procedure") == "1.014063"
    assert "1.014063" in messages[0]["text"]


async def test_out_of_scope_says_so(portal_up: Services) -> None:
    messages, _ = await run(
        portal_up(ActionOutOfScope),
        tracker("tối nay đội tuyển Việt Nam đá mấy giờ", intent="out_of_scope"),
    )
    assert "ngoài phạm vi" in messages[0]["text"]


async def test_dossier_code_is_found_in_what_the_user_typed(portal_down: Services) -> None:
    validate = portal_down(ValidateDossierForm)
    result = await validate.validate_dossier_code(
        "mã của tôi là 000.00.20.h37 250612 0001", CollectingDispatcher(), tracker(), DOMAIN
    )
    assert result == {"dossier_code": "000.00.20.H37-250612-0001", "dossier_code_attempts": 0}


async def test_malformed_codes_are_reasked_twice_then_the_form_gives_up(
    portal_down: Services,
) -> None:
    validate = portal_down(ValidateDossierForm)
    dispatcher = CollectingDispatcher()
    attempts = 0
    for expected in (1, 2, 3):
        result = await validate.validate_dossier_code(
            "12345", dispatcher, tracker(slots={"dossier_code_attempts": attempts}), DOMAIN
        )
        assert result == {"dossier_code": None, "dossier_code_attempts": expected}
        attempts = expected
    assert len(dispatcher.messages) == 1
    assert "chưa nhận ra mã hồ sơ" in dispatcher.messages[0]["text"]
    remaining = await validate.required_slots(
        ["dossier_code"], dispatcher, tracker(slots={"dossier_code_attempts": 3}), DOMAIN
    )
    assert remaining == []


async def test_reask_shows_the_code_format(portal_down: Services) -> None:
    messages, _ = await run(
        portal_down(ActionAskDossierCode), tracker(slots={"dossier_code_attempts": 1})
    )
    assert "chưa đúng định dạng" in messages[0]["text"]
    assert "000.00.20.H37-250612-0001" in messages[0]["text"]


async def test_dossier_status_shows_status_and_procedure_only(portal_up: Services) -> None:
    dossier = portal_up.dossier
    assert dossier is not None
    messages, events = await run(
        portal_up(ActionCheckDossier), tracker(slots={"dossier_code": dossier.code})
    )
    text = messages[0]["text"]
    assert dossier.code in text
    assert "Đang giải quyết" in text
    assert "4 số cuối của số điện thoại" in text
    for private in (dossier.applicant_name, dossier.current_step, dossier.applicant_address):
        assert private not in text
    assert slot(events, "checked_dossier") == dossier.code
    assert slot(events, "dossier_code") is None


async def test_unknown_dossier_is_reported(portal_up: Services) -> None:
    messages, _ = await run(
        portal_up(ActionCheckDossier), tracker(slots={"dossier_code": "000.00.20.H37-250101-9999"})
    )
    assert "không tìm thấy hồ sơ" in messages[0]["text"]


async def test_dossier_check_survives_a_dead_portal(portal_down: Services) -> None:
    messages, events = await run(
        portal_down(ActionCheckDossier),
        tracker(slots={"dossier_code": "000.00.20.H37-250101-0001"}),
    )
    assert "tạm gián đoạn" in messages[0]["text"]
    assert "checked_dossier" not in [e.get("name") for e in events]


async def test_personal_details_need_the_right_second_factor(portal_up: Services) -> None:
    dossier = portal_up.dossier
    assert dossier is not None
    wrong = "0000" if not dossier.applicant_phone.endswith("0000") else "1111"
    messages, _ = await run(
        portal_up(ActionDossierDetails),
        tracker(
            intent="inform_phone_digits", slots={"checked_dossier": dossier.code, "last4": wrong}
        ),
    )
    assert "chưa khớp" in messages[0]["text"]
    right = dossier.applicant_phone[-4:]
    messages, events = await run(
        portal_up(ActionDossierDetails),
        tracker(
            f"4 số cuối là {right}",
            intent="inform_phone_digits",
            slots={"checked_dossier": dossier.code},
        ),
    )
    assert dossier.applicant_name in messages[0]["text"]
    assert dossier.current_step in messages[0]["text"]
    assert "Quá trình xử lý" in messages[0]["text"]
    assert slot(events, "last4") is None


@pytest.mark.parametrize(
    ("text", "last4"),
    [("4 số cuối là ١٢٣٤", None), ("１２３４", None), ("số cuối ¹²³⁴ ạ", None), ("", "٥٦٧٨")],
)
async def test_digits_other_than_ascii_are_asked_again_politely(
    portal_up: Services, text: str, last4: str | None
) -> None:
    messages, events = await run(
        portal_up(ActionDossierDetails),
        tracker(
            text,
            intent="inform_phone_digits",
            slots={"checked_dossier": portal_up.dossier.code, "last4": last4},
        ),
    )
    assert len(messages) == 1
    assert messages[0]["text"].startswith("Dạ")
    assert "0–9" in messages[0]["text"]
    assert portal_up.dossier.applicant_name not in messages[0]["text"]
    assert slot(events, "last4") is None


async def test_details_without_a_checked_dossier_ask_for_the_code(portal_down: Services) -> None:
    messages, _ = await run(
        portal_down(ActionDossierDetails),
        tracker(intent="inform_phone_digits", slots={"last4": "1234"}),
    )
    assert "mã hồ sơ trước" in messages[0]["text"]


async def test_leaving_the_form_keeps_the_procedure(portal_up: Services) -> None:
    t = tracker(
        "thôi",
        intent="stop_form",
        slots={"current_procedure": "1.001193"},
        active_loop="dossier_form",
    )
    messages, events = await run(portal_up(ActionStopDossierForm), t)
    assert ActiveLoop(None) in events
    assert SlotSet("dossier_code", None) in events
    assert "1.001193" in messages[0]["text"]
    assert all(e.get("name") != "current_procedure" for e in events)


async def test_handover_is_recorded_with_the_conversation(portal_up: Services) -> None:
    history = [
        {
            "event": "user",
            "text": "hồ sơ của tôi bị trả lại",
            "parse_data": {"intent": {"name": "ask_question"}},
        },
        {
            "event": "user",
            "text": "cho gặp cán bộ",
            "parse_data": {"intent": {"name": "talk_to_human"}},
        },
    ]
    t = tracker("cho gặp cán bộ", intent="talk_to_human", events=history)
    messages, _ = await run(portal_up(ActionHandover), t)
    requests = portal_up.inbox.open_handovers()
    assert [(r.conversation_id, r.last_message) for r in requests] == [
        ("test-user", "hồ sơ của tôi bị trả lại")
    ]
    assert f"YC-{requests[0].id}" in messages[0]["text"]
    await run(portal_up(ActionHandover), t)
    assert len(portal_up.inbox.open_handovers()) == 1


async def test_feedback_is_recorded_per_entry(portal_up: Services) -> None:
    slots = {"last_entry": "1.001193:ho_so"}
    await run(
        portal_up(ActionRecordFeedback), tracker("hữu ích", intent="feedback_good", slots=slots)
    )
    messages, events = await run(
        portal_up(ActionRecordFeedback), tracker("sai rồi", intent="feedback_bad", slots=slots)
    )
    assert portal_up.inbox.feedback_summary() == {"1.001193:ho_so": (1, 1)}
    assert slot(events, "handover_offered") is True
    assert messages[0]["buttons"]
