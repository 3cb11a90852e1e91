"""The owner check and the lookup limit, keyed on what a caller cannot choose.

- The factor is the last 4 digits of the phone number the dossier was filed with: one secret, so a
  guess has 1 chance in 10⁴ (accepting the phone *or* the ID number gave 2 in 10⁴).
- Wrong answers are limited per dossier (whoever asks) and per client (the identity the calling
  service assigned, ``X-End-User``, trusted because the API key authenticates that service).
- Different dossiers looked up by one client are limited too, so sequential codes cannot be
  enumerated.
- Every limit is a reserved slot of an atomic counter (``throttle.py``); every check and every
  refusal is written to ``check_audit`` with the dossier's keyed hash, never its code.
"""

from __future__ import annotations

import datetime as dt
import hmac

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.portal_contract.wording import wait_text
from bot.portal_service import throttle
from bot.portal_service.config import ServiceConfig
from bot.portal_service.errors import ApiError
from bot.portal_service.tables import CheckAudit, ClientLookup, Dossier
from bot.privacy import pseudonym

PROOF_DIGITS = 4


class Check:
    """One request's view of the limits: the client, the dossier's hash, the clock."""

    def __init__(
        self, session: Session, config: ServiceConfig, client: str, code: str, now: dt.datetime
    ) -> None:
        self.session = session
        self.config = config
        self.client = client
        self.dossier_hash = pseudonym(code, config.hash_key)
        self.now = now
        self.now_s = now.timestamp()

    def audit(self, result: str) -> None:
        """Record the outcome of a check or a refusal."""
        self.session.add(
            CheckAudit(
                dossier_hash=self.dossier_hash, client_key=self.client, result=result, at=self.now
            )
        )
        self.session.commit()

    def note_lookup(self) -> None:
        """Count this dossier against the client's limit of different dossiers (429 past it)."""
        config = self.config
        recent_since = self.now_s - config.lookup_window_s
        seen = self.session.scalar(
            select(ClientLookup.seen_s).where(
                ClientLookup.client_key == self.client,
                ClientLookup.dossier_hash == self.dossier_hash,
            )
        )
        if seen is not None and seen > recent_since:
            return
        key = f"lookups:{self.client}"
        taken = throttle.reserve(
            self.session, key, config.lookup_max_dossiers, config.lookup_window_s, self.now_s
        )
        if taken is None:
            self.audit("too_many_dossiers")
            wait = throttle.retry_after_s(self.session, key, config.lookup_window_s, self.now_s)
            raise ApiError(
                429,
                "throttled",
                "Dạ, anh/chị đã tra cứu nhiều hồ sơ khác nhau trong thời gian ngắn. Vui lòng thử "
                f"lại sau {wait_text(wait)}.",
                retry_after_s=wait,
            )
        counted = throttle.insert_ignoring_duplicates(
            self.session,
            ClientLookup,
            client_key=self.client,
            dossier_hash=self.dossier_hash,
            seen_s=self.now_s,
        )
        if not counted:
            counted = self.session.execute(
                update(ClientLookup)
                .where(
                    ClientLookup.client_key == self.client,
                    ClientLookup.dossier_hash == self.dossier_hash,
                    ClientLookup.seen_s <= recent_since,
                )
                .values(seen_s=self.now_s)
            ).rowcount  # type: ignore[attr-defined]
        self.session.commit()
        if not counted:
            throttle.give_back(self.session, key)

    def verify_owner(self, dossier: Dossier, proof: str) -> None:
        """Check ``proof`` against the dossier's phone number.

        Raises ``ApiError`` 429 while the dossier's or the client's wrong answers fill their window
        (nothing more is counted then) and 403 when the proof does not match.
        """
        config = self.config
        keys = (f"proof:dossier:{self.dossier_hash}", f"proof:client:{self.client}")
        taken: list[int] = []
        for key in keys:
            slots = throttle.reserve(
                self.session, key, config.proof_max_failures, config.proof_window_s, self.now_s
            )
            if slots is None:
                for reserved in keys[: len(taken)]:
                    throttle.give_back(self.session, reserved)
                self.audit("throttled")
                wait = throttle.retry_after_s(self.session, key, config.proof_window_s, self.now_s)
                raise ApiError(
                    429,
                    "throttled",
                    f"Dạ, đã nhập sai quá nhiều lần. Vui lòng thử lại sau {wait_text(wait)}.",
                    retry_after_s=wait,
                )
            taken.append(slots)
        matched = hmac.compare_digest(
            proof.encode("ascii"), dossier.applicant_phone[-PROOF_DIGITS:].encode("ascii")
        )
        if matched:
            for key in keys:
                throttle.give_back(self.session, key)
            self.audit("verified")
            return
        self.audit("wrong")
        attempts_left = max(config.proof_max_failures - max(taken), 0)
        raise ApiError(
            403,
            "verification_failed",
            "Dạ, 4 số cuối chưa khớp với số điện thoại đã khai trong hồ sơ. "
            f"Anh/chị còn {attempts_left} lần thử.",
            attempts_left=attempts_left,
        )
