"""Process-wide services of the action server: knowledge base, search index, portal client, inbox."""

from __future__ import annotations

from functools import cache

from bot.inbox.store import InboxStore
from bot.knowledge.loader import KnowledgeBase, load_knowledge_base
from bot.knowledge.schema import Entry
from bot.portal.client import PortalClient, PortalClientConfig
from bot.search.searcher import Searcher
from bot.search.service import open_searcher
from bot.settings import get_settings, inbox_url

_portal: PortalClient | None = None


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


@cache
def knowledge() -> KnowledgeBase:
    """The knowledge base, loaded once."""
    settings = get_settings()
    return load_knowledge_base(settings.kb_dir, cache_dir=settings.build_dir)


@cache
def _entries() -> dict[str, Entry]:
    return {entry.id: entry for entry in knowledge().entries}


def entry(entry_id: str) -> Entry | None:
    """The knowledge-base entry with this id, if any."""
    return _entries().get(entry_id)


@cache
def searcher() -> Searcher:
    """The search index (built by `isee kb build`; not rebuilt by the action server)."""
    return open_searcher(get_settings(), build=False)


def warm_up() -> None:
    """Load the knowledge base and the index before the server accepts requests."""
    knowledge()
    _entries()
    searcher()
