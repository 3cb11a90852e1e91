"""The settings of a process about to serve, refused with a clear message when insecure."""

from __future__ import annotations

import typer

from bot.settings import InsecureSettingsError, Settings, get_settings, refuse_default_secrets


def secure_settings(*, admin: bool = False) -> Settings:
    """The settings, or exit 2 with the reason when a development secret is used outside
    development (``ISEE_ENV``); ``admin`` checks the admin token too."""
    settings = get_settings()
    try:
        refuse_default_secrets(settings, admin=admin)
    except InsecureSettingsError as exc:
        typer.echo(f"isee: {exc}", err=True)
        raise typer.Exit(2) from exc
    return settings
