"""Instructions one ISO 18626 message and one ping execute, counted by valgrind.

On a shared machine the CPU time of a call moves by a third from run to run (other
guests take the cores; bench/ill_receive.py's batches show it), which hides a change of a
few per cent. Instructions do not move: two runs of the same tree agree within 0.3 %. So a
change to the hot path is measured here, and bench/ill_messages.py says what it does to
the rate a server reaches.

Counted: the WSGI application, as the server calls it, over MESSAGES messages (each
request's ExpectToSupply, WillSupply and Loaned, as bench/ill_messages.py sends them), and
over as many pings (GET /healthz through every middleware), after 60 of each to warm up.
Only the user-space instructions of the process (valgrind's callgrind, collection switched
on around the counted calls), its checkpointer thread included; the kernel's work for
system calls is not counted.

Needs valgrind (Debian package ``valgrind``). Compare two trees by running this script
from each: ``PYTHONPATH=src .venv/bin/python bench/ill_instructions.py``.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument(
        "--child", nargs=3, metavar=("DIR", "KIND", "COUNT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        return child(Path(args.child[0]), args.child[1], int(args.child[2]))
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    prepared = Path(tempfile.mkdtemp(prefix="ill-instructions-"))
    try:
        prepare(prepared, args.messages)
        counts = {kind: count(prepared, kind, args.messages) for kind in ("message", "ping")}
    finally:
        shutil.rmtree(prepared, ignore_errors=True)
    for kind, per_call in counts.items():
        print(f"{kind:<8} {per_call:>12,.0f} instructions a call")
    print(f"message/ping {counts['message'] / counts['ping']:.3f}")
    return 0


def setup_django(var: Path) -> None:
    os.environ.update({"BIBLIOBRIDGE_VAR_DIR": str(var), "SECRET_KEY": "bench-only-secret-key",
                       "DJANGO_SETTINGS_MODULE": "bibliobridge.settings", "ALLOWED_HOSTS": "127.0.0.1"})  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    import django

    django.setup()


def requests_for(messages: int) -> argparse.Namespace:
    return argparse.Namespace(requests=(WARM + messages) // 3 + 1, partners=50)


def prepare(var: Path, messages: int) -> None:
    """The database with its requests, once: each count starts from a copy of it."""
    code = ("import sys; from bench import ill_instructions as b; "
            "b.prepare_here(__import__('pathlib').Path(sys.argv[1]), int(sys.argv[2]))")  # fmt: skip
    subprocess.run([sys.executable, "-c", code, str(var), str(messages)], cwd=ROOT, check=True)  # noqa: S603


def prepare_here(var: Path, messages: int) -> None:
    setup_django(var)
    import sqlite3

    from django.core.management import call_command
    from django.db import connections

    from bench import ill_messages

    call_command("migrate", verbosity=0)
    ids = ill_messages.make_data(requests_for(messages))
    connections.close_all()
    database = sqlite3.connect(var / "bibliobridge.sqlite3")
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    (var / "ids.json").write_text(json.dumps(ids))


def count(prepared: Path, kind: str, calls: int) -> float:
    """Instructions a call, from a copy of the prepared database."""
    var = Path(tempfile.mkdtemp(prefix="ill-instructions-run-"))
    try:
        for name in ("bibliobridge.sqlite3", "ids.json"):
            shutil.copy(prepared / name, var / name)
        out = var / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                   sys.executable, __file__, "--child", str(var), kind, str(calls)]  # fmt: skip
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        found = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode != 0 or found is None:
            raise RuntimeError(result.stderr[-2000:])
        return int(found.group(1)) / calls
    finally:
        shutil.rmtree(var, ignore_errors=True)


def child(var: Path, kind: str, calls: int) -> int:
    setup_django(var)
    from bench import ill_messages
    from bench.ill_receive import served

    ids = [tuple(pair) for pair in json.loads((var / "ids.json").read_text())]
    bodies = [raw.split(b"\r\n\r\n", 1)[1]
              for sequence in ill_messages.make_bodies(ids, requests_for(calls)) for raw in sequence]  # fmt: skip

    for body in bodies[:WARM]:
        served(body)
    for _ in range(WARM):
        served(b"", "/healthz", "GET")
    switch = ["callgrind_control", "--instr=on", str(os.getpid())]
    subprocess.run(switch, check=True, capture_output=True)  # noqa: S603, S607 (valgrind's own tool)
    if kind == "message":
        for body in bodies[WARM : WARM + calls]:
            if b"<messageStatus>OK</messageStatus>" not in served(body):
                raise RuntimeError("a message was not accepted")
    else:
        for _ in range(calls):
            served(b"", "/healthz", "GET")
    switch[1] = "--instr=off"
    subprocess.run(switch, check=True, capture_output=True)  # noqa: S603, S607
    return 0


if __name__ == "__main__":
    sys.exit(main())
