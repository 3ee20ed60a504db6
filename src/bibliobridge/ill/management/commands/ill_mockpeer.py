"""Run a mock ISO 18626 lender on loopback (see ill.mockpeer)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill.mockpeer import SCENARIOS, Peer, serve


class Command(BaseCommand):
    help = "Run a mock ISO 18626 lender on loopback, driven by scenario words in requests."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8626)
        parser.add_argument("--agency", default="ISIL:XX-MOCK", help="TYPE:VALUE it answers as")
        parser.add_argument("--requester-url", required=True,
                            help="where it posts its status messages (our /iso18626)")  # fmt: skip
        parser.add_argument("--secret", default="", help="Bearer token it sends the requester")
        parser.add_argument("--protocol-version", default="1.2", choices=proto.VERSIONS,
                            help="ISO 18626 version it writes")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        kind, _, value = options["agency"].partition(":")
        if not value:
            raise CommandError("--agency takes TYPE:VALUE, e.g. ISIL:XX-MOCK")
        peer = Peer(proto.AgencyId(kind, value), options["requester_url"], options["secret"],
                    options["protocol_version"])  # fmt: skip
        server = serve(peer, port=options["port"])
        self.stdout.write(
            f"Mock ISO 18626 peer {kind}:{value} on http://127.0.0.1:{server.server_port}/ "
            f"(scenarios: {', '.join(SCENARIOS)}); Ctrl-C stops it."
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.shutdown()
