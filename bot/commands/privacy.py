"""``isee privacy …``: personal-data retention."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import REPO_ROOT, channel_db_url, get_settings, inbox_url

privacy_app = typer.Typer(help="Personal data: retention.", no_args_is_help=True)
console = Console()


@privacy_app.command()
def purge(
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Keep this many days (default ISEE_PRIVACY_RETENTION_DAYS)"),
    ] = None,
    endpoints: Annotated[
        Path, typer.Option(help="Rasa endpoints file naming the tracker store")
    ] = REPO_ROOT / "endpoints.yml",
) -> None:
    """Delete conversations, web-chat and recorded turns, hand-over requests and finished
    Zalo/Messenger messages older than the retention, anonymise older feedback. Safe to run
    daily (e.g. from cron)."""
    from bot.channels.delivery.store import DeliveryStore
    from bot.inbox.conversations import ConversationStore
    from bot.inbox.store import InboxStore
    from bot.retention import purge as run_purge

    settings = get_settings()
    if not endpoints.is_file():
        console.print(f"[red]No endpoints file at {endpoints}: nothing purged.")
        raise typer.Exit(1)
    try:
        report = run_purge(
            InboxStore(inbox_url(settings)),
            endpoints,
            days or settings.privacy_retention_days,
            dt.datetime.now(dt.UTC),
            DeliveryStore(channel_db_url(settings)),
            ConversationStore(inbox_url(settings)),
        )
    except ValueError as exc:
        console.print(f"[red]{endpoints}: {exc}: nothing purged.")
        raise typer.Exit(1) from exc
    if report.tracker_store == "in_memory":
        console.print("Rasa keeps conversations in memory only: no tracker store to purge.")
    elif report.tracker_store != "sql":
        console.print(
            f"[yellow]Tracker store {report.tracker_store!r} is not purged by this command; "
            "set an expiry on it (e.g. Redis record_exp)."
        )
    console.print(report.model_dump_json(indent=2))


def register(app: typer.Typer) -> None:
    """Add ``isee privacy`` to the CLI."""
    app.add_typer(privacy_app, name="privacy")
