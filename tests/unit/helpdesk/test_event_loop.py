"""The event loop of `helpdesk run` and `helpdesk worker` (`helpdesk.event_loop`)."""

from __future__ import annotations

import asyncio

import pytest

from helpdesk import event_loop
from helpdesk.config_errors import ConfigError


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_where_it_is_installed() -> None:
    assert event_loop.uvloop_installed()  # requirements.lock installs it on Linux
    assert event_loop.loop_name("auto") == "uvloop"
    assert event_loop.run_service(_loop_module(), "auto").startswith("uvloop")


def test_asyncio_runs_on_asyncios_own_loop() -> None:
    assert event_loop.loop_name("asyncio") == "asyncio"
    assert event_loop.run_service(_loop_module(), "asyncio").startswith("asyncio")


def test_without_uvloop_auto_falls_back_and_uvloop_refuses_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(event_loop, "uvloop_installed", lambda: False)
    assert event_loop.loop_name("auto") == "asyncio"
    assert event_loop.run_service(_loop_module(), "auto").startswith("asyncio")
    main = _loop_module()
    with pytest.raises(ConfigError) as refused:
        event_loop.run_service(main, "uvloop")
    assert str(refused.value).startswith("EVENT_LOOP: uvloop is not installed")
    assert "\n" not in str(refused.value)
    assert main.cr_frame is None  # closed, so no "never awaited" warning


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from helpdesk.settings import Settings

    monkeypatch.setenv("EVENT_LOOP", "asyncio")
    assert Settings().event_loop == "asyncio"
    monkeypatch.setenv("EVENT_LOOP", "trio")
    with pytest.raises(ValueError):
        Settings()
