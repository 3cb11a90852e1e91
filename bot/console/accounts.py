"""Staff accounts and console sessions: scrypt-hashed passwords with a per-user salt, random
session tokens kept only as hashes, and a per-session form (CSRF) token."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import create_engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.inbox.models import StaffSession, StaffUser, utcnow
from bot.inbox.schema import ensure_schema

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
HASH_BYTES = 64
SALT_BYTES = 16
MIN_PASSWORD_CHARS = 10
NAME_PATTERN = re.compile(r"^[a-z0-9._-]{2,64}$")
_DUMMY_SALT = b"\0" * SALT_BYTES


class AccountError(ValueError):
    """A user name or password that cannot be used (the message says why)."""


@dataclass(frozen=True)
class StaffLogin:
    """A valid session: who is logged in and the token their forms must carry."""

    user_name: str
    csrf_token: str


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=HASH_BYTES
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class AccountStore:
    """Accounts and sessions in the inbox database."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        ensure_schema(self._engine)
        self._session = sessionmaker(self._engine, expire_on_commit=False)

    def add_user(self, name: str, password: str) -> None:
        """Create an account, or raise ``AccountError``."""
        if not NAME_PATTERN.fullmatch(name):
            raise AccountError("user name: 2-64 characters among a-z 0-9 . _ -")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"password: at least {MIN_PASSWORD_CHARS} characters")
        salt = secrets.token_bytes(SALT_BYTES)
        try:
            with self._session.begin() as session:
                session.add(
                    StaffUser(name=name, salt=salt, password_hash=hash_password(password, salt))
                )
        except IntegrityError as exc:
            raise AccountError(f"user {name!r} already exists") from exc

    def verify(self, name: str, password: str) -> int | None:
        """The user's id when the password is right; a missing user costs the same time."""
        with self._session() as session:
            user = session.scalars(select(StaffUser).where(StaffUser.name == name)).first()
        salt = user.salt if user else _DUMMY_SALT
        expected = user.password_hash if user else b"\0" * HASH_BYTES
        matches = hmac.compare_digest(hash_password(password, salt), expected)
        return user.id if user and matches else None

    def open_session(self, user_id: int, lifetime: dt.timedelta) -> str:
        """A new session; returns the token for the cookie (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        with self._session.begin() as session:
            session.execute(delete(StaffSession).where(StaffSession.expires_at < utcnow()))
            session.add(
                StaffSession(
                    token_hash=token_hash(token),
                    user_id=user_id,
                    csrf_token=secrets.token_urlsafe(32),
                    expires_at=utcnow() + lifetime,
                    last_seen_at=utcnow(),
                )
            )
        return token

    def login(self, token: str) -> StaffLogin | None:
        """The session of a cookie token, unless unknown or expired; marks the session as seen
        now (staff presence: ``bot.answers.availability``)."""
        now = utcnow()
        with self._session.begin() as session:
            row = session.execute(
                select(StaffSession, StaffUser.name)
                .join(StaffUser, StaffUser.id == StaffSession.user_id)
                .where(StaffSession.token_hash == token_hash(token))
            ).first()
            if row is None or as_utc(row[0].expires_at) <= now:
                return None
            session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == row[0].token_hash)
                .values(last_seen_at=now)
            )
        return StaffLogin(user_name=row[1], csrf_token=row[0].csrf_token)

    def close_session(self, token: str) -> None:
        with self._session.begin() as session:
            session.execute(
                delete(StaffSession).where(StaffSession.token_hash == token_hash(token))
            )
