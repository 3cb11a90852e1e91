"""The ``isee`` command line: one entry point for operators and staff."""

from __future__ import annotations

import typer

from bot.commands import (
    console,
    inbox,
    kb_check,
    kb_data,
    kb_reload,
    kb_search,
    portal,
    privacy,
    serve,
)

app = typer.Typer(
    help="isee-assistant: Lạng Sơn public-service virtual assistant.", no_args_is_help=True
)
kb_app = typer.Typer(
    help="Knowledge base: import, check, build, reload, search, evaluate.", no_args_is_help=True
)
app.add_typer(kb_app, name="kb")
kb_data.register(kb_app)
serve.register(app)
portal.register(app)
privacy.register(app)
inbox.register(app)
console.register(app)
kb_check.register(kb_app)
kb_search.register(kb_app)
kb_reload.register(kb_app)

if __name__ == "__main__":
    app()
