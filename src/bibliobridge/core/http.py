"""The one outbound HTTP client. Every call to a partner's server goes through it.

It has timeouts, identifies itself, and refuses private, loopback, link-local and
reserved addresses (so a partner-supplied URL cannot reach our own network) unless
settings.OUTBOUND_ALLOW_PRIVATE is set, as it is for tests against a local mock peer.
"""

import ipaddress
import socket

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class OutboundRefused(httpx.RequestError):
    """The address is not one we may call."""


def _check_address(host: str, port: int) -> None:
    if settings.OUTBOUND_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise OutboundRefused(
            str(_("The host name %(host)s does not resolve.") % {"host": host})
        ) from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise OutboundRefused(
                str(
                    _("Calls to the private or local address %(address)s are not allowed.")
                    % {"address": address}
                )
            )


def _on_request(request: httpx.Request) -> None:
    if request.url.scheme not in {"http", "https"}:
        raise OutboundRefused(str(_("Only http and https addresses can be called.")))
    _check_address(
        request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)
    )


def client(**kwargs) -> httpx.Client:
    """An httpx.Client with our timeouts and the address guard on every request."""
    kwargs.setdefault("timeout", httpx.Timeout(settings.OUTBOUND_TIMEOUT_SECONDS))
    kwargs.setdefault("headers", {"User-Agent": "Bibliobridge/0.1"})
    kwargs.setdefault("follow_redirects", False)
    kwargs["event_hooks"] = {
        "request": [_on_request, *kwargs.get("event_hooks", {}).get("request", [])]
    }
    return httpx.Client(**kwargs)
