"""A small asyncio HTTP/1.1 client for the load test: many concurrent people in one process at a
few hundred microseconds of CPU per request, so the client is not what limits the throughput
(the run reports its CPU time).

One `Person` is one browser (its own cookies, signed in through the sign-in form) and one API
client (its token), at its own client address: requests carry `X-Forwarded-For` as the proxy in
front of the servers would add it (the product trusts one proxy, so its per-address limits count
people, not 127.0.0.1). Behind the product's TLS proxy (`scheme="https"`) requests also carry
`X-Forwarded-Proto: https` and an https Origin; the stock floor is plain http.

Each request opens a connection and sends `Connection: close` (gunicorn's sync workers close it
anyway); the time is from connecting to the last byte."""
import asyncio
import json
import re
import time
import urllib.parse
from http.cookies import CookieError, SimpleCookie

from deploy.stack import Response, StackError

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Person:
    def __init__(self, host: str, port: int, *, username: str, address: str, scheme: str = "https",
                 timeout: float = 120):
        self.host, self.port, self.username, self.address = host, port, username, address
        self.scheme, self.timeout = scheme, timeout
        self.origin = f"{scheme}://{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    async def request(self, method: str, path: str, *, body: bytes = b"", headers: dict | None = None,
                      session: bool = True, api: bool = False) -> Response:
        sent = {"Host": f"{self.host}:{self.port}", "Accept": "text/html,*/*", "Connection": "close",
                "X-Forwarded-For": self.address}
        if self.scheme == "https":
            sent["X-Forwarded-Proto"] = "https"
        if session and self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if api and self.token:
            sent["Authorization"] = f"Token {self.token}"
        if method not in ("GET", "HEAD"):
            sent["Origin"], sent["Referer"] = self.origin, self.origin + path
            if session and "csrftoken" in self.cookies:
                sent["X-CSRFToken"] = self.cookies["csrftoken"]
            sent["Content-Length"] = str(len(body))
        sent.update(headers or {})
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in sent.items()) + "\r\n"
        started = time.perf_counter()
        raw = await asyncio.wait_for(self._exchange(head.encode("latin-1") + body), self.timeout)
        elapsed = (time.perf_counter() - started) * 1000
        answer = parse(raw, elapsed)
        if session:
            self._keep_cookies(answer)
        return answer

    async def _exchange(self, data: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(data)
            await writer.drain()
            return await reader.read()  # to EOF: the server closes after the answer
        finally:
            writer.close()

    def _keep_cookies(self, answer: Response) -> None:
        for header in answer.headers.get("set-cookie", []):
            try:
                parsed = SimpleCookie(header)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    async def get(self, path: str, *, api: bool = False) -> Response:
        if api:
            return await self.request("GET", path, headers={"Accept": "application/json"}, session=False, api=True)
        return await self.request("GET", path)

    async def post_form(self, path: str, data: dict) -> Response:
        return await self.request("POST", path, body=urllib.parse.urlencode(data).encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})

    async def post_api(self, path: str, data: dict) -> Response:
        return await self.request("POST", path, body=json.dumps(data).encode(), session=False, api=True,
                                  headers={"Content-Type": "application/json", "Accept": "application/json"})

    async def sign_in(self, password: str) -> list[Response]:
        """The sign-in form (GET, then POST with its CSRF token), then an API token: three requests."""
        page = await self.get("/login/")
        match = CSRF_INPUT.search(page.text)
        if page.status != 200 or not match:
            raise StackError(f"GET /login/: {page.status}, no sign-in form")
        posted = await self.post_form("/login/", {"csrfmiddlewaretoken": match.group(1), "username": self.username,
                                                  "password": password})
        if posted.status != 302 or "sessionid" not in self.cookies:
            raise StackError(f"signing in as {self.username} failed: {posted.status} {posted.text[:300]!r} "
                             f"(the bench logins need the password {password!r}: bench_seed --customer-side)")
        token = await self.request("POST", "/api/v1/auth/token/", session=False,
                                   body=json.dumps({"username": self.username, "password": password}).encode(),
                                   headers={"Content-Type": "application/json", "Accept": "application/json"})
        if token.status != 200:
            raise StackError(f"token for {self.username}: {token.status} {token.text[:300]!r}")
        self.token = token.json()["token"]
        return [page, posted, token]


def parse(raw: bytes, elapsed_ms: float) -> Response:
    head, separator, body = raw.partition(b"\r\n\r\n")
    if not separator:
        raise OSError(f"incomplete answer ({len(raw)} bytes)")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict = {"set-cookie": []}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            headers["set-cookie"].append(value)
        else:
            headers[name] = value
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return Response(status, headers, body, elapsed_ms)


def _dechunk(data: bytes) -> bytes:
    out, position = bytearray(), 0
    while True:
        end = data.index(b"\r\n", position)
        size = int(data[position:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2:end + 2 + size]
        position = end + 2 + size + 2
