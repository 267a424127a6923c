"""`make run` (bin/run-all) stops web, worker and beat within a few seconds, every time, and
leaves no process behind (issue 14, item 9: the worker sometimes hung after TERM, once for
over 90 s). The hard case is a task in flight that cannot finish: here a heartbeat task waits for
SQLite's write lock, which the test holds (SQLite's busy timeout is 20 s; a warm shutdown waits for
it, and for every task queued behind it). Runs in `make test-services` (it starts real processes)."""
import os
import signal
import socket
import sqlite3
import select
import subprocess
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
STOP_WITHIN = 12.0  # seconds from the signal to the last process gone (run-all kills at 10)

pytestmark = pytest.mark.live_worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def run_env(tmp_path_factory) -> dict:
    """A migrated SQLite database and a broker folder of this test's own (the worktree's are untouched)."""
    work = tmp_path_factory.mktemp("run-all")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_DEFAULT_QUEUE")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "CELERY_BROKER_DIR": str(work / "broker"),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(work / "celerybeat-schedule"),
        "INBOUND_MAIL_DEMO_MAILDIR": str(work / "mail"),
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "EMAIL_URL": "dummymail://",
    })
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=600)
    return {**env, "_work": str(work)}


def _processes_marked(marker: str) -> list[str]:
    """Every process whose environment carries the marker: what this run of run-all started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name} {command[:120]}")
        except OSError:
            continue
    return found


class _PipeReader:
    """Drains a pipe into the log file until closed, then closes the pipe's only read end."""

    def __init__(self, fd: int, path: Path):
        self.fd, self.path, self.done = fd, path, threading.Event()
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        with open(self.path, "ab") as log:
            while not self.done.is_set():
                if select.select([self.fd], [], [], 0.1)[0]:
                    chunk = os.read(self.fd, 65536)
                    if not chunk:
                        break
                    log.write(chunk)
                    log.flush()
        os.close(self.fd)

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=5)


class RunAll:
    def __init__(self, env: dict, through_pipe: bool = False):
        self.marker = f"run-all-test-{uuid.uuid4().hex}"
        self.port = _free_port()
        self.log_path = Path(env["_work"]) / f"{self.marker}.log"
        self.db = env["DATABASE_URL"].removeprefix("sqlite:///")
        self.env = {k: v for k, v in env.items() if not k.startswith("_")}
        self.env.update({"RUN_PORT": str(self.port), "RUN_ALL_TEST_MARKER": self.marker})
        self._reader = None
        with open(self.log_path, "wb") as log:
            out = log
            if through_pipe:  # `make run | tee log`: the output goes through a pipe that a thread drains
                read_end, out = os.pipe()
                self._reader = _PipeReader(read_end, self.log_path)
            # Its own session, as a terminal's foreground job: Ctrl-C is a SIGINT to the group.
            self.proc = subprocess.Popen(
                ["bin/run-all"], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
            if through_pipe:
                os.close(out)

    def close_output(self) -> None:
        """The pipe's reader goes (tee ended by the same Ctrl-C): every later write is a SIGPIPE."""
        self._reader.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"run-all exited early:\n{self.log()[-3000:]}"
            log = self.log()
            if " ready." in log and "beat: Starting" in log:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz/", timeout=5) as answer:
                        if answer.status == 200:
                            return
                except OSError:
                    pass
            time.sleep(0.5)
        raise AssertionError(f"run-all did not come up within {timeout:.0f} s:\n{self.log()[-3000:]}")

    def task_in_flight(self, timeout: float = 60) -> sqlite3.Connection:
        """Holds SQLite's write lock and sends a heartbeat task, which then waits for the lock."""
        lock = sqlite3.connect(self.db, isolation_level=None, timeout=30)
        lock.execute("BEGIN IMMEDIATE")
        source = f"stop-test-{uuid.uuid4().hex[:8]}"
        subprocess.run([str(BIN / "celery"), "-A", "config", "call", "core.tasks.record_heartbeat_task",
                        "--kwargs", f'{{"source": "{source}"}}'], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=120)
        deadline = time.monotonic() + timeout
        while "record_heartbeat_task" not in self.log().split("beat: Starting")[-1] and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # the pool process has taken it and waits for the lock
        return lock

    def stop(self, sig: int) -> float:
        started = time.monotonic()
        if sig == signal.SIGINT:
            os.killpg(self.proc.pid, sig)  # Ctrl-C: the terminal signals the foreground group
        else:
            self.proc.send_signal(sig)  # a service manager signals the process it started
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        while _processes_marked(self.marker) and time.monotonic() - started < 120:
            time.sleep(0.2)
        return time.monotonic() - started

    def kill_leftovers(self) -> None:
        for line in _processes_marked(self.marker):
            try:
                os.kill(int(line.split()[0]), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.parametrize("sig, busy", [
    (signal.SIGINT, False), (signal.SIGTERM, True), (signal.SIGINT, True), (signal.SIGTERM, True),
], ids=["ctrl-c-idle", "term-task-in-flight", "ctrl-c-task-in-flight", "term-task-in-flight-again"])
def test_run_all_stops_within_seconds_and_leaves_nothing(run_env, sig, busy):
    run = RunAll(run_env)
    lock = None
    try:
        run.wait_until_up()
        if busy:
            lock = run.task_in_flight()
        took = run.stop(sig)
        left = _processes_marked(run.marker)
        assert left == [], f"left running after run-all stopped: {left}"
        assert took < STOP_WITHIN, f"stopping took {took:.1f} s:\n{run.log()[-3000:]}"
        assert "did not stop within" not in run.log(), f"a process had to be killed:\n{run.log()[-3000:]}"
    finally:
        if lock is not None:
            lock.rollback() if lock.in_transaction else None
            lock.close()
        run.kill_leftovers()


def test_run_all_stops_the_others_when_its_output_pipe_is_gone(run_env):
    """`make run | tee log` and Ctrl-C: tee ends too, so run-all's first word while stopping hits a
    closed pipe. It used to die of SIGPIPE right there, leaving web, worker and beat running."""
    run = RunAll(run_env, through_pipe=True)
    try:
        run.wait_until_up()
        run.close_output()
        took = run.stop(signal.SIGTERM)
        left = _processes_marked(run.marker)
        assert left == [], f"left running after run-all stopped: {left}"
        assert took < STOP_WITHIN, f"stopping took {took:.1f} s"
    finally:
        run.kill_leftovers()
