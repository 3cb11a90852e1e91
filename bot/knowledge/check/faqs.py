"""Rules over FAQ files: ids used once, known ``site.yml`` placeholders, cited sources."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.check.checker import Checker
from bot.knowledge.check.marked import Loc, MarkedYaml
from bot.knowledge.check.validate import faq_paths
from bot.knowledge.faq import Faq, FaqFile
from bot.knowledge.site import Site


def check_faqs(checker: Checker, site: Site | None) -> None:
    """Every ``faq/*.yml`` file: schema, ids used once, placeholders known to ``site.yml``."""
    seen: dict[str, Path] = {}
    for path in faq_paths(checker.kb_dir):
        faq_file, marked = checker.load(path, FaqFile)
        if faq_file is None:
            continue
        for index, faq in enumerate(faq_file.faqs):
            checker.faqs += 1
            if faq.id in seen:
                checker.add(
                    path,
                    marked.position(("faqs", index, "id")),
                    f"mã câu hỏi '{faq.id}' đã có trong {seen[faq.id]}",
                    "đặt mã khác, hoặc gộp hai câu hỏi làm một",
                )
            seen.setdefault(faq.id, path)
            unknown = site.unknown_keys(faq.answer) if site else []
            for key in unknown:
                checker.add(
                    path,
                    marked.position(("faqs", index, "answer")),
                    f"câu trả lời dùng {{site.{key}}} nhưng site.yml không có mục '{key}'",
                    f"thêm mục '{key}' vào site.yml hoặc sửa lại tên chỗ trống",
                )
            _check_faq_sources(checker, path, marked, ("faqs", index), faq, site)
            checker.collect(
                path, marked, ("faqs", index, "questions"), faq.questions, f"faq:{faq.id}", None
            )


def _check_faq_sources(
    checker: Checker, path: Path, marked: MarkedYaml, loc: Loc, faq: Faq, site: Site | None
) -> None:
    """An FAQ cites its sources; a cited procedure is loaded, a cited portal is in site.yml."""
    if not faq.sources:
        checker.add(
            path,
            marked.position(loc),
            f"câu hỏi '{faq.id}' chưa ghi nguồn (sources:)",
            "ghi văn bản pháp luật, trang chính thức hoặc mã thủ tục làm căn cứ cho từng thông tin "
            "(xem docs/curation.md); bỏ thông tin không có nguồn",
            "warning",
        )
    for index, source in enumerate(faq.sources):
        where = marked.position((*loc, "sources", index))
        if source.procedure and source.procedure not in checker.procedures:
            checker.add(
                path,
                where,
                f"nguồn trỏ tới thủ tục {source.procedure} không có trong cơ sở tri thức",
                "sửa mã thủ tục cho đúng hoặc xóa nguồn này",
                "warning",
            )
        if source.site and site and source.site not in site.facts:
            checker.add(
                path,
                where,
                f"nguồn dùng site: {source.site} nhưng site.yml không có mục này",
                "dùng một mục có trong site.yml, ví dụ national_portal_url",
            )
