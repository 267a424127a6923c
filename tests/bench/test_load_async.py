"""The load test's event loops: it runs its clients with `asyncio.run`, also in a process where
another event loop is already running (pytest with Playwright's sync API holding one open)."""
import asyncio

from bench.load.seeded import run_async


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_run_async_without_a_running_loop():
    assert run_async(_answer()) == 42


def test_run_async_inside_a_running_loop():
    async def inside() -> int:
        return run_async(_answer())  # asyncio.run here would raise "cannot be called from a running event loop"

    assert run_async(inside()) == 42  # the outer call too: pytest's own thread may hold a running loop
