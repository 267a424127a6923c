"""The stock floor's in-process worker (`python -m bench.stock.worker`): reads one JSON request a
line on stdin, answers one JSON line on stdout (bench/stock/client.py is the other end).

A request: {"method", "path", "user", "data", "content_type", "headers", "body"}; the answer:
{"ms", "status", "queries"} (and "content" when "body" is true). The user is logged in with
`Client.force_login` once per username (session auth, like the product's bench), then
`client.generic(...)` is timed in-process, exactly as the product's side is timed. Queries are
counted by an execute wrapper (no SQL kept, no debug cursor). Two more operations:
{"op": "begin"} opens a transaction, {"op": "rollback"} rolls it back (so posted comments leave
nothing behind); {"op": "ping"} answers {"ok": true}; {"op": "mark"} answers the highest case id, {"op": "forget",
"top": id} deletes the cases above it (what a creation bench wrote)."""
import json
import os
import sys
import time
from urllib.parse import urlencode

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.stock.settings"


class _Rollback(Exception):
    pass


class Worker:
    def __init__(self):
        import django

        django.setup()
        from django.test import Client
        from django.test.utils import setup_test_environment

        setup_test_environment(debug=False)
        self.Client = Client
        self.clients = {}
        self.atomic = None
        self.queries = 0

    def _count(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def client_for(self, username: str | None):
        from django.contrib.auth.models import User

        if username not in self.clients:
            client = self.Client()
            if username:
                client.force_login(User.objects.get(username=username))
            self.clients[username] = client
        return self.clients[username]

    def request(self, message: dict) -> dict:
        from django.db import connection
        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

        client = self.client_for(message.get("user"))
        method = message.get("method", "GET").upper()
        data, content_type = message.get("data"), message.get("content_type")
        headers = message.get("headers") or {}
        path = message["path"]
        body = b""
        if method == "GET":
            if data:
                path += ("&" if "?" in path else "?") + urlencode(data, doseq=True)
            content_type = content_type or "application/octet-stream"
        elif content_type and "json" in content_type:
            body = json.dumps(data or {}).encode()
        elif content_type == "application/x-www-form-urlencoded":
            body = urlencode(data or {}, doseq=True).encode()
        else:
            content_type = MULTIPART_CONTENT  # what Client.post sends by default
            body = encode_multipart(BOUNDARY, data or {})
        self.queries = 0
        with connection.execute_wrapper(self._count):
            started = time.perf_counter()
            response = client.generic(method, path, body, content_type=content_type, headers=headers)
            ms = (time.perf_counter() - started) * 1000
        answer = {"ms": ms, "status": response.status_code, "queries": self.queries}
        if message.get("body"):
            answer["content"] = response.content.decode(errors="replace")
        return answer

    def begin(self) -> dict:
        from django.db import transaction

        if self.atomic is None:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
        return {"ok": True}

    def rollback(self) -> dict:
        if self.atomic is not None:
            atomic, self.atomic = self.atomic, None
            try:
                raise _Rollback
            except _Rollback:
                atomic.__exit__(*sys.exc_info())
        return {"ok": True}

    def mark(self) -> dict:
        from django.db.models import Max

        from bench.stock.floor.models import Case

        return {"top": Case.objects.aggregate(top=Max("pk"))["top"] or 0}

    def forget(self, top: int) -> dict:
        from bench.stock.floor.models import Case

        return {"removed": Case.objects.filter(pk__gt=top).delete()[1].get("floor.Case", 0)}

    def handle(self, message: dict) -> dict:
        op = message.get("op", "request")
        if op == "ping":
            return {"ok": True}
        if op == "mark":
            return self.mark()
        if op == "forget":
            return self.forget(int(message["top"]))
        if op == "begin":
            return self.begin()
        if op == "rollback":
            return self.rollback()
        return self.request(message)


def main() -> None:
    out = sys.stdout
    sys.stdout = sys.stderr  # anything the project prints must not break the protocol
    worker = Worker()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = worker.handle(json.loads(line))
        except Exception as exc:  # reported to the caller, which raises
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
