"""Dossier status: reading the code and the 4 digits citizens type, asking the portal, and the
texts of the status, the verified details and every portal failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import structlog

from bot.answers import texts
from bot.answers.ports import Portal
from bot.answers.replies import CHECK_DOSSIER, HANDOVER_BUTTON, RETYPE_CODE, Reply
from bot.portal.errors import NotFound, Throttled, Unauthorised, VerificationFailed
from bot.portal.owner import LastFourStatus, client_id, read_last_four
from bot.portal_contract.codes import find_dossier_code
from bot.portal_contract.errors import InvalidCode, PortalError
from bot.portal_contract.models import Dossier
from bot.portal_contract.wording import wait_text

log = structlog.get_logger(__name__)

MAX_REASKS = 2
"""Malformed codes the form re-asks before it gives up with the portal link."""


def _date(value: dt.datetime) -> str:
    return value.strftime("%d/%m/%Y")


def status_text(dossier: Dossier) -> str:
    """The public reply: status and procedure, then how to see the rest."""
    return "\n".join(
        [
            texts.STATUS_HEADER.format(code=dossier.code, procedure=dossier.procedure.name),
            texts.STATUS_LINE.format(status=dossier.status_label),
            texts.ASK_LAST4,
        ]
    )


def details_text(dossier: Dossier) -> str:
    """Everything else, shown only after the owner check passed."""
    details = dossier.details
    if details is None:
        return status_text(dossier)
    nxt = details.next_step
    lines = [
        texts.DETAILS_HEADER.format(code=dossier.code, procedure=dossier.procedure.name),
        texts.STATUS_LINE.format(status=dossier.status_label),
        texts.DETAILS_STEP.format(step=details.current_step),
        texts.DETAILS_AGENCY.format(agency=details.agency.name),
        texts.DETAILS_DATES.format(
            submitted=_date(details.submitted_at), due=_date(details.due_at)
        ),
        texts.DETAILS_NEXT.format(text=nxt.text),
    ]
    if nxt.documents:
        lines.append(texts.DETAILS_DOCUMENTS.format(documents="; ".join(nxt.documents)))
    if nxt.fee:
        lines.append(texts.DETAILS_FEE.format(fee=nxt.fee))
    lines.append(texts.DETAILS_APPLICANT.format(name=details.applicant.name))
    lines.append(texts.DETAILS_PHONE.format(phone=details.applicant.phone))
    lines.append(texts.DETAILS_ADDRESS.format(address=details.applicant.address))
    lines.append(texts.DETAILS_HISTORY)
    lines += [
        f"  {step.at:%d/%m/%Y %H:%M} – {step.step}"
        + (f" ({step.agency})" if step.agency else "")
        + (f": {step.note}" if step.note else "")
        for step in details.history
    ]
    return "\n".join(lines)


class DossierAnswers:
    """The dossier form's answers over one portal client."""

    def __init__(self, portal: Portal, *, portal_link: str, hash_key: str) -> None:
        self._portal = portal
        self._portal_link = portal_link
        self._hash_key = hash_key

    def client(self, metadata: object, sender_id: str) -> str:
        """The end client's id the gateway assigned (see ``bot.portal.owner.client_id``)."""
        return client_id(
            metadata if isinstance(metadata, Mapping) else None, sender_id, self._hash_key
        )

    @staticmethod
    def read_code(text: str) -> str | None:
        """The dossier code in what the citizen typed (any case, spaces, no dashes), if any."""
        return find_dossier_code(text)

    def ask_code(self, attempts: int) -> Reply:
        """The form's question; after a malformed code, why and the format."""
        return Reply(text=texts.ASK_CODE if attempts == 0 else texts.REASK_CODE)

    def gave_up(self, attempts: int) -> Reply | None:
        """After too many malformed codes: the portal and a human instead."""
        if attempts <= MAX_REASKS:
            return None
        text = texts.CODE_NOT_RECOGNISED.format(portal=self._portal_link)
        return Reply(text=text, buttons=[HANDOVER_BUTTON])

    def _down(self) -> Reply:
        return Reply(
            text=texts.PORTAL_DOWN.format(portal=self._portal_link), buttons=[HANDOVER_BUTTON]
        )

    async def status(self, code: str, client: str) -> tuple[Reply, str | None]:
        """The dossier's public status and its code, or why there is none (code ``None``)."""
        try:
            dossier = await self._portal.get_dossier(code, client)
        except NotFound:
            text = texts.DOSSIER_NOT_FOUND.format(code=code)
            return Reply(text=text, buttons=[RETYPE_CODE, HANDOVER_BUTTON]), None
        except InvalidCode:
            return Reply(text=texts.DOSSIER_CODE_INVALID, buttons=[RETYPE_CODE]), None
        except Throttled as exc:
            text = texts.TOO_MANY_DOSSIERS.format(wait=wait_text(exc.retry_after_s))
            return Reply(text=text, buttons=[HANDOVER_BUTTON]), None
        except Unauthorised:
            log.error("portal_refused_api_key")
            return self._down(), None
        except PortalError:
            return self._down(), None
        return Reply(text=status_text(dossier)), dossier.code

    async def details(self, code: str | None, typed: str, client: str) -> Reply:
        """The verified details once ``typed`` holds the 4 ASCII digits; otherwise asks again."""
        if not code:
            return Reply(text=texts.CODE_BEFORE_LAST4, buttons=[CHECK_DOSSIER])
        last4 = read_last_four(typed)
        if last4.status is not LastFourStatus.FOUND or last4.digits is None:
            unicode = last4.status is LastFourStatus.NOT_ASCII
            return Reply(text=texts.ASK_ASCII_LAST4 if unicode else texts.ASK_LAST4)
        try:
            dossier = await self._portal.get_dossier(code, client, last4=last4.digits)
        except VerificationFailed as exc:
            left = exc.attempts_left
            more = texts.LAST4_ATTEMPTS_LEFT.format(attempts=left) if left is not None else ""
            return Reply(text=texts.LAST4_MISMATCH.format(left=more))
        except Throttled as exc:
            text = texts.LAST4_LOCKED.format(wait=wait_text(exc.retry_after_s))
            return Reply(text=text, buttons=[HANDOVER_BUTTON])
        except PortalError:
            return self._down()
        return Reply(text=details_text(dossier))
