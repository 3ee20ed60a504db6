"""Two Bibliobridge instances on loopback, each with its own database, lend to each other.

Instance A is this test process (its test database, its live server); instance B is a
second Bibliobridge: its own SQLite database in a temporary folder, its own server
process, its staff's actions run by ``bibliobridge shell`` against its database. A
borrows a book from B and gets a copy from B, end to end, over ISO 18626.
"""

import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bibliobridge.ill import outbox, services
from bibliobridge.ill.enums import Role, Service, State
from bibliobridge.ill.models import IllPeer, IllRequest
from bibliobridge.partners.enums import EndpointKind, IdentifierScheme
from bibliobridge.partners.models import Endpoint, Identifier
from bibliobridge.partners.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db(transaction=True)
BIN = Path(sys.executable).with_name("bibliobridge")
A_SECRET, B_SECRET = "a-gives-this-to-b-" + "1" * 20, "b-gives-this-to-a-" + "2" * 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class InstanceB:
    def __init__(self, root: Path, a_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/iso18626"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "bibliobridge.settings",
            "SECRET_KEY": "instance-b-" + "x" * 40,
            "BIBLIOBRIDGE_VAR_DIR": str(root),
            "BIBLIOBRIDGE_OUTBOUND_ALLOW_PRIVATE": "1",
            "BIBLIOBRIDGE_HTTP": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        self.run("migrate", "--verbosity", "0")
        self.shell(f"""
from bibliobridge.partners.models import Institution, Identifier, Endpoint
from bibliobridge.ill.models import IllPeer
home = Institution.objects.create(kind="university_library", name="Bibliothek B", country="DE",
                                  time_zone="Europe/Berlin", is_home=True)
Identifier.objects.create(institution=home, scheme="isil", value="DE-B")
a = Institution.objects.create(kind="national_library", name="图书馆 A", country="CN",
                               time_zone="Asia/Shanghai")
Identifier.objects.create(institution=a, scheme="isil", value="CN-A")
Endpoint.objects.create(institution=a, kind="iso18626", url="{a_url}", version="2021-2")
IllPeer.objects.create(institution=a, secret_sha256="{_sha(A_SECRET)}",
                       outbound_secret="{B_SECRET}")
""")
        self.server = subprocess.Popen(  # noqa: S603 (our own console script)
            [str(BIN), "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("instance B did not start")

    def run(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own console script)
            [str(BIN), *args], env=self.env, capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def shell(self, code: str) -> str:
        """What the code prints, run in B's shell (its last line: what it printed last)."""
        lines = self.run("shell", "--no-imports", "-c", code).strip().splitlines()
        return lines[-1] if lines else ""

    def act(self, their_id: str, event: str, **details: str) -> str:
        """B's staff act on A's request (B knows it by A's id); then B's outbox is sent."""
        return self.shell(f"""
import datetime as dt
from bibliobridge.ill import services, outbox
from bibliobridge.ill.models import IllRequest
request = IllRequest.objects.get(their_id="{their_id}")
details = {{k: dt.date.fromisoformat(v) if k == "due_date" else v for k, v in {details!r}.items()}}
services.transition(request, "{event}", None, details)
while outbox.send_due():
    pass
print(IllRequest.objects.get(pk=request.pk).state)
""").strip()

    def state_of(self, their_id: str) -> str:
        return self.shell(f"""
from bibliobridge.ill.models import IllRequest
print(IllRequest.objects.get(their_id="{their_id}").state)
""").strip()

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(10)


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@pytest.fixture
def instances(live_server, tmp_path, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    b = InstanceB(tmp_path / "b", f"{live_server.url}/iso18626")
    home = InstitutionFactory(is_home=True, country="CN", time_zone="Asia/Shanghai")
    Identifier.objects.create(institution=home, scheme=IdentifierScheme.ISIL, value="CN-A")
    partner = InstitutionFactory(country="DE")
    Identifier.objects.create(institution=partner, scheme=IdentifierScheme.ISIL, value="DE-B")
    Endpoint.objects.create(institution=partner, kind=EndpointKind.ISO18626, url=b.url,
                            version="1.2")  # fmt: skip
    IllPeer.objects.create(institution=partner, secret_sha256=_sha(B_SECRET),
                           outbound_secret=A_SECRET)  # fmt: skip
    yield b, partner
    b.stop()


def wait_for(request: IllRequest, state: str) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        request.refresh_from_db()
        if request.state == state:
            break
        time.sleep(0.1)
    return request.state


def send() -> None:
    while outbox.send_due():
        pass


def test_a_loan_and_a_copy_between_two_instances(instances, ill_staff):
    b, lender = instances
    loan = services.create_request(ill_staff, Role.REQUESTER, service=Service.LOAN,
                                   title="Der Zauberberg", author="Mann, Thomas")  # fmt: skip
    copy = services.create_request(ill_staff, Role.REQUESTER, service=Service.COPY,
                                   title="Nature", article_title="Double helix", pages="737-738")  # fmt: skip
    for request in (loan, copy):
        services.add_lender(ill_staff, request, lender, "test")
        services.transition(request, "submit", ill_staff)
    send()
    # B took both in, as lending requests it must answer.
    assert b.state_of(loan.our_id) == State.NEW and b.state_of(copy.our_id) == State.NEW

    assert b.act(loan.our_id, "will_supply") == State.WILL_SUPPLY
    assert b.act(loan.our_id, "ship", due_date="2027-03-01") == State.SHIPPED
    assert wait_for(loan, State.SHIPPED) == State.SHIPPED
    assert str(loan.due_date) == "2027-03-01" and loan.their_id
    services.transition(loan, "receive", ill_staff)
    services.transition(loan, "return", ill_staff)
    send()
    assert b.state_of(loan.our_id) == State.RETURN_SHIPPED
    assert b.act(loan.our_id, "check_in") == State.COMPLETED
    assert wait_for(loan, State.COMPLETED) == State.COMPLETED

    assert b.act(copy.our_id, "deliver_copy") == State.COMPLETED
    assert wait_for(copy, State.COMPLETED) == State.COMPLETED
    # Each side kept every message; B wrote 2021-2 to A, A wrote 1.2 to B.
    versions = {(m.direction, m.version) for m in loan.messages.all()}
    assert versions == {("out", "1.2"), ("in", "2021-2")}
    assert not loan.messages.exclude(message_status="OK").exists()
