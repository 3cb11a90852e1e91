"""Dossier status: the form that asks for the code, the status reply, and personal details."""

from __future__ import annotations

import datetime as dt
from typing import Any

import structlog
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import HUMAN_BUTTON, procedure_reminder
from bot import runtime
from bot.portal.codes import find_dossier_code
from bot.portal.errors import (
    InvalidCode,
    NotFound,
    PortalError,
    Throttled,
    Unauthorised,
    Unavailable,
    VerificationFailed,
)
from bot.portal.models import Dossier
from bot.portal.owner import LastFourStatus, client_id, read_last_four, wait_text
from bot.settings import get_settings

log = structlog.get_logger(__name__)

MAX_REASKS = 2
CODE_EXAMPLE = "000.00.20.H37-250612-0001"
ASK_LAST4 = (
    "Dạ, để xem bước xử lý, hạn trả kết quả, việc cần làm và lịch sử hồ sơ, anh/chị vui lòng "
    "nhập 4 số cuối của số điện thoại đã khai khi nộp hồ sơ ạ."
)
ASK_ASCII_LAST4 = (
    "Dạ, em chưa đọc được các chữ số vừa nhập. Anh/chị vui lòng gõ 4 số cuối của số điện thoại "
    "bằng chữ số thông thường 0–9 (ví dụ: 5678) ạ."
)


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def portal_client_id(tracker: Tracker) -> str:
    """The end client's id the gateway assigned (see ``bot.portal.owner.client_id``)."""
    metadata = tracker.latest_message.get("metadata")
    return client_id(
        metadata if isinstance(metadata, dict) else None,
        tracker.sender_id,
        get_settings().privacy_hash_key,
    )


def _date(value: dt.datetime) -> str:
    return value.strftime("%d/%m/%Y")


def _unavailable_text() -> str:
    portal = get_settings().portal_link
    return (
        "Dạ, hệ thống tra cứu hồ sơ đang tạm gián đoạn nên em chưa tra được. Anh/chị vui lòng thử "
        f"lại sau ít phút, hoặc tra cứu trực tiếp trên Cổng dịch vụ công: {portal}"
    )


def status_text(dossier: Dossier) -> str:
    """The public reply: status and procedure, then how to see the rest."""
    return "\n".join(
        [
            f"Dạ, hồ sơ {dossier.code} – {dossier.procedure.name}:",
            f"- Trạng thái: {dossier.status_label}",
            ASK_LAST4,
        ]
    )


def details_text(dossier: Dossier) -> str:
    """Everything else, shown only after the owner check passed."""
    details = dossier.details
    if details is None:
        return status_text(dossier)
    lines = [
        f"Dạ, hồ sơ {dossier.code} – {dossier.procedure.name} (đã xác minh):",
        f"- Trạng thái: {dossier.status_label}",
        f"- Bước hiện tại: {details.current_step}",
        f"- Cơ quan tiếp nhận: {details.agency.name}",
        f"- Ngày nộp: {_date(details.submitted_at)}; hạn trả kết quả: {_date(details.due_at)}",
        f"- Việc anh/chị cần làm: {details.next_step.text}",
    ]
    if details.next_step.documents:
        lines.append("  Giấy tờ cần bổ sung: " + "; ".join(details.next_step.documents))
    if details.next_step.fee:
        lines.append(f"  Số tiền cần nộp: {details.next_step.fee}")
    lines.append(f"- Người nộp: {details.applicant.name}")
    lines.append(f"- Số điện thoại: {details.applicant.phone}")
    lines.append(f"- Địa chỉ: {details.applicant.address}")
    lines.append("- Quá trình xử lý:")
    lines += [
        f"  {step.at:%d/%m/%Y %H:%M} – {step.step}"
        + (f" ({step.agency})" if step.agency else "")
        + (f": {step.note}" if step.note else "")
        for step in details.history
    ]
    return "\n".join(lines)


class ValidateDossierForm(FormValidationAction):
    """Finds a dossier code in what the user typed; re-asks at most twice, with an example."""

    def name(self) -> str:
        return "validate_dossier_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if (tracker.get_slot("dossier_code_attempts") or 0) > MAX_REASKS:
            return []
        return domain_slots

    async def validate_dossier_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        code = find_dossier_code(str(slot_value or ""))
        if code:
            return {"dossier_code": code, "dossier_code_attempts": 0}
        attempts = int(tracker.get_slot("dossier_code_attempts") or 0) + 1
        if attempts > MAX_REASKS:
            dispatcher.utter_message(
                text=(
                    "Dạ, em vẫn chưa nhận ra mã hồ sơ. Anh/chị có thể tra cứu trực tiếp trên Cổng "
                    f"dịch vụ công ({get_settings().portal_link}) hoặc nhờ cán bộ hỗ trợ ạ."
                ),
                buttons=[HUMAN_BUTTON],
            )
        return {"dossier_code": None, "dossier_code_attempts": attempts}


class ActionAskDossierCode(Action):
    """Asks for the dossier code; after a malformed one, says why and shows the format."""

    def name(self) -> str:
        return "action_ask_dossier_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if int(tracker.get_slot("dossier_code_attempts") or 0) == 0:
            dispatcher.utter_message(
                text=(
                    "Dạ, anh/chị vui lòng nhập mã hồ sơ in trên giấy tiếp nhận (ví dụ: "
                    f'{CODE_EXAMPLE}). Muốn dừng, anh/chị nhắn "thôi" ạ.'
                )
            )
        else:
            dispatcher.utter_message(
                text=(
                    "Dạ, mã vừa nhập chưa đúng định dạng mã hồ sơ. Mã hồ sơ in trên giấy tiếp nhận, "
                    f"có dạng {CODE_EXAMPLE} (mã cơ quan – ngày nộp – số thứ tự). Anh/chị nhập lại "
                    'giúp em, hoặc nhắn "thôi" để dừng ạ.'
                )
            )
        return []


class ActionCheckDossier(Action):
    """Asks the portal for the dossier's status once the form has a valid code."""

    def name(self) -> str:
        return "action_check_dossier"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = tracker.get_slot("dossier_code")
        reset = [SlotSet("dossier_code", None), SlotSet("dossier_code_attempts", 0)]
        if not code:
            return reset
        try:
            dossier = await runtime.portal().get_dossier(code, portal_client_id(tracker))
        except NotFound:
            dispatcher.utter_message(
                text=(
                    f"Dạ, em không tìm thấy hồ sơ mã {code}. Anh/chị vui lòng kiểm tra lại mã "
                    "trên giấy tiếp nhận hồ sơ ạ."
                ),
                buttons=[{"title": "Nhập lại mã", "payload": "/check_dossier"}, HUMAN_BUTTON],
            )
            return reset
        except InvalidCode:
            dispatcher.utter_message(
                text=f"Dạ, mã hồ sơ chưa đúng định dạng (ví dụ đúng: {CODE_EXAMPLE}).",
                buttons=[{"title": "Nhập lại mã", "payload": "/check_dossier"}],
            )
            return reset
        except Throttled as exc:
            dispatcher.utter_message(
                text=(
                    "Dạ, anh/chị đã tra cứu nhiều hồ sơ khác nhau trong thời gian ngắn. Anh/chị "
                    f"vui lòng thử lại sau khoảng {wait_text(exc.retry_after_s)} ạ."
                ),
                buttons=[HUMAN_BUTTON],
            )
            return reset
        except Unauthorised:
            log.error("portal_refused_api_key")
            dispatcher.utter_message(text=_unavailable_text(), buttons=[HUMAN_BUTTON])
            return reset
        except PortalError:
            dispatcher.utter_message(text=_unavailable_text(), buttons=[HUMAN_BUTTON])
            return reset
        dispatcher.utter_message(text=status_text(dossier))
        return [*reset, SlotSet("checked_dossier", dossier.code)]


class ActionDossierDetails(Action):
    """Details of the last checked dossier, after the owner check (4 ASCII digits of the phone)."""

    def name(self) -> str:
        return "action_dossier_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = tracker.get_slot("checked_dossier")
        typed = read_last_four(f"{latest_text(tracker)} {tracker.get_slot('last4') or ''}")
        if not code:
            dispatcher.utter_message(
                text="Dạ, anh/chị cho em xin mã hồ sơ trước, sau đó mới xác minh 4 số cuối ạ.",
                buttons=[{"title": "Tra cứu hồ sơ", "payload": "/check_dossier"}],
            )
            return [SlotSet("last4", None)]
        if typed.status is not LastFourStatus.FOUND or typed.digits is None:
            ask = ASK_ASCII_LAST4 if typed.status is LastFourStatus.NOT_ASCII else ASK_LAST4
            dispatcher.utter_message(text=ask)
            return [SlotSet("last4", None)]
        try:
            dossier = await runtime.portal().get_dossier(
                code, portal_client_id(tracker), last4=typed.digits
            )
        except VerificationFailed as exc:
            left = (
                f" Anh/chị còn {exc.attempts_left} lần thử."
                if exc.attempts_left is not None
                else ""
            )
            dispatcher.utter_message(text=f"Dạ, 4 số vừa nhập chưa khớp với hồ sơ.{left}")
            return [SlotSet("last4", None)]
        except Throttled as exc:
            dispatcher.utter_message(
                text=(
                    "Dạ, đã nhập sai quá số lần cho phép nên việc xác minh tạm khóa. Anh/chị vui "
                    f"lòng thử lại sau khoảng {wait_text(exc.retry_after_s)} ạ."
                ),
                buttons=[HUMAN_BUTTON],
            )
            return [SlotSet("last4", None)]
        except (Unavailable, Unauthorised, PortalError):
            dispatcher.utter_message(text=_unavailable_text(), buttons=[HUMAN_BUTTON])
            return [SlotSet("last4", None)]
        dispatcher.utter_message(text=details_text(dossier))
        return [SlotSet("last4", None)]


class ActionStopDossierForm(Action):
    """The user leaves the dossier form; the procedure being discussed is kept."""

    def name(self) -> str:
        return "action_stop_dossier_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reminder = procedure_reminder(tracker.get_slot("current_procedure"))
        if reminder:
            dispatcher.utter_message(**reminder)
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("dossier_code", None),
            SlotSet("dossier_code_attempts", 0),
        ]
