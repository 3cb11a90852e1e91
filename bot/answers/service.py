"""The answer service: a message and the conversation's state in, replies and slots out.

It decides between answering, offering choices and saying it does not know (the search's
decision, with the out-of-scope and follow-up rules on top), renders live portal facts into
requirement answers, and words feedback and hand-over. Services are passed in; blocking calls
(search, database) run in worker threads so the action server's event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import structlog

from bot.answers import texts
from bot.answers.availability import Presence, StaffHours, staff_presence
from bot.answers.contact import read_contact
from bot.answers.followup import FollowUpWords
from bot.answers.live import live_answer
from bot.answers.ports import Inbox, Portal, Search
from bot.answers.replies import (
    CHECK_DOSSIER,
    FEEDBACK_BUTTONS,
    HANDOVER_BUTTON,
    MAX_CHOICES,
    NO_THANKS,
    NONE_OF_THESE,
    Outcome,
    Reply,
    entry_button,
    follow_up_buttons,
    search_outcome,
)
from bot.channels.models import Button
from bot.knowledge.loader import KnowledgeBase, KnowledgeBaseError
from bot.knowledge.schema import Entry
from bot.search.searcher import SearchResult
from bot.search.topics import detect_topic

log = structlog.get_logger(__name__)

CALLBACK_FORM = "callback_form"

SEARCH_HITS = 5
_ONE_SEARCH_AT_A_TIME = threading.Lock()
"""Searches leave the event loop but still run one at a time, as they did on it: the embedding
engine and the index are not known to be safe to share between threads."""


@dataclass(frozen=True)
class Wording:
    """Settings that appear in replies."""

    portal_link: str


class AnswerService:
    """Replies for one knowledge snapshot, over the process's portal client and inbox.

    The dossier form's replies need no knowledge: see ``bot.answers.dossier.DossierAnswers``."""

    def __init__(
        self,
        *,
        kb: KnowledgeBase,
        entries: Mapping[str, Entry],
        searcher: Search,
        follow_ups: FollowUpWords,
        portal: Portal,
        inbox: Inbox,
        wording: Wording,
        staff_hours: Callable[[], StaffHours],
    ) -> None:
        """``staff_hours`` reads ``staff.yml`` (at each hand-over: edits apply at once)."""
        self.kb = kb
        self._entries = entries
        self._searcher = searcher
        self._follow_ups = follow_ups
        self._portal = portal
        self._inbox = inbox
        self._link = wording.portal_link
        self._staff_hours = staff_hours

    # --- questions -------------------------------------------------------------------------------

    async def question(self, text: str, entry_id: str | None = None) -> Outcome:
        """Answer a clicked choice (``entry_id``), or search ``text`` and answer, clarify or decline."""
        if entry_id:
            return await self.entry_choice(entry_id)
        result = await self._search(text)
        log.info(
            "answer_question", decision=result.decision, top=[h.entry for h in result.hits[:3]]
        )
        return await self._decided(result)

    async def entry_choice(self, entry_id: str) -> Outcome:
        """Answer the entry a clicked choice names."""
        entry = self._entries.get(entry_id)
        if entry is None:
            log.warning("unknown_entry_choice", entry_id=entry_id)
            return self._unknown()
        return await self._say(entry)

    async def topic(self, text: str, procedure: str | None) -> Outcome:
        """A follow-up naming a topic ("còn lệ phí?"): answered for the current ``procedure``."""
        match = detect_topic(text)
        if procedure and match:
            entry = self._entries.get(f"{procedure}:{match.topic}")
            if entry is not None:
                return await self._say(entry)
        if not procedure and self._follow_ups.names_something(text, match):
            return await self._decided(await self._search(text))
        if not procedure:
            return Outcome(replies=[Reply(text=texts.WHICH_PROCEDURE)])
        return await self._decided(await self._search(text, procedure_hint=procedure))

    async def out_of_scope(self, text: str) -> Outcome:
        """NLU thinks it is out of scope: answer only if the search is confident, never clarify."""
        result = await self._search(text)
        if result.decision == "answer":
            return await self._decided(result)
        reply = Reply(
            text=texts.OUT_OF_SCOPE.format(portal=self._link),
            buttons=[CHECK_DOSSIER, HANDOVER_BUTTON],
        )
        outcome = Outcome(replies=[reply], slots={"handover_offered": False})
        best = result.hits[0].entry if result.hits else None
        return _reported(outcome, "none", best, result.confidence)

    def reminder(self, code: str | None) -> Reply | None:
        """A reminder of the procedure the conversation was about, to pick it up again."""
        procedure = self.kb.procedures.get(code) if code else None
        if code is None or procedure is None:
            return None
        return Reply(
            text=texts.REMINDER.format(name=procedure.name, code=code),
            buttons=follow_up_buttons(code, None),
        )

    # --- feedback and hand-over ------------------------------------------------------------------

    async def feedback(self, sender: str, entry_id: str | None, helpful: bool) -> Outcome:
        """Record 👍/👎 for the entry answered last; after 👎 offer a human and the portal."""
        if entry_id:
            await asyncio.to_thread(self._inbox.record_feedback, sender, entry_id, helpful)
        if helpful:
            return Outcome(replies=[Reply(text=texts.THANKS_FOR_FEEDBACK)])
        reply = Reply(
            text=texts.SORRY_NOT_HELPFUL.format(portal=self._link), buttons=[HANDOVER_BUTTON]
        )
        return Outcome(replies=[reply], slots={"handover_offered": True})

    async def handover(self, sender: str, last_message: str, procedure: str | None) -> Outcome:
        """Record a request for a human with the conversation id and say what happens next; when
        no staff member is available, say so and start the callback form (the question
        prefilled with ``last_message``)."""
        request = await asyncio.to_thread(
            self._inbox.open_handover,
            conversation_id=sender,
            last_message=last_message,
            procedure=procedure,
        )
        hours, presence = await asyncio.to_thread(self._presence)
        log.info("handover_opened", request=request.id, presence=presence.value)
        if presence is Presence.AVAILABLE:
            text = texts.HANDOVER_OPENED.format(request=request.id, portal=self._link)
            return Outcome(replies=[Reply(text=text)], slots={"handover_offered": False})
        if presence is Presence.CLOSED and hours is not None:
            text = texts.STAFF_CLOSED.format(hours=hours.describe(), request=request.id)
        else:
            text = texts.STAFF_OFFLINE.format(request=request.id)
        slots = {
            "handover_offered": False,
            "callback_question": last_message.strip() or None,
            "callback_contact": None,
        }
        return Outcome(replies=[Reply(text=text)], slots=slots, follow_up=CALLBACK_FORM)

    def _presence(self) -> tuple[StaffHours | None, Presence]:
        """Staff presence now; a broken staff file is logged and offers the callback."""
        try:
            hours = self._staff_hours()
        except KnowledgeBaseError as exc:
            log.error("staff_hours_invalid", detail=str(exc))
            return None, Presence.NOBODY_ONLINE
        return hours, staff_presence(hours, dt.datetime.now(dt.UTC), self._inbox.staff_seen_since)

    def read_contact(self, text: str) -> tuple[str | None, Reply | None]:
        """The contact in ``text``, or None and a reply saying what a contact looks like."""
        contact = read_contact(text)
        return contact, None if contact else Reply(text=texts.CONTACT_NOT_RECOGNISED)

    async def leave_callback(
        self, sender: str, question: str, contact: str, procedure: str | None
    ) -> Outcome:
        """Keep the callback request in the inbox and confirm it with its code."""
        request = await asyncio.to_thread(
            self._inbox.leave_callback,
            conversation_id=sender,
            question=question,
            contact=contact,
            procedure=procedure,
        )
        log.info("callback_left", request=request.id)
        text = texts.CALLBACK_SAVED.format(request=request.id, contact=contact, question=question)
        slots = {"callback_question": None, "callback_contact": None}
        return Outcome(replies=[Reply(text=text)], slots=slots)

    # --- the decision ----------------------------------------------------------------------------

    async def _search(self, text: str, procedure_hint: str | None = None) -> SearchResult:
        return await asyncio.to_thread(self._search_now, text, procedure_hint)

    def _search_now(self, text: str, procedure_hint: str | None) -> SearchResult:
        with _ONE_SEARCH_AT_A_TIME:
            return self._searcher.search(text, SEARCH_HITS, procedure_hint)

    async def _decided(self, result: SearchResult) -> Outcome:
        """Replies for a search decision; the first carries the decision for the staff's
        conversation store (``custom.search``)."""
        best = result.hits[0].entry if result.hits else None
        if result.decision == "answer" and best:
            entry = self._entries.get(best)
            if entry is not None:
                outcome = await self._say(entry, *self._other_topics(result, entry))
                return _reported(outcome, "answer", entry.id, result.confidence)
        if result.decision == "guess" and best:
            entry = self._entries.get(best)
            if entry is not None:
                outcome = await self._guess(result, entry)
                return _reported(outcome, "guess", entry.id, result.confidence)
        if result.decision in ("guess", "clarify") and result.hits:
            return _reported(self._choices(result), "clarify", best, result.confidence)
        return _reported(self._unknown(), "none", best, result.confidence)

    def _other_topics(self, result: SearchResult, entry: Entry) -> list[Entry]:
        """The entries of the answered procedure for the other topics the question asked."""
        if not entry.procedure:
            return []
        found = (self._entries.get(f"{entry.procedure}:{t}") for t in result.topics[1:])
        return [other for other in found if other is not None and other.id != entry.id]

    async def _say(self, entry: Entry, *more: Entry) -> Outcome:
        """An entry's answer (live portal data when the topic has it), then the answers of
        ``more`` topics the question also asked, and one feedback question."""
        replies = await self._answers(entry, *more)
        replies.append(Reply(text=texts.FEEDBACK_QUESTION, buttons=FEEDBACK_BUTTONS))
        return Outcome(replies=replies, slots=_answered(entry))

    async def _guess(self, result: SearchResult, entry: Entry) -> Outcome:
        """The best match said to be a guess, its answer, then the other matches as choices
        (the last one, "none of these", asks for a human like 👎)."""
        answers = await self._answers(entry, *self._other_topics(result, entry))
        others = Reply(
            text=texts.GUESS_OTHERS,
            buttons=[
                *self._choice_buttons(result, skip=entry.procedure or entry.id),
                NONE_OF_THESE,
            ],
        )
        return Outcome(replies=[Reply(text=texts.GUESS), *answers, others], slots=_answered(entry))

    async def _answers(self, entry: Entry, *more: Entry) -> list[Reply]:
        """The answers of ``entry`` and ``more``, with live portal data when a topic has it."""
        replies = []
        for shown in (entry, *more):
            live = await live_answer(shown, self.kb, self._portal)
            replies.append(answer_reply(shown, live))
        return replies

    def _unknown(self) -> Outcome:
        """Say plainly that the knowledge base has no answer; offer the portal and a human."""
        reply = Reply(
            text=texts.UNKNOWN.format(portal=self._link), buttons=[HANDOVER_BUTTON, NO_THANKS]
        )
        return Outcome(replies=[reply], slots={"handover_offered": True})

    def _choices(self, result: SearchResult) -> Outcome:
        """The closest procedures (or FAQ) as buttons and "none of these"; a click answers it."""
        reply = Reply(text=texts.CHOICES, buttons=[*self._choice_buttons(result), NONE_OF_THESE])
        return Outcome(replies=[reply], slots={"handover_offered": False})

    @staticmethod
    def _choice_buttons(result: SearchResult, skip: str | None = None) -> list[Button]:
        """One button per procedure (or FAQ) but ``skip``, each with its code (level variants
        share a name), at most ``MAX_CHOICES``."""
        seen = {skip} if skip else set()
        buttons = []
        for hit in result.hits:
            key = hit.procedure or hit.entry
            if key in seen:
                continue
            seen.add(key)
            title = f"{hit.title} (mã {hit.procedure})" if hit.procedure else hit.title
            buttons.append(entry_button(title, hit.entry))
            if len(buttons) == MAX_CHOICES:
                break
        return buttons


def _answered(entry: Entry) -> dict[str, object]:
    """The slots after answering ``entry``: what was answered, and the procedure it is about."""
    slots: dict[str, object] = {"last_entry": entry.id, "handover_offered": False}
    if entry.procedure:
        slots["current_procedure"] = entry.procedure
    return slots


def _reported(
    outcome: Outcome, decision: str, entry_id: str | None, confidence: float | None
) -> Outcome:
    """``outcome`` with the search decision in its first reply's ``custom.search``."""
    first, *rest = outcome.replies
    custom = {**first.custom, "search": search_outcome(decision, entry_id, confidence)}
    return outcome.model_copy(
        update={"replies": [first.model_copy(update={"custom": custom}), *rest]}
    )


def answer_reply(entry: Entry, live: str | None = None) -> Reply:
    """The entry's grounded answer (``live`` text instead when the portal gave one), with
    follow-ups for a procedure; ``custom`` carries the source link for the channels."""
    buttons = follow_up_buttons(entry.procedure, entry.topic) if entry.procedure else []
    return Reply(text=live or entry.answer, buttons=buttons, custom={"link": entry.link})
