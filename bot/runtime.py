"""Process-wide services of the action server: knowledge base, search index, portal client, inbox,
and the answer service the actions use (:func:`answers`).

The knowledge base and the search index form one :class:`Knowledge` snapshot, loaded before the
server listens and replaced whole by :func:`reload` (``isee kb reload``): the new one is loaded
beside the old, then one reference is swapped, so a request in flight finishes on the objects it
already holds and the next one sees the new knowledge.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from bot.answers import AnswerService, DossierAnswers, Wording
from bot.answers.availability import StaffHours
from bot.answers.followup import FollowUpWords
from bot.inbox.store import InboxStore
from bot.knowledge.loader import KnowledgeBase, load_knowledge_base
from bot.knowledge.schema import Entry
from bot.portal.client import PortalClient, PortalClientConfig
from bot.search.build import current_index
from bot.search.searcher import Searcher
from bot.search.service import open_searcher
from bot.settings import Settings, get_settings, inbox_url, staff_file

_portal: PortalClient | None = None


@dataclass(frozen=True)
class Knowledge:
    """One consistent generation of what the actions answer from."""

    kb: KnowledgeBase
    searcher: Searcher
    index: Path
    entries: dict[str, Entry] = field(repr=False)
    follow_ups: FollowUpWords

    @classmethod
    def load(cls, settings: Settings) -> Knowledge:
        """Load the knowledge base and the current search index (built by ``isee kb build``)."""
        searcher = open_searcher(settings, build=False)  # raises when no index was built
        index = current_index(settings.build_dir)
        kb = load_knowledge_base(settings.kb_dir, cache_dir=settings.build_dir)
        entries = {entry.id: entry for entry in kb.entries}
        follow_ups = FollowUpWords.load(settings.kb_dir)
        return cls(
            kb=kb, searcher=searcher, index=index or Path(), entries=entries, follow_ups=follow_ups
        )


_knowledge: Knowledge | None = None
_answers: tuple[tuple[Knowledge, PortalClient, InboxStore, Settings], AnswerService] | None = None
_dossiers: tuple[tuple[PortalClient, Settings], DossierAnswers] | None = None
_loading = threading.Lock()


def portal() -> PortalClient:
    """The pooled portal client (created on first use, inside the server's event loop)."""
    global _portal
    if _portal is None:
        _portal = PortalClient(PortalClientConfig.from_settings(get_settings()))
    return _portal


@cache
def inbox() -> InboxStore:
    """Hand-over requests and feedback."""
    return InboxStore(inbox_url(get_settings()))


def current() -> Knowledge:
    """The knowledge being served (loaded on first use)."""
    global _knowledge
    if _knowledge is None:
        with _loading:
            if _knowledge is None:
                _knowledge = Knowledge.load(get_settings())
    return _knowledge


def answers() -> AnswerService:
    """The answer service over the knowledge being served: after a reload, the next call answers
    from the new snapshot (one service per snapshot, sharing the portal client and the inbox)."""
    global _answers
    key = (current(), portal(), inbox(), get_settings())
    held = _answers
    if held is not None and all(a is b for a, b in zip(held[0], key, strict=True)):
        return held[1]
    served, client, store, settings = key
    service = AnswerService(
        kb=served.kb,
        entries=served.entries,
        searcher=served.searcher,
        follow_ups=served.follow_ups,
        portal=client,
        inbox=store,
        wording=Wording(portal_link=settings.portal_link),
        staff_hours=partial(StaffHours.load, staff_file(settings)),
    )
    _answers = (key, service)
    return service


def dossiers() -> DossierAnswers:
    """The dossier form's answers over the process's portal client (no knowledge needed)."""
    global _dossiers
    key = (portal(), get_settings())
    held = _dossiers
    if held is not None and all(a is b for a, b in zip(held[0], key, strict=True)):
        return held[1]
    client, settings = key
    service = DossierAnswers(
        client, portal_link=settings.portal_link, hash_key=settings.privacy_hash_key
    )
    _dossiers = (key, service)
    return service


def warm_up() -> None:
    """Load the knowledge base and the index before the server accepts requests, and check
    the staff working hours (read again at each hand-over)."""
    current()
    StaffHours.load(staff_file(get_settings()))


@dataclass(frozen=True)
class ReloadReport:
    """What :func:`reload` swapped in."""

    index: str
    kb_hash: str
    entries: int
    seconds: float


def reload() -> ReloadReport:
    """Load the knowledge base and the current index afresh, then swap them in at once.

    Blocking (call it from a worker thread). When loading fails the exception propagates and the
    old knowledge keeps serving; concurrent reloads run one after the other.
    """
    global _knowledge
    started = time.perf_counter()
    with _loading:
        fresh = Knowledge.load(get_settings())
        _knowledge = fresh
    return ReloadReport(
        index=fresh.index.name,
        kb_hash=fresh.kb.content_hash(),
        entries=len(fresh.entries),
        seconds=round(time.perf_counter() - started, 3),
    )
