"""Typed errors of the portal client. Every failure of a portal call is one of these or a
contract error (``bot.portal_contract.errors``: ``PortalError``, ``InvalidCode``)."""

from __future__ import annotations

from bot.portal_contract.errors import PortalError


class InvalidProof(PortalError):
    """The owner proof or the client id cannot be sent: not 4 ASCII digits, or a malformed id."""


class NotFound(PortalError):
    """The portal has no dossier or procedure with this code."""


class Unauthorised(PortalError):
    """The portal refused our API key."""


class VerificationFailed(PortalError):
    """The owner proof (last 4 digits of the dossier's phone number) does not match."""

    def __init__(self, message: str, attempts_left: int | None = None) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class Throttled(PortalError):
    """Too many wrong proofs for this dossier or client, or too many different dossiers looked up
    by this client; try again after ``retry_after_s``."""

    def __init__(self, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(PortalError):
    """The portal did not answer usefully in time (timeout, 5xx, garbage, refused, circuit open)."""
