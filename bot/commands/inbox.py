"""``isee inbox …``: the database of the assistant's own tables."""

from __future__ import annotations

import typer
from rich.console import Console

from bot.settings import channel_db_url, get_settings, inbox_url

inbox_app = typer.Typer(
    help="Inbox, conversation store, console and channel tables.", no_args_is_help=True
)
console = Console()


@inbox_app.command()
def migrate() -> None:
    """Upgrade the inbox database (ISEE_INBOX_DB_URL) and, when separate, the channel database
    (ISEE_CHANNEL_DB_URL) to the latest revision. The processes also do it when they start."""
    from sqlalchemy import create_engine

    from bot.inbox.schema import current_revision
    from bot.inbox.schema import migrate as run_migrations

    settings = get_settings()
    for url in dict.fromkeys((inbox_url(settings), channel_db_url(settings))):
        engine = create_engine(url)
        try:
            run_migrations(engine)
            revision = current_revision(engine)
        finally:
            engine.dispose()
        console.print(f"{engine.url.render_as_string(hide_password=True)}: revision {revision}")


def register(app: typer.Typer) -> None:
    """Add ``isee inbox`` to the CLI."""
    app.add_typer(inbox_app, name="inbox")
