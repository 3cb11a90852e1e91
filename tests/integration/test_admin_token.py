"""The action server serves the admin endpoint, so outside development it refuses to start with
the public development admin token; the other processes do not need it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.settings import REPO_ROOT, InsecureSettingsError, Settings, refuse_default_secrets

REAL_SECRETS = {"ISEE_PORTAL_API_KEY": "a-real-secret", "ISEE_PRIVACY_HASH_KEY": "another-secret"}


def test_the_action_server_refuses_the_default_admin_token_outside_development() -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ISEE_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "actions", "--port", "9"],
        cwd=REPO_ROOT,
        env={**base, "PYTHONPATH": str(REPO_ROOT), "ISEE_ENV": "production", **REAL_SECRETS},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "ISEE_ADMIN_TOKEN" in done.stderr and "ISEE_PORTAL_API_KEY" not in done.stderr
    assert "Traceback" not in done.stderr


def test_only_the_admin_endpoint_needs_a_real_admin_token() -> None:
    production = Settings(
        env="production", portal_api_key="a-real-secret", privacy_hash_key="another-secret"
    )
    refuse_default_secrets(production)
    with pytest.raises(InsecureSettingsError, match="ISEE_ADMIN_TOKEN"):
        refuse_default_secrets(production, admin=True)
    refuse_default_secrets(production.model_copy(update={"admin_token": "x" * 32}), admin=True)
    refuse_default_secrets(Settings(env="development"), admin=True)
