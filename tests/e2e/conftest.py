"""One real assistant stack shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack import Stack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # Every test chats from loopback, as one client address: its limit is lifted here (the
    # limits have their tests in tests/integration/test_rate_limits.py).
    running = start_stack(
        tmp_path_factory.mktemp("stack"),
        extra_env={"ISEE_RATE_LIMIT_IP_MESSAGES": "100000", "ISEE_RATE_LIMIT_IP_BURST": "100000"},
    )
    try:
        yield running
    finally:
        running.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the test item, so that fixtures can see whether it failed
    (the browser tests save a screenshot then)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)
