"""``isee console …``: staff accounts of the console (``/console`` on the gateway)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import get_settings, inbox_url

console_app = typer.Typer(help="Staff console: accounts.", no_args_is_help=True)
console = Console()
PASSWORD_ENV = "ISEE_CONSOLE_PASSWORD"


@console_app.command("add-user")
def add_user(
    name: Annotated[str, typer.Argument(help="Login name (a-z 0-9 . _ -)")],
) -> None:
    """Create a console account. The password is read from ISEE_CONSOLE_PASSWORD when set
    (scripts), otherwise asked twice."""
    from bot.console.accounts import AccountError, AccountStore

    password = os.environ.get(PASSWORD_ENV) or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        AccountStore(inbox_url(get_settings())).add_user(name, password)
    except AccountError as exc:
        console.print(f"[red]Not created: {exc}.")
        raise typer.Exit(1) from exc
    console.print(f"Account {name!r} created; sign in at /console on the gateway.")


def register(app: typer.Typer) -> None:
    """Add ``isee console`` to the CLI."""
    app.add_typer(console_app, name="console")
