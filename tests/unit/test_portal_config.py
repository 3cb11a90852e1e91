"""Settings reach the portal client and the reference portal as configured."""

from __future__ import annotations

from pathlib import Path

from bot.portal.client import PortalClientConfig
from bot.portal_service.config import ServiceConfig, normalise_db_url
from bot.settings import Settings


def test_client_config_follows_settings() -> None:
    settings = Settings(
        portal_url="http://127.0.0.1:9999",
        portal_api_key="k",
        portal_read_timeout_s=1.5,
        portal_budget_s=2.5,
        portal_attempts=4,
        portal_breaker_failures=7,
        portal_breaker_reset_s=12.0,
    )
    config = PortalClientConfig.from_settings(settings)
    assert (config.base_url, config.api_key) == ("http://127.0.0.1:9999", "k")
    assert (config.read_timeout_s, config.budget_s, config.attempts) == (1.5, 2.5, 4)
    assert (config.breaker_failures, config.breaker_reset_s) == (7, 12.0)


def test_service_defaults_to_sqlite_in_build_dir(tmp_path: Path) -> None:
    config = ServiceConfig.from_settings(Settings(build_dir=tmp_path / "build", portal_db_url=None))
    assert config.db_url == f"sqlite:///{tmp_path / 'build' / 'portal.sqlite3'}"
    assert (tmp_path / "build").is_dir()


def test_postgres_urls_get_the_installed_driver() -> None:
    assert normalise_db_url("postgresql://u@h:5/db") == "postgresql+psycopg://u@h:5/db"
    assert normalise_db_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_db_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_db_url("sqlite:///x.db") == "sqlite:///x.db"
