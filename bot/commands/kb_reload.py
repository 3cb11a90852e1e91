"""``isee kb reload``: check the edited knowledge base, rebuild the index, swap it in every running
action server without a restart. A knowledge base with errors is refused and nothing changes."""

from __future__ import annotations

import httpx
import typer

from bot.commands.kb_check import print_report
from bot.knowledge.check import check_knowledge_base
from bot.settings import Settings, get_settings, reload_targets


def swap(url: str, settings: Settings) -> str | None:
    """Ask the action server at ``url`` to load the current index and knowledge base; ``None``
    when it did, else what went wrong."""
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/admin/reload",
            headers={"Authorization": f"Bearer {settings.admin_token}"},
            timeout=settings.reload_timeout_s,
        )
    except httpx.HTTPError as exc:
        return f"không kết nối được ({type(exc).__name__})"
    if response.status_code != 200:
        try:
            detail = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            detail = response.text[:200]
        return f"HTTP {response.status_code}: {detail}"
    body = response.json()
    typer.echo(
        f"{url}: đã nạp {body['entries']} mục, chỉ mục {body['index']} ({body['seconds']} giây)."
    )
    return None


def reload() -> None:
    """Check the knowledge base, rebuild the search index (incrementally), then make every action
    server (ISEE_ACTION_SERVER_URLS) serve it; exit 1 when the check finds errors or a server
    could not swap (it keeps serving the old knowledge)."""
    from bot.search.service import ensure_index

    settings = get_settings()
    report = check_knowledge_base(settings.kb_dir)
    print_report(report)
    if report.errors:
        typer.echo(
            "Không tải lại: hãy sửa các lỗi trên rồi chạy lại. Trợ lý vẫn trả lời theo dữ liệu cũ.",
            err=True,
        )
        raise typer.Exit(1)
    built = ensure_index(settings)
    state = "không đổi" if built.reused else f"đã dựng lại ({built.manifest.embedded} câu mới)"
    typer.echo(f"Chỉ mục tìm kiếm {built.path.name}: {state}.")
    failures = {url: error for url in reload_targets(settings) if (error := swap(url, settings))}
    for url, error in failures.items():
        typer.echo(f"{url}: chưa tải lại được, vẫn dùng dữ liệu cũ — {error}", err=True)
    if failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``reload`` to the ``isee kb`` command group."""
    app.command("reload")(reload)
