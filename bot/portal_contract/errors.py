"""Errors the contract itself defines; the client adds its own (``bot.portal.errors``)."""

from __future__ import annotations


class PortalError(Exception):
    """Base of every portal error: actions catch this one and nothing escapes to the conversation."""


class InvalidCode(PortalError):
    """The dossier or procedure code is malformed (checked locally and by the portal)."""
