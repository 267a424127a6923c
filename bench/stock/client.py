"""`StockFloor`: the stock floor in a subprocess, requested in-process from the product's bench
(bench/README.md, "The stock floor").

    with StockFloor() as floor:
        floor.request("GET", "/portal/cases/", user="bench_contact_12")
        # -> {"ms": 4.1, "status": 200, "queries": 7}

The worker (`python -m bench.stock.worker`) runs with `DJANGO_SETTINGS_MODULE=bench.stock.settings`
and the floor's database (STOCK_DATABASE_URL, default DATABASE_URL + `_stock`); it logs each
username in once (`force_login`) and times `client.generic(...)` in its own process, so the
product's process and the floor's are timed the same way and can be interleaved request by
request."""
import json
import os
import subprocess
import sys

from bench.stock.dburl import stock_database_url


class StockFloorError(RuntimeError):
    pass


def stock_database_exists(product_url: str | None = None) -> bool:
    """Whether the floor's database exists and is seeded (PostgreSQL only: False elsewhere)."""
    import psycopg

    try:
        url = stock_database_url(product_url) if product_url else stock_database_url()
    except RuntimeError:  # not PostgreSQL
        return False
    url = url.replace("postgres://", "postgresql://", 1)
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute("SELECT to_regclass('floor_case') IS NOT NULL").fetchone()[0]
    except psycopg.OperationalError:
        return False


class StockFloor:
    def __init__(self, database_url: str | None = None, env: dict | None = None):
        self.env = {**os.environ, **(env or {}), "DJANGO_SETTINGS_MODULE": "bench.stock.settings"}
        self.env["STOCK_DATABASE_URL"] = database_url or stock_database_url()
        self.process = None

    def __enter__(self) -> "StockFloor":
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, self.env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.stock.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=self.env, cwd=root, text=True, bufsize=1,
        )
        self._call({"op": "ping"})
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.process is not None:
            process, self.process = self.process, None
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _call(self, message: dict) -> dict:
        if self.process is None:
            raise StockFloorError("the stock floor is not running (use it as a context manager)")
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise StockFloorError(f"the stock floor worker ended (exit code {self.process.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise StockFloorError(answer["error"])
        return answer

    def request(self, method: str, path: str, user: str | None = None, data=None, content_type: str | None = None,
                headers: dict | None = None, body: bool = False) -> dict:
        """{"ms", "status", "queries"} of one request as `user` (and "content" with body=True)."""
        return self._call({"method": method, "path": path, "user": user, "data": data,
                           "content_type": content_type, "headers": headers, "body": body})

    def begin(self) -> None:
        """Open a transaction on the floor: what is written until `rollback()` disappears with it."""
        self._call({"op": "begin"})

    def rollback(self) -> None:
        self._call({"op": "rollback"})

    def mark(self) -> int:
        """The floor's highest case id: `forget(mark)` deletes what was created after it."""
        return self._call({"op": "mark"})["top"]

    def forget(self, top: int) -> int:
        return self._call({"op": "forget", "top": top})["removed"]
