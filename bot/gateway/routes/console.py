"""The staff console (``/console``): login, what citizens ask, what went unanswered, answers
judged unhelpful, hand-over requests with a reply box, CSV export. Server-rendered HTML; every
form carries the session's CSRF token."""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from bot.channels.delivery.store import DeliveryStore
from bot.console.accounts import AccountStore, StaffLogin
from bot.console.charts import bar_chart
from bot.console.grouping import group_questions
from bot.console.handover import ReplyNotDeliveredError, reply_to_handover
from bot.inbox.conversations import ConversationStore
from bot.inbox.recorder import TurnRecorder
from bot.inbox.store import InboxStore
from bot.privacy import pseudonym
from bot.settings import Settings, channel_db_url, inbox_url

COOKIE = "isee_console"
TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "console" / "templates")
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make forms send Origin: null
}
TOP_QUESTIONS = 20
WEAK_QUESTIONS = 500
DISLIKED = 50
HANDOVERS = 50
HANDOVER_TURNS = 30
EXPORT_BATCH = 1000
EXPORT_COLUMNS = (
    "time",
    "channel",
    "user",
    "text",
    "decision",
    "entry",
    "confidence",
    "latency_ms",
    "helpful",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Console:
    accounts: AccountStore
    conversations: ConversationStore
    delivery: DeliveryStore


def console(request: Request) -> Console:
    services: Console = request.app.state.console
    return services


def inbox(request: Request) -> InboxStore:
    store: InboxStore = request.app.state.inbox
    return store


async def current_login(request: Request) -> StaffLogin | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    return await run_in_threadpool(console(request).accounts.login, token)


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form's fields (the first value of each)."""
    fields = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    return {name: values[0] for name, values in fields.items()}


def same_origin(request: Request) -> bool:
    """A browser's POST names its origin; one from another site is refused."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request, template, context, status_code=status, headers=HEADERS
    )


def forbidden(request: Request) -> HTMLResponse:
    return page(
        request,
        "error.html",
        403,
        message="Yêu cầu không hợp lệ (thiếu mã bảo vệ biểu mẫu). Vui lòng tải lại trang.",
    )


def to_login() -> RedirectResponse:
    return RedirectResponse("/console", status_code=303, headers=HEADERS)


def csv_cell(value: object) -> str:
    """A cell spreadsheets will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def build_router(settings: Settings) -> APIRouter:
    """The console routes, with a lifespan that opens their stores and has the conversation
    pipeline record every turn (include after the history router: it opens the inbox)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = inbox_url(settings)
        conversations = await run_in_threadpool(ConversationStore, url)
        app.state.console = Console(
            accounts=await run_in_threadpool(AccountStore, url),
            conversations=conversations,
            delivery=await run_in_threadpool(DeliveryStore, channel_db_url(settings)),
        )
        app.state.pipeline.add_observer(TurnRecorder(conversations, settings.privacy_hash_key))
        yield

    router = APIRouter(prefix="/console", include_in_schema=False, lifespan=lifespan)
    session_lifetime = dt.timedelta(hours=settings.console_session_hours)

    @router.get("")
    async def overview(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return page(request, "login.html")
        since = dt.datetime.now(dt.UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        ) - dt.timedelta(days=settings.console_days - 1)
        store = console(request).conversations
        counts = await run_in_threadpool(store.per_day_and_channel, since)
        per_day: dict[str, int] = {}
        per_channel: dict[str, int] = {}
        for row in counts:
            label = f"{row.day:%d/%m}"
            per_day[label] = per_day.get(label, 0) + row.count
            per_channel[row.channel] = per_channel.get(row.channel, 0) + row.count
        top = await run_in_threadpool(store.top_questions, TOP_QUESTIONS)
        return page(
            request,
            "overview.html",
            login=login,
            days=settings.console_days,
            total=sum(per_channel.values()),
            per_channel=sorted(per_channel.items()),
            day_chart=bar_chart("Lượt hỏi mỗi ngày", list(per_day.items()), 640, 220),
            channel_chart=bar_chart("Lượt hỏi theo kênh", sorted(per_channel.items()), 320, 220),
            top=top,
        )

    @router.post("/login")
    async def login(request: Request) -> Response:
        if not same_origin(request):
            return forbidden(request)
        form = await read_form(request)
        accounts = console(request).accounts
        user_id = await run_in_threadpool(
            accounts.verify, form.get("name", ""), form.get("password", "")
        )
        if user_id is None:
            return page(request, "login.html", 401, error="Tên đăng nhập hoặc mật khẩu không đúng.")
        token = await run_in_threadpool(accounts.open_session, user_id, session_lifetime)
        response = to_login()
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(session_lifetime.total_seconds()),
            path="/console",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return to_login()
        if not await valid_form(request, login):
            return forbidden(request)
        await run_in_threadpool(console(request).accounts.close_session, request.cookies[COOKIE])
        response = to_login()
        response.delete_cookie(COOKIE, path="/console")
        return response

    async def valid_form(request: Request, login: StaffLogin) -> bool:
        form = await read_form(request)
        request.state.form = form
        return same_origin(request) and hmac.compare_digest(form.get("csrf", ""), login.csrf_token)

    @router.get("/unanswered")
    async def unanswered(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return to_login()
        turns = await run_in_threadpool(
            console(request).conversations.weak_turns,
            settings.console_low_confidence,
            WEAK_QUESTIONS,
        )
        groups = group_questions(
            [(turn.text, turn.entry_id) for turn in turns], settings.console_group_similarity
        )
        return page(
            request,
            "unanswered.html",
            login=login,
            groups=groups,
            low_confidence=settings.console_low_confidence,
            similarity=settings.console_group_similarity,
        )

    @router.get("/feedback")
    async def feedback(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return to_login()
        rows = await run_in_threadpool(console(request).conversations.disliked_answers, DISLIKED)
        return page(request, "feedback.html", login=login, rows=rows)

    @router.get("/handovers")
    async def handovers(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return to_login()
        return await handover_page(request, login)

    async def handover_page(
        request: Request, login: StaffLogin, status: int = 200, **notice: str
    ) -> Response:
        requests = await run_in_threadpool(inbox(request).recent_handovers, HANDOVERS)
        store = console(request).conversations
        conversations = {
            r.id: await run_in_threadpool(
                store.turns_of,
                pseudonym(r.conversation_id, settings.privacy_hash_key),
                HANDOVER_TURNS,
            )
            for r in requests
        }
        return page(
            request,
            "handovers.html",
            status,
            login=login,
            requests=requests,
            conversations=conversations,
            **notice,
        )

    @router.post("/handovers/{request_id}/reply")
    async def reply(request: Request, request_id: int) -> Response:
        login = await current_login(request)
        if login is None:
            return to_login()
        if not await valid_form(request, login):
            return forbidden(request)
        handover = await run_in_threadpool(inbox(request).handover, request_id)
        if handover is None:
            return page(request, "error.html", 404, message="Không tìm thấy yêu cầu này.")
        try:
            await run_in_threadpool(
                reply_to_handover,
                handover,
                request.state.form.get("text", ""),
                inbox(request),
                console(request).delivery,
                request.app.state.channels.outputs,
            )
        except ReplyNotDeliveredError as exc:
            return await handover_page(request, login, 422, error=str(exc))
        return await handover_page(request, login, notice="Đã gửi câu trả lời tới người dân.")

    @router.get("/export.csv")
    async def export(request: Request) -> Response:
        login = await current_login(request)
        if login is None:
            return to_login()
        store = console(request).conversations

        def rows() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(EXPORT_COLUMNS)
            for turn in store.all_turns(EXPORT_BATCH):
                writer.writerow(
                    csv_cell(value)
                    for value in (
                        turn.created_at.isoformat(),
                        turn.channel,
                        turn.user_id,
                        turn.text,
                        turn.decision,
                        turn.entry_id,
                        turn.confidence,
                        turn.latency_ms,
                        turn.helpful,
                    )
                )
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
            yield buffer.getvalue()

        headers = {**HEADERS, "Content-Disposition": 'attachment; filename="isee-turns.csv"'}
        return StreamingResponse(rows(), media_type="text/csv; charset=utf-8", headers=headers)

    return router
