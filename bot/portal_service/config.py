"""Configuration of the reference portal service."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.settings import Settings, refuse_default_secrets


class ServiceConfig(BaseModel):
    """What the reference portal needs to run: its database, its secrets and its limits."""

    model_config = ConfigDict(frozen=True)

    db_url: str
    api_key: str = Field(min_length=1)
    hash_key: str = Field(min_length=1, description="HMAC key of the audit log's pseudonyms")
    proof_max_failures: int = Field(ge=1)
    proof_window_s: int = Field(ge=1)
    lookup_max_dossiers: int = Field(ge=1)
    lookup_window_s: int = Field(ge=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceConfig:
        """The configuration given by ``ISEE_*`` settings; refuses development secrets outside
        development (``InsecureSettingsError``)."""
        refuse_default_secrets(settings)
        return cls(
            db_url=database_url(settings),
            api_key=settings.portal_api_key,
            hash_key=settings.privacy_hash_key,
            proof_max_failures=settings.portal_proof_max_failures,
            proof_window_s=settings.portal_proof_window_s,
            lookup_max_dossiers=settings.portal_lookup_max_dossiers,
            lookup_window_s=settings.portal_lookup_window_s,
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
