"""A mock ISO 18626 lender: a real HTTP server on loopback, for tests, benchmarks and demos.

It answers every message with a confirmation and then, as a real lender would, posts its
own status messages to the requester's ISO 18626 address. What it does is chosen by a
scenario word in the request: the ``supplierUniqueRecordId``, or a word in the title or
the service note (``loaned``, ``unfilled`` ...; see SCENARIOS). The requester's actions
are answered as a willing lender would: a cancel is agreed, a renewal granted for four
weeks, a returned item checked in.

    bibliobridge ill_mockpeer --port 8626 --agency ISIL:XX-MOCK \\
        --requester-url http://127.0.0.1:8000/iso18626 --secret <our secret for it>

It stands for a partner's server, so it calls the requester with httpx directly, not
through the product's guarded client (which refuses loopback addresses by design).
"""

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from . import iso18626 as proto

# Scenario word → the statuses the lender sends after confirming the request.
SCENARIOS: dict[str, list[str]] = {
    "loaned": ["WillSupply", "Loaned"],
    "will-supply-then-loaned": ["ExpectToSupply", "WillSupply", "Loaned"],
    "unfilled": ["Unfilled"],
    "copy-completed": ["WillSupply", "CopyCompleted"],
    "retry-cost": ["RetryPossible"],
    "error": [],  # the request is refused with an ERROR confirmation
    "http500": [],  # the server fails: HTTP 500, no confirmation
    "slow": ["WillSupply", "Loaned"],  # confirmed after SLOW_SECONDS
    "silent": [],  # confirmed, and then nothing
}
DEFAULT = "loaned"
SLOW_SECONDS = 3.0
LOAN_WEEKS = 4


@dataclass
class Peer:
    agency: proto.AgencyId
    requester_url: str
    secret: str = ""  # sent as a Bearer token to the requester
    version: str = "1.2"
    pause: float = 0.05  # between the statuses it sends
    log: list[tuple[str, str]] = field(default_factory=list)  # (kind, status or action) in and out
    threads: list[threading.Thread] = field(default_factory=list)

    def scenario(self, request: proto.Request) -> str:
        words = " ".join(
            (
                request.bibliographic.supplier_unique_record_id,
                request.bibliographic.title,
                request.service.note,
            )
        ).lower()
        return next((word for word in SCENARIOS if word in words.split()), DEFAULT)

    def handle(self, body: bytes) -> tuple[int, bytes]:
        """(HTTP status, answer) for one posted message."""
        now = dt.datetime.now(dt.UTC)
        try:
            version, message = proto.parse(body)
        except proto.ProtocolError as error:
            return 200, proto.confirm(error.kind, error.header, error.version, now, error)
        self.log.append(("in", message.kind + ":" + _what(message)))
        if isinstance(message, proto.Request):
            scenario = self.scenario(message)
            if scenario == "http500":
                return 500, b"Internal Server Error"
            if scenario == "error":
                refusal = proto.UnrecognisedDataValue("mock peer: scenario error", kind="request")
                return 200, proto.confirm("request", message.header, version, now, refusal)
            if scenario == "slow":
                time.sleep(SLOW_SECONDS)
            self._later(message.header, SCENARIOS[scenario])
            return 200, proto.confirm("request", message.header, version, now)
        if isinstance(message, proto.RequestingAgencyMessage):
            replies = {
                "Cancel": [("CancelResponse", "Cancelled", True)],
                "Renew": [("RenewResponse", "Loaned", True)],
                "ShippedReturn": [("StatusChange", "LoanCompleted", None)],
            }.get(message.action, [])
            self._later(message.header, replies)
            return 200, proto.confirm(
                message.kind, message.header, version, now, action=message.action
            )
        return 200, proto.confirm(message.kind, message.header, version, now,
                                  reason_for_message=message.reason_for_message)  # fmt: skip

    def _later(self, header: proto.Header, replies: list) -> None:
        if not replies:
            return
        thread = threading.Thread(target=self._send_all, args=(header, replies), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _send_all(self, header: proto.Header, replies: list) -> None:
        for index, reply in enumerate(replies):
            reason, status, answer = (
                reply if isinstance(reply, tuple)
                else ("RequestResponse" if index == 0 else "StatusChange", reply, None)
            )  # fmt: skip
            time.sleep(self.pause)
            self.send(header, reason, status, answer)

    def send(self, header: proto.Header, reason: str, status: str, answer: bool | None) -> None:
        now = dt.datetime.now(dt.UTC)
        message = proto.SupplyingAgencyMessage(
            header=proto.Header(
                supplying_agency=self.agency,
                requesting_agency=header.requesting_agency,
                timestamp=now,
                requesting_agency_request_id=header.requesting_agency_request_id,
                supplying_agency_request_id="MOCK-" + header.requesting_agency_request_id,
            ),
            reason_for_message=reason,
            status=status,
            last_change=now,
            answer_yes_no=answer,
            due_date=now + dt.timedelta(weeks=LOAN_WEEKS) if status == "Loaned" else None,
            offered_costs=(
                proto.Costs(Decimal("15.00"), "EUR") if status == "RetryPossible" else None
            ),
            reason_retry="CostExceedsMaxCost" if status == "RetryPossible" else "",
            reason_unfilled="NotOnShelf" if status == "Unfilled" else "",
        )
        headers = {"Content-Type": "application/xml"}
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        self.log.append(("out", f"{message.kind}:{status}"))
        try:
            httpx.post(self.requester_url, content=proto.write(message, self.version),
                       headers=headers, timeout=10)  # fmt: skip
        except httpx.HTTPError as error:
            self.log.append(("error", str(error)))

    def wait(self, timeout: float = 10.0) -> None:
        """Until every status it meant to send is sent (tests)."""
        deadline = time.monotonic() + timeout
        for thread in list(self.threads):
            thread.join(max(deadline - time.monotonic(), 0))


def _what(message: proto.Message) -> str:
    if isinstance(message, proto.Request):
        return message.service.request_type or "New"
    if isinstance(message, proto.RequestingAgencyMessage):
        return message.action
    return message.status


def serve(peer: Peer, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A started server for the peer (port 0: any free port); stop it with shutdown()."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            length = int(self.headers.get("Content-Length") or 0)
            status, answer = peer.handle(self.rfile.read(min(length, proto.MAX_BYTES + 1)))
            self.send_response(status)
            self.send_header("Content-Type", "application/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
