"""ISO 18626 messages per second, served as production serves them, against a bare ping.

A fresh database per backend (SQLite always; PostgreSQL when DATABASE_URL is set), with
our library, PARTNERS lenders (each with its secret) and REQUESTS borrowing requests sent
to them. granian serves ``bibliobridge.wsgi`` on loopback as production does (two workers
of one thread, keep-alive); ``--server gunicorn`` compares gunicorn's gthread workers, when
it is installed.
The client, in this process, keeps CONNECTIONS keep-alive connections busy with pre-built
messages: for each request its lender's ExpectToSupply, WillSupply and Loaned, in that
order (a request's messages never overlap), each validated, applied and committed by the
server before its confirmation comes back. Then, for the same time and connections, GET
/healthz (the whole middleware stack and nothing else: the "ping"). The two take turns,
ROUNDS of each (see ``measure``); the server's CPU time per message and per ping, and
the kernel's part of it, are reported beside the rates.

Afterwards every message is accounted for: the incoming messages stored, all OK, each
request shipped, none applied twice. Writes var/bench/ill_messages.json; exits non-zero
only on an error, never on a missed target (≥ 1,000 messages/s, ≥ half the ping's rate,
p99 ≤ 50 ms).
"""

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import create_postgres_database  # noqa: E402 (after sys.path)

RESULTS = ROOT / "var" / "bench" / "ill_messages.json"
SECRET = "bench-partner-secret-" + "s" * 24  # noqa: S105 (a throwaway database)
STATUSES = ("ExpectToSupply", "WillSupply", "Loaned")
TARGET_RATE, TARGET_SHARE, TARGET_P99_MS = 1000, 0.5, 50.0


# Pings before each timed phase, not counted.
WARM_UP_SECONDS = 1.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4, help="turns of messages and ping")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument(
        "--server",
        choices=["granian", "gunicorn"],
        default="granian",
        help="the WSGI server (gunicorn: only if installed; no longer a dependency)",
    )
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="one more argument for the server (e.g. --server-arg=-c --server-arg=hooks.py)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.backend:
        return child(args)
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "cpus": os.cpu_count(),
                               "targets": {"messages_per_second": TARGET_RATE, "share_of_ping": TARGET_SHARE,
                                           "p99_ms": TARGET_P99_MS}, "backends": {}}  # fmt: skip
    failed = False
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"ill-bench-{backend}-") as tmp:
            out = Path(tmp) / "result.json"
            command = [sys.executable, __file__, "--backend", backend, "--child-out", str(out),
                       "--requests", str(args.requests), "--partners", str(args.partners),
                       "--connections", str(args.connections), "--rounds", str(args.rounds),
                       "--workers", str(args.workers),
                       "--threads", str(args.threads), "--server", args.server,
                       *(f"--server-arg={arg}" for arg in args.server_arg)]  # fmt: skip
            code = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 (our own script)
            result = json.loads(out.read_text()) if out.exists() else {"errors": ["no result"]}
            results["backends"][backend] = result
            failed = failed or code != 0 or bool(result.get("errors"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    return 1 if failed else 0


def print_table(results: dict[str, Any]) -> None:
    for backend, result in results["backends"].items():
        print(f"\n{backend}: {result.get('setup', '')}")
        for name in ("messages", "ping"):
            row = result.get(name)
            if row:
                print(f"  {name:<9} {row['count']:>7} in {row['seconds']:>5.1f} s = {row['per_second']:>7.0f}/s  "
                      f"p50 {row['p50_ms']:.1f} ms  p99 {row['p99_ms']:.1f} ms  errors {row['errors']}  "
                      f"server CPU {row.get('server_cpu_ms', 0):.2f} ms each "
                      f"({row.get('server_system_ms', 0):.2f} system)")  # fmt: skip
        if "share_of_ping" in result:
            print(
                f"  messages/ping: {result['share_of_ping']:.2f}; accounted: {result.get('accounted')}"
            )
        if "log_mb" in result:
            print(f"  write-ahead log at the end: {result['log_mb']} MB")
        for error in result.get("errors", []):
            print(f"error: {error}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not listen on {port}")


def child(args: argparse.Namespace) -> int:
    tmp = tempfile.mkdtemp(prefix="ill-bench-var-")
    os.environ.update({"BIBLIOBRIDGE_VAR_DIR": tmp, "SECRET_KEY": "bench-only-secret-key",
                       "DJANGO_SETTINGS_MODULE": "bibliobridge.settings", "BIBLIOBRIDGE_HTTP": "1",
                       "ALLOWED_HOSTS": "127.0.0.1,localhost"})  # fmt: skip
    sys.path.insert(0, str(ROOT / "src"))
    drop = None
    if args.backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    else:
        drop = create_postgres_database()
    result: dict[str, Any] = {"errors": []}
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        ids = make_data(args)
        connections.close_all()
        port = free_port()
        server = subprocess.Popen(server_command(args, port), env=os.environ.copy())  # noqa: S603 (our venv's server)
        wait_for(port)
        bodies = make_bodies(ids, args)
        kind = "gthread" if args.server == "gunicorn" else "blocking threads"
        result["setup"] = (f"{args.requests} requests × {len(STATUSES)} messages, {args.partners} partners, "
                           f"{args.server} {args.workers}×{args.threads} {kind}, {args.connections} connections")  # fmt: skip
        result.update(measure(port, server.pid, bodies, args))
        result["share_of_ping"] = result["messages"]["per_second"] / result["ping"]["per_second"]
        result["accounted"] = account(len(ids))
        log = Path(tmp) / "bibliobridge.sqlite3-wal"
        if log.exists():  # the write-ahead log stays short under steady writes
            result["log_mb"] = round(log.stat().st_size / 1e6, 1)
    except Exception:
        result["errors"].append(traceback.format_exc())
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        if drop is not None:
            from django.db import connections

            connections.close_all()
            drop()
        shutil.rmtree(tmp, ignore_errors=True)
    args.child_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if result["errors"] else 0


def measure(port: int, pid: int, bodies: list[list[bytes]], args: argparse.Namespace) -> dict:
    """The messages and the ping in ROUNDS turns, so that both meet the machine as it is
    at about the same time (it is shared, and its speed drifts within a run): each turn
    posts every ROUNDS-th request's messages, then pings for as long. Each timed phase
    follows a second of pings that is not counted: the workers warmed up, and the count
    of pings begun clear of the messages' last commits and checkpoints (a ping counted
    from the first instant ran some 30% slower in a 3 s run than in a 22 s one)."""
    phases: dict[str, dict[str, Any]] = {
        name: {"latencies": [], "seconds": 0.0, "errors": [], "cpu": 0.0, "system": 0.0}
        for name in ("messages", "ping")
    }

    def timed(name: str, phase: Any) -> float:
        asyncio.run(ping_for(port, WARM_UP_SECONDS, args.connections))
        cpu_before, system_before = server_cpu_seconds(pid)
        latencies, seconds, errors = asyncio.run(phase)
        cpu_after, system_after = server_cpu_seconds(pid)
        kept = phases[name]
        kept["cpu"] += cpu_after - cpu_before
        kept["system"] += system_after - system_before
        kept["latencies"] += latencies
        kept["seconds"] += seconds
        kept["errors"] += errors
        return seconds

    for turn in range(args.rounds):
        took = timed("messages", post_all(port, bodies[turn :: args.rounds], args.connections))
        timed("ping", ping_for(port, took, args.connections))
    return {
        name: {**summary(phase["latencies"], phase["seconds"], phase["errors"]),
               "server_cpu_ms": round(phase["cpu"] / max(len(phase["latencies"]), 1) * 1000, 3),
               "server_system_ms": round(phase["system"] / max(len(phase["latencies"]), 1) * 1000, 3)}
        for name, phase in phases.items()
    }  # fmt: skip


def server_cpu_seconds(pid: int) -> tuple[float, float]:
    """The CPU time the server and its worker processes have used so far, from /proc
    (Linux): all of it (user and system), and the system's part; 0 where there is none
    to read."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    spent: dict[int, tuple[float, float]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or one that ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        user, system = int(fields[11]) / tick, int(fields[12]) / tick
        spent[int(entry.name)] = (user + system, system)
    tree = {pid}
    for _ in range(3):  # the server, its workers, and any process of theirs
        tree |= {child for child, parent in parents.items() if parent in tree}
    kept = [spent[member] for member in tree if member in spent]
    return sum(cpu for cpu, _ in kept), sum(system for _, system in kept)


def server_command(args: argparse.Namespace, port: int) -> list[str]:
    if args.server == "granian":
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(args.workers), "--blocking-threads",
                str(args.threads), "--log-level", "warning", "--working-dir", str(ROOT / "src"),
                *args.server_arg, "bibliobridge.wsgi:application"]  # fmt: skip
    # --pythonpath: this tree's code, not whichever tree the venv's editable install points
    # at (a git worktree shares the venv of the main checkout).
    return [str(Path(sys.executable).with_name("gunicorn")), "bibliobridge.wsgi:application",
            "--pythonpath", str(ROOT / "src"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--worker-class", "gthread", "--threads", str(args.threads), "--keep-alive", "30",
            "--log-level", "warning", "--reuse-port", *args.server_arg]  # fmt: skip


def make_data(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Our library, the partners, the requests sent to them: [(our request id, lender ISIL)]."""
    from django.utils import timezone

    from bibliobridge.ill.enums import Role, Service, State
    from bibliobridge.ill.models import IllPeer, IllRequest
    from bibliobridge.partners.models import Identifier, Institution

    home = Institution.objects.create(kind="national_library", name="书桥图书馆", country="CN",
                                      time_zone="Asia/Shanghai", is_home=True)  # fmt: skip
    Identifier.objects.create(institution=home, scheme="isil", value="CN-BENCH")
    partners = []
    for n in range(args.partners):
        partner = Institution.objects.create(kind="university_library", name=f"Bibliothek {n}",
                                             country="DE", time_zone="Europe/Berlin")  # fmt: skip
        Identifier.objects.create(institution=partner, scheme="isil", value=f"DE-B{n:04d}")
        IllPeer.objects.create(institution=partner,
                               secret_sha256=hashlib.sha256(SECRET.encode()).hexdigest())  # fmt: skip
        partners.append(partner)
    now = timezone.now()
    IllRequest.objects.bulk_create(
        IllRequest(
            role=Role.REQUESTER,
            service=Service.LOAN,
            state=State.SENT,
            our_id=f"BENCH-{i}",
            title=f"Book {i}",
            partner=partners[i % len(partners)],
            created_at=now,
            state_changed_at=now,
        )  # fmt: skip
        for i in range(args.requests)
    )
    return [(f"BENCH-{i}", f"DE-B{i % len(partners):04d}") for i in range(args.requests)]


def make_bodies(ids: list[tuple[str, str]], args: argparse.Namespace) -> list[list[bytes]]:
    """Per request, its lender's messages in order, each a whole HTTP request."""
    from bibliobridge.ill import iso18626 as proto

    start = dt.datetime.now(dt.UTC)
    requests = []
    for n, (our_id, isil) in enumerate(ids):
        sequence = []
        for k, status in enumerate(STATUSES):
            at = start + dt.timedelta(microseconds=n * 10 + k)
            message = proto.SupplyingAgencyMessage(
                header=proto.Header(
                    supplying_agency=proto.AgencyId("ISIL", isil),
                    requesting_agency=proto.AgencyId("ISIL", "CN-BENCH"),
                    timestamp=at, requesting_agency_request_id=our_id,
                    supplying_agency_request_id=f"{isil}-{n}",
                ),
                reason_for_message="RequestResponse" if k == 0 else "StatusChange",
                status=status, last_change=at,
                due_date=at + dt.timedelta(days=28) if status == "Loaned" else None,
            )  # fmt: skip
            body = proto.write(message, "1.2")
            head = (f"POST /iso18626 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SECRET}\r\n"
                    f"Content-Type: application/xml\r\nContent-Length: {len(body)}\r\n\r\n")  # fmt: skip
            sequence.append(head.encode() + body)
        requests.append(sequence)
    return requests


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes) -> bytes:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    return body


async def post_all(
    port: int, requests: list[list[bytes]], connections: int
) -> tuple[list[float], float, list[str]]:
    """Every request's messages, each request's in order: (latencies, seconds, errors)."""
    queue: asyncio.Queue = asyncio.Queue()
    for sequence in requests:
        queue.put_nowait(sequence)
    latencies: list[float] = []
    errors: list[str] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            for raw in queue.get_nowait():
                started = time.perf_counter()
                body = await exchange(reader, writer, raw)
                latencies.append(time.perf_counter() - started)
                if b"<messageStatus>OK</messageStatus>" not in body:
                    errors.append(body[:300].decode(errors="replace"))
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, time.perf_counter() - started, errors


async def ping_for(
    port: int, seconds: float, connections: int
) -> tuple[list[float], float, list[str]]:
    """GET /healthz for ``seconds``: (latencies, seconds, errors)."""
    raw = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await exchange(reader, writer, raw)
            latencies.append(time.perf_counter() - started)
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, time.perf_counter() - started, []


def summary(latencies: list[float], seconds: float, errors: list[str]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "count": len(ordered), "seconds": round(seconds, 2),
        "per_second": round(len(ordered) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2), "errors": len(errors), "error_samples": errors[:3],
    }  # fmt: skip


def account(requests: int) -> dict[str, Any]:
    """Every message stored once, OK, and every request where its messages took it."""
    from django.db.models import Count

    from bibliobridge.ill.enums import Direction, State
    from bibliobridge.ill.models import IllMessage, IllRequest

    incoming = IllMessage.objects.filter(direction=Direction.INCOMING)
    per_request = Counter(
        incoming.values("request").annotate(n=Count("id")).values_list("n", flat=True)
    )
    return {
        "messages_stored": incoming.count(),
        "messages_ok": incoming.filter(message_status="OK").count(),
        "expected": requests * len(STATUSES),
        "requests_shipped": IllRequest.objects.filter(state=State.SHIPPED).count(),
        "requests": requests,
        "messages_per_request": {str(k): v for k, v in per_request.items()},
        "complete": incoming.filter(message_status="OK").count() == requests * len(STATUSES)
        and IllRequest.objects.filter(state=State.SHIPPED).count() == requests,
    }


if __name__ == "__main__":
    sys.exit(main())
