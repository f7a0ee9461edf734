"""The event loop of the long-running processes (`helpdesk run`, `helpdesk worker`).

uvloop (libuv under asyncio's API) where it is installed, as it is from `requirements.lock` on Linux and
macOS. On the webhook path a message is a dozen awaits on sockets and asyncio's own machinery was a fifth
of the app's main thread (py-spy); in quiet `helpdesk bench dialogue` runs the CPU per message did not differ
within the noise, but the runs on uvloop kept p99 under 250 ms where asyncio's loop twice let a pause grow
into a queue (docs/reliability.md has the figures).
`EVENT_LOOP=asyncio` runs on asyncio's own loop (for a debugger, or a platform without uvloop);
`EVENT_LOOP=uvloop` refuses to start without it. One-shot commands and the tests keep asyncio's loop.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

from helpdesk.config_errors import ConfigError

T = TypeVar("T")

LoopChoice = Literal["auto", "uvloop", "asyncio"]


def uvloop_installed() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def loop_name(choice: LoopChoice) -> str:
    """Which loop `choice` runs on here: "uvloop" or "asyncio".

    Raises:
        ConfigError: `EVENT_LOOP=uvloop` where uvloop is not installed.
    """
    if choice == "asyncio":
        return "asyncio"
    if uvloop_installed():
        return "uvloop"
    if choice == "uvloop":
        raise ConfigError(
            "EVENT_LOOP",
            "uvloop is not installed here; install it (pip install uvloop) or set EVENT_LOOP=auto",
        )
    return "asyncio"


def _factory(name: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None  # asyncio's default


def run_service(main: Coroutine[Any, Any, T], choice: LoopChoice) -> T:
    """Run a long-running process's `main` to its end on the loop `choice` names (see the module)."""
    try:
        factory = _factory(loop_name(choice))
    except BaseException:
        main.close()  # never awaited: say nothing about it
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)
