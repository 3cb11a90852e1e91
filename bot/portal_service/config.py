"""Configuration of the reference portal service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.settings import Settings


class ServiceConfig(BaseModel):
    """What the reference portal needs to run: its database, its API key and its throttling."""

    model_config = ConfigDict(frozen=True)

    db_url: str
    api_key: str = Field(min_length=1)
    proof_max_failures: int = Field(5, ge=1)
    proof_window_s: int = Field(900, ge=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceConfig:
        """The configuration given by ``ISEE_PORTAL_*`` settings."""
        return cls(
            db_url=database_url(settings),
            api_key=settings.portal_api_key,
            proof_max_failures=settings.portal_proof_max_failures,
            proof_window_s=settings.portal_proof_window_s,
        )


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL: ``ISEE_PORTAL_DB_URL``, or a SQLite file under ``build_dir``."""
    if settings.portal_db_url is None:
        settings.build_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{settings.build_dir / 'portal.sqlite3'}"
    return normalise_db_url(settings.portal_db_url)


def normalise_db_url(url: str) -> str:
    """Give plain ``postgresql://`` URLs the psycopg 3 driver this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url
