"""The outside services the answer service uses, as protocols: the real ones are built once per
process (``bot.runtime``); tests pass small fakes."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from bot.portal_contract.models import Dossier, ProcedureRequirements
from bot.search.searcher import SearchResult


class Search(Protocol):
    """The search index (``bot.search.searcher.Searcher``); blocking, run in a worker thread."""

    def search(self, query: str, k: int = 5, procedure_hint: str | None = None) -> SearchResult:
        """Ranked hits, topics and the decision for ``query``."""
        ...


class Portal(Protocol):
    """The portal API client (``bot.portal.client.PortalClient``)."""

    async def get_procedure(self, code: str) -> ProcedureRequirements:
        """Today's requirements of a procedure; raises ``PortalError`` when the portal fails."""
        ...

    async def get_dossier(self, code: str, client: str, last4: str | None = None) -> Dossier:
        """A dossier's status (details too with the right ``last4``); raises ``PortalError``."""
        ...


class HandoverTicket(Protocol):
    """A recorded request for a human."""

    id: int


class Inbox(Protocol):
    """Hand-over requests and feedback for staff (``bot.inbox.store.InboxStore``); blocking."""

    def open_handover(
        self, conversation_id: str, last_message: str, procedure: str | None
    ) -> HandoverTicket:
        """Record a request for a human (or return the open one)."""
        ...

    def leave_callback(
        self, conversation_id: str, question: str, contact: str, procedure: str | None
    ) -> HandoverTicket:
        """Keep a callback request (the open hand-over request becomes one)."""
        ...

    def staff_seen_since(self, cutoff: dt.datetime) -> bool:
        """Whether a staff console session was active after ``cutoff``."""
        ...

    def record_feedback(self, conversation_id: str, entry_id: str, helpful: bool) -> object:
        """Record whether an answer helped."""
        ...
