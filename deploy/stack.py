"""Gunicorn with the production settings, on 127.0.0.1 and a throwaway database, and a small
HTTP client that talks to it as a browser behind a TLS proxy would.

    with ProductionStack(workdir, database_url=...) as stack:   # collectstatic, migrate
        stack.manage("seed_demo")
        stack.start()                                             # gunicorn, waits for /healthz/
        client = Client(stack.base_url); client.login("alice", "demo1234")
    # gunicorn is stopped by its process id (TERM, then KILL of its process group)

The stack is the README's scale-out recipe: DEBUG off, whitenoise's manifest storage, secure
cookies, HTTPS redirect, HSTS. Requests carry `X-Forwarded-Proto: https` as the proxy sets it,
and the client keeps its cookies itself (a cookie jar would not send secure cookies over http)."""
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StackError(RuntimeError):
    pass


class ProductionStack:
    def __init__(self, workdir: Path, *, database_url: str | None = None, workers: int = 2,
                 extra_env: dict | None = None, log=print, app: str = "config.wsgi",
                 health_path: str = "/healthz/"):
        self.workdir = Path(workdir)
        self.app, self.health_path = app, health_path  # another WSGI application (bench/load: the stock floor)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.workers = workers
        self.log = log
        self.process: subprocess.Popen | None = None
        self.log_path = self.workdir / "gunicorn.log"
        inherited = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # locmem cache unless asked
        self.env = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_STATIC_ROOT": str(self.workdir / "staticfiles"),
            "DJANGO_MEDIA_ROOT": str(self.workdir / "media"),
            "DATABASE_URL": database_url or f"sqlite:///{self.workdir / 'db.sqlite3'}",
            # Tasks the pages schedule go to a broker folder of this run; no worker consumes them.
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_BROKER_DIR": str(self.workdir / "broker"),
            "INBOUND_MAIL_DEMO_MAILDIR": str(self.workdir / "mail"),
            "EMAIL_URL": "dummymail://",
            "DJANGO_LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- manage.py ---------------------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 600) -> str:
        started = time.monotonic()
        run = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                             capture_output=True, text=True, timeout=timeout)
        if run.returncode != 0:
            raise StackError(f"manage.py {' '.join(args)} failed (exit {run.returncode}):\n"
                             f"{(run.stdout + run.stderr)[-4000:]}")
        self.log(f"  manage.py {' '.join(args)}: ok ({time.monotonic() - started:.1f} s)")
        return run.stdout

    def prepare(self, *, seed: bool = True) -> None:
        self.manage("collectstatic", "--noinput", "-v", "0")
        self.manage("migrate", "--noinput", "-v", "0")
        if seed:
            self.manage("seed_demo")

    # --- gunicorn ----------------------------------------------------------------------------
    def start(self, *, timeout: float = 60) -> None:
        cmd = [str(BIN / "gunicorn"), self.app, "--workers", str(self.workers), "--bind",
               f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "5"]
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        # A session of its own: stop() signals the master and its workers as one process group.
        self.process = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self._log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"gunicorn exited (code {self.process.returncode}):\n{self.log_tail()}")
            try:
                status = Client(self.base_url).get(self.health_path).status
                if status == 200:
                    self.log(f"  gunicorn ({self.workers} workers, pid {self.process.pid}) on {self.base_url}")
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise StackError(f"gunicorn did not answer {self.health_path} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, *, grace: float = 10) -> None:
        if self.process is None:
            return
        pid, self.process = self.process.pid, None
        try:
            os.kill(pid, signal.SIGTERM)  # the master stops its workers
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done == pid:
                break
            time.sleep(0.1)
        try:
            os.killpg(pid, signal.SIGKILL)  # whatever is left of the group (pgid = the master's pid)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        self._log_file.close()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    elapsed_ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)


@dataclass
class Client:
    """One browser (or API client): its own cookies, https as seen through the proxy."""
    base_url: str
    cookies: dict = field(default_factory=dict)
    token: str | None = None
    timeout: float = 60

    def __post_init__(self):
        parts = urllib.parse.urlsplit(self.base_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{parts.hostname}:{parts.port}"

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None) -> Response:
        sent = {"Host": f"{self.host}:{self.port}", "X-Forwarded-Proto": "https", "Accept": "text/html,*/*"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        if method not in ("GET", "HEAD"):
            sent["Origin"], sent["Referer"] = self.origin, self.origin + path
            if "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
        sent.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        elapsed = (time.perf_counter() - started) * 1000
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, data, elapsed)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict) -> Response:
        return self.request("POST", path, body=urllib.parse.urlencode(data).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path: str, data) -> Response:
        return self.request("POST", path, body=json.dumps(data).encode(),
                            headers={"Content-Type": "application/json", "Accept": "application/json"})

    def login(self, username: str, password: str, *, path: str = "/login/") -> None:
        """Signs in through the sign-in form, as a person would (CSRF, secure cookies)."""
        page = self.get(path)
        match = CSRF_INPUT.search(page.text)
        if page.status != 200 or not match:
            raise StackError(f"GET {path}: {page.status}, no sign-in form")
        answer = self.post_form(path, {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password})
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise StackError(f"signing in as {username} at {path} failed: {answer.status} {answer.text[:300]}")

    def obtain_token(self, username: str, password: str) -> None:
        answer = self.post_json("/api/v1/auth/token/", {"username": username, "password": password})
        if answer.status != 200:
            raise StackError(f"token for {username}: {answer.status} {answer.text[:300]}")
        self.token = answer.json()["token"]
