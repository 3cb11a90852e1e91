"""Development secrets are refused outside development, by every serving process, at start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.portal.client import PortalClientConfig
from bot.portal_service.config import ServiceConfig
from bot.settings import REPO_ROOT, InsecureSettingsError, Settings, refuse_default_secrets


def _env(**values: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ISEE_")}
    return {**base, "PYTHONPATH": str(REPO_ROOT), **values}


@pytest.mark.parametrize(
    "command",
    [["portal", "serve", "--port", "9"], ["serve", "actions", "--port", "9"], ["serve", "gateway"]],
)
@pytest.mark.parametrize("env", [{}, {"ISEE_ENV": "production"}])
def test_serving_with_the_default_key_is_refused_outside_development(
    command: list[str], env: dict[str, str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *command],
        cwd=REPO_ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "ISEE_PORTAL_API_KEY" in done.stderr and "ISEE_ENV=development" in done.stderr
    assert "Traceback" not in done.stderr


def test_real_secrets_are_accepted_and_development_accepts_the_defaults() -> None:
    production = Settings(
        env="production", portal_api_key="a-real-secret", privacy_hash_key="another-secret"
    )
    refuse_default_secrets(production)
    assert PortalClientConfig.from_settings(production).api_key == "a-real-secret"
    refuse_default_secrets(Settings(env="development"))
    with pytest.raises(InsecureSettingsError, match="ISEE_PRIVACY_HASH_KEY"):
        ServiceConfig.from_settings(Settings(env="production", portal_api_key="a-real-secret"))
