"""The second factor: last 4 digits of the phone or ID number, throttled per dossier and per user."""

from __future__ import annotations

import datetime as dt
import hmac
import math

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.portal_service.config import ServiceConfig
from bot.portal_service.errors import ApiError
from bot.portal_service.tables import Dossier, VerificationAttempt


def verify_owner(
    session: Session,
    dossier: Dossier,
    proof: str,
    user_key: str,
    config: ServiceConfig,
    now: dt.datetime,
) -> None:
    """Check ``proof`` against the dossier, recording the attempt.

    Raises ``ApiError`` 429 while too many recent attempts failed for this dossier or this user
    (nothing is recorded then), and 403 when the proof does not match (the failure is recorded).
    """
    since = now - dt.timedelta(seconds=config.proof_window_s)
    scopes = (
        VerificationAttempt.dossier_code == dossier.code,
        VerificationAttempt.user_key == user_key,
    )
    for scope in scopes:
        retry_after = _blocked_for(session, scope, since, config)
        if retry_after is not None:
            raise ApiError(
                429,
                "throttled",
                "Dạ, anh/chị đã nhập sai quá nhiều lần. Vui lòng thử lại sau "
                f"{math.ceil(retry_after / 60)} phút.",
                retry_after_s=retry_after,
            )
    matched = any(
        hmac.compare_digest(proof.encode(), secret[-4:].encode())
        for secret in (dossier.applicant_phone, dossier.applicant_id_number)
    )
    session.add(
        VerificationAttempt(
            dossier_code=dossier.code, user_key=user_key, succeeded=matched, attempted_at=now
        )
    )
    session.commit()
    if not matched:
        failures = max(len(_failures(session, scope, since)) for scope in scopes)
        attempts_left = max(config.proof_max_failures - failures, 0)
        raise ApiError(
            403,
            "verification_failed",
            "Dạ, 4 số cuối chưa khớp với số điện thoại hoặc số định danh trên hồ sơ. "
            f"Anh/chị còn {attempts_left} lần thử.",
            attempts_left=attempts_left,
        )


def _failures(
    session: Session, scope: ColumnElement[bool], since: dt.datetime, limit: int | None = None
) -> list[dt.datetime]:
    query = (
        select(VerificationAttempt.attempted_at)
        .where(scope, VerificationAttempt.succeeded.is_(False))
        .where(VerificationAttempt.attempted_at > since)
        .order_by(VerificationAttempt.attempted_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def _blocked_for(
    session: Session, scope: ColumnElement[bool], since: dt.datetime, config: ServiceConfig
) -> int | None:
    """Seconds until the scope may try again, or None when it is not throttled."""
    failures = _failures(session, scope, since, config.proof_max_failures)
    if len(failures) < config.proof_max_failures:
        return None
    oldest_counted = failures[-1]
    return max(math.ceil((oldest_counted - since).total_seconds()), 1)
