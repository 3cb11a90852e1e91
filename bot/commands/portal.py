"""``isee portal …``: run, migrate and seed the reference portal, and export its OpenAPI contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console

from bot.commands.secrets import secure_settings
from bot.settings import REPO_ROOT, get_settings

OPENAPI_PATH = REPO_ROOT / "openapi" / "portal-v1.yaml"

portal_app = typer.Typer(
    help="Reference portal: serve, migrate, seed, openapi.", no_args_is_help=True
)
console = Console()


def openapi_yaml() -> str:
    """The portal contract as YAML, generated from the reference portal's routes and models."""
    from bot.portal_service.app import create_app
    from bot.portal_service.config import ServiceConfig

    unused = {"api_key": "unused", "hash_key": "unused"}
    limits = {"proof_max_failures": 1, "proof_window_s": 1}
    lookups = {"lookup_max_dossiers": 1, "lookup_window_s": 1}
    app = create_app(ServiceConfig(db_url="sqlite://", **unused, **limits, **lookups))
    return yaml.safe_dump(app.openapi(), allow_unicode=True, sort_keys=False, width=100)


@portal_app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Bind address (default ISEE_PORTAL_HOST)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default ISEE_PORTAL_PORT)")] = None,
) -> None:
    """Run the reference portal (migrating its database first)."""
    import uvicorn

    from bot.logging import configure_logging
    from bot.portal_service.app import create_app
    from bot.portal_service.config import ServiceConfig
    from bot.portal_service.db import migrate as run_migrations

    settings = get_settings()
    config = ServiceConfig.from_settings(secure_settings())
    configure_logging(settings.log_level, settings.log_json, settings.privacy_hash_key)
    run_migrations(config.db_url)
    uvicorn.run(
        create_app(config),
        host=host or settings.portal_host,
        port=port or settings.portal_port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's records go through our handlers, which scrub personal data
    )


@portal_app.command()
def migrate() -> None:
    """Upgrade the portal database (ISEE_PORTAL_DB_URL, default SQLite under build_dir)."""
    from bot.portal_service.config import ServiceConfig
    from bot.portal_service.db import migrate as run_migrations

    config = ServiceConfig.from_settings(get_settings())
    run_migrations(config.db_url)
    console.print("Portal database is up to date.")


@portal_app.command()
def seed(
    dossiers: Annotated[int, typer.Option(min=1, max=200_000, help="Dossiers to generate")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 1,
    kb_dir: Annotated[
        Path | None, typer.Option(help="Knowledge base (default ISEE_KB_DIR)")
    ] = None,
) -> None:
    """Replace the portal's data: procedures from the knowledge base plus synthetic dossiers."""
    from bot.knowledge.loader import KnowledgeBaseError, load_knowledge_base
    from bot.portal_service.config import ServiceConfig
    from bot.portal_service.db import make_engine, make_sessionmaker
    from bot.portal_service.db import migrate as run_migrations
    from bot.portal_service.seed import seed as run_seed

    settings = get_settings()
    source = kb_dir or settings.kb_dir
    try:
        kb = load_knowledge_base(source)
    except KnowledgeBaseError as exc:
        console.print(f"[red]Knowledge base is invalid, nothing seeded: {exc}")
        raise typer.Exit(1) from exc
    if not kb.procedures:
        console.print(f"[red]No procedure in {source}: run `isee kb import` first.")
        raise typer.Exit(1)
    config = ServiceConfig.from_settings(settings)
    run_migrations(config.db_url)
    engine = make_engine(config.db_url)
    with make_sessionmaker(engine)() as session:
        report = run_seed(
            session,
            kb.procedures.values(),
            dossiers=dossiers,
            seed=seed,
            now=dt.datetime.now(dt.UTC),
        )
    engine.dispose()
    console.print(report.model_dump_json(indent=2))


@portal_app.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Where to write the contract")] = OPENAPI_PATH,
) -> None:
    """Write the OpenAPI contract (openapi/portal-v1.yaml) from the reference portal."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(openapi_yaml(), encoding="utf-8")
    console.print(f"Wrote {out}")


def register(app: typer.Typer) -> None:
    """Add ``isee portal`` to the CLI."""
    app.add_typer(portal_app, name="portal")
