"""B2: requests a second of a signed-in page against `/health`, through gunicorn as `make run`
starts it (the Procfile's command: `onedoor.wsgi`, `WEB_WORKERS` sync workers, default 2,
with the demo's settings), on 127.0.0.1, 8 client threads on loopback.

The signed-in page is `/search/`, "Find a child" before anything is asked: its view reads
nothing, so the page's cost is what every signed-in page pays (the session, the user, the
middleware, the base template), and its queries are exactly the session's, the user's (with
their organisation) and, once verified, the second factor's (`tests/test_signed_in_page.py`).
`/health` reads the database and the heartbeats.
Each round measures both for a fixed time, in turn; the ratio is of the summed rounds.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from onedoor.bench.harness import Context
from onedoor.bench.measure import Row

CLIENTS = 8
SIGNED_IN_PAGE = "/search/"
HEALTH = "/health"
SECONDS = 3.0  # each measurement's length, per round


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_environment(database: Any) -> dict[str, str]:
    if "sqlite" in database["ENGINE"]:
        return {"SQLITE_PATH": str(database["NAME"])}
    user, password = database.get("USER", ""), database.get("PASSWORD", "")
    host, port = database.get("HOST", "") or "127.0.0.1", database.get("PORT", "") or "5432"
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return {"DATABASE_URL": f"postgres://{credentials}{host}:{port}/{database['NAME']}"}


def _start(port: int, database: Any) -> subprocess.Popen[bytes]:
    from django.conf import settings

    environment = {
        key: value for key, value in os.environ.items() if key not in {"ONEDOOR_TESTING"}
    }
    environment.update(
        {
            "DEMO_MODE": "true",
            "DJANGO_SETTINGS_MODULE": "onedoor.settings",
            "SECRET_KEY": settings.SECRET_KEY,  # the bench's sessions are signed with it
            "ALLOWED_HOSTS": "127.0.0.1",
            **_database_environment(database),
        }
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    workers = os.environ.get("WEB_WORKERS", "2")
    command = [str(gunicorn), "onedoor.wsgi", "--bind", f"127.0.0.1:{port}"]
    return subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
        [*command, "--workers", workers],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _get(port: int, path: str, cookie: str) -> tuple[int, SimpleCookie]:
    """The answer's status and the cookies it sets."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        jar = SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
        return response.status, jar
    finally:
        connection.close()


def _browser_cookies(port: int, session_cookie: str) -> str:
    """The session cookie and the CSRF cookie the page sets, as a browser sends them back
    (without it, every request would make and set a new CSRF secret)."""
    from django.conf import settings

    _, jar = _get(port, SIGNED_IN_PAGE, session_cookie)
    csrf = jar[settings.CSRF_COOKIE_NAME].value
    return f"{session_cookie}; {settings.CSRF_COOKIE_NAME}={csrf}"


def _wait_until_serving(port: int) -> None:
    for _ in range(300):
        try:
            _get(port, HEALTH, "")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("benchmark: gunicorn did not start")


def _requests_per_second(port: int, path: str, cookie: str, seconds: float) -> float:
    counts = [0] * CLIENTS
    failures: list[int] = []
    stop_at = time.perf_counter() + seconds

    def client(number: int) -> None:
        while time.perf_counter() < stop_at:
            status, _ = _get(port, path, cookie)
            if status != 200:
                failures.append(status)
                return
            counts[number] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"benchmark: {path} answered {failures[0]}, not 200")
    return sum(counts) / elapsed


def run(context: Context) -> list[Row]:
    from django.conf import settings

    client = context.client_as("triage")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = _free_port()
    server = _start(port, context.database)
    try:
        _wait_until_serving(port)
        context.beat()
        cookie = _browser_cookies(port, cookie)
        for path, sent in ((HEALTH, ""), (SIGNED_IN_PAGE, cookie)):  # warm every worker
            _requests_per_second(port, path, sent, 1.0)
        rounds = max(2, min(5, context.repeat))
        health: list[float] = []
        page: list[float] = []
        for _ in range(rounds):
            context.beat()
            health.append(_requests_per_second(port, HEALTH, "", SECONDS))
            page.append(_requests_per_second(port, SIGNED_IN_PAGE, cookie, SECONDS))
    finally:
        server.terminate()
        server.wait(timeout=30)
    health_rate, page_rate = sum(health) / rounds, sum(page) / rounds
    return [
        Row(
            "B2",
            f"{SIGNED_IN_PAGE} req/s / /health req/s, gunicorn",
            page_rate / health_rate,
            "ratio",
            (">=", 0.5),
        ),
        Row("B2", f"{SIGNED_IN_PAGE} signed in, {CLIENTS} clients", page_rate, "req/s"),
        Row("B2", f"/health, {CLIENTS} clients", health_rate, "req/s"),
    ]
