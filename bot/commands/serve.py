"""``isee serve …``: start one process of the assistant."""

from __future__ import annotations

import typer
import uvicorn

from bot.commands.secrets import secure_settings
from bot.logging import configure_logging

GATEWAY_FACTORY = "bot.gateway.app:create_app_from_settings"

serve_app = typer.Typer(help="Start one process of the assistant.", no_args_is_help=True)


@serve_app.command("gateway")
def gateway(
    host: str | None = typer.Option(None, help="Bind address (default: ISEE_GATEWAY_HOST)"),
    port: int | None = typer.Option(None, help="Port (default: ISEE_GATEWAY_PORT)"),
) -> None:
    """The FastAPI gateway: web widget, chat API, health.

    uvicorn builds the app in this process from the factory's import string; the factory reads the
    same process-wide settings, with the host and port given here.
    """
    settings = secure_settings()
    if host:
        settings.gateway_host = host
    if port:
        settings.gateway_port = port
    configure_logging(settings.log_level, settings.log_json, settings.privacy_hash_key)
    uvicorn.run(
        GATEWAY_FACTORY,
        factory=True,
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through our handlers, which scrub personal data
    )


@serve_app.command("actions")
def actions(
    port: int | None = typer.Option(None, help="Port (default: ISEE_ACTION_PORT)"),
) -> None:
    """The rasa-sdk action server, in this one process: the index is loaded once, before serving.

    Probes: ``/health`` (liveness, from rasa-sdk) and ``/ready`` (the inbox database answers);
    ``/metrics`` (Prometheus) and ``POST /admin/reload`` (``isee kb reload``) on the same port.
    """
    from sanic import Sanic

    from bot import runtime
    from bot.action_server import create_action_server

    settings = secure_settings(admin=True)
    configure_logging(settings.log_level, settings.log_json, settings.privacy_hash_key)
    runtime.warm_up()
    app = create_action_server()
    app.prepare(
        host=settings.action_host,
        port=port or settings.action_port,
        single_process=True,
        motd=False,
        access_log=False,
    )
    Sanic.serve_single(primary=app)


def register(app: typer.Typer) -> None:
    app.add_typer(serve_app, name="serve")
