"""The CPU one ISO 18626 message costs in one process, without HTTP: ``receive`` alone,
the WSGI application around it, and the ping (GET /healthz through every middleware).

The same data and messages as bench/ill_messages.py, on SQLite in a temporary directory.
Each figure is the CPU time (user + system) of the calling thread over 100 calls, divided
by 100 (the thread that checkpoints the log is left out: its work would land in whichever
batch it ran beside); the best and median of the batches are reported, since CPU time
moves less than the wall clock on a machine others share. Compare two trees by running this script from each, in turns.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

BATCH = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--partners", type=int, default=50)
    args = parser.parse_args()
    os.environ.update({"BIBLIOBRIDGE_VAR_DIR": tempfile.mkdtemp(prefix="ill-receive-"),
                       "SECRET_KEY": "bench-only-secret-key", "DJANGO_SETTINGS_MODULE": "bibliobridge.settings",
                       "ALLOWED_HOSTS": "127.0.0.1"})  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from bench import ill_messages
    from bibliobridge.ill.receive import Caller, receive

    call_command("migrate", verbosity=0)
    ids = ill_messages.make_data(args)
    bodies = [raw.split(b"\r\n\r\n", 1)[1] for sequence in ill_messages.make_bodies(ids, args)
              for raw in sequence]  # fmt: skip
    third = len(bodies) // 3
    caller = Caller("127.0.0.1", ill_messages.SECRET)

    for body in bodies[:30]:  # warm: caches, prepared statements, imports
        receive(body, caller)
    rows = [
        ("receive", cpu_per_call(lambda body: receive(body, caller), bodies[30:third])),
        ("WSGI message", cpu_per_call(served, bodies[third : 2 * third])),
        ("WSGI ping", cpu_per_call(lambda _body: served(b"", "/healthz", "GET"), bodies[:third])),
    ]
    for name, (best, median) in rows:
        print(f"{name:<14} best {best:.3f} ms  median {median:.3f} ms CPU per call")
    return 0


def served(body: bytes, path: str = "/iso18626", method: str = "POST") -> bytes:
    """What the WSGI application answers a request, called as a WSGI server calls it (a
    partner's POST with its secret, or the ping: ``served(b"", "/healthz", "GET")``)."""
    from bench import ill_messages
    from bibliobridge import wsgi

    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/xml",
               "HTTP_AUTHORIZATION": f"Bearer {ill_messages.SECRET}", "REMOTE_ADDR": "127.0.0.1",
               "wsgi.url_scheme": "http", "SCRIPT_NAME": "", "QUERY_STRING": "",
               "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.errors": sys.stderr}  # fmt: skip
    response = wsgi.application(environ, lambda status, headers, exc_info=None: None)
    content = b"".join(response)
    if hasattr(response, "close"):  # as a WSGI server does (Django's sends request_finished)
        response.close()
    return content


def cpu_per_call(call: Callable[[Any], object], items: Iterable[Any]) -> tuple[float, float]:
    """(best, median) CPU milliseconds per call over batches of BATCH calls."""
    items = list(items)
    batches = []
    for start in range(0, len(items) - BATCH + 1, BATCH):
        before = time.thread_time()
        for item in items[start : start + BATCH]:
            call(item)
        batches.append((time.thread_time() - before) / BATCH * 1000)
    return min(batches), statistics.median(batches)


if __name__ == "__main__":
    sys.exit(main())
