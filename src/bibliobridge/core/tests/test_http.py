import http.server as stdlib_http_server
import threading

import pytest

from bibliobridge.core import http


@pytest.fixture
def local_server():
    class Handler(stdlib_http_server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args):
            pass

    server = stdlib_http_server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_loopback_is_refused_by_default(local_server, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with http.client() as client, pytest.raises(http.OutboundRefused, match="127.0.0.1"):
        client.get(local_server)


@pytest.mark.parametrize(
    "url", ["http://10.1.2.3/", "http://192.168.0.1/", "http://[::1]/", "http://169.254.169.254/"]
)
def test_private_and_metadata_addresses_are_refused(url, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    with http.client() as client, pytest.raises(http.OutboundRefused):
        client.get(url)


def test_loopback_allowed_when_settings_say_so(local_server, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    with http.client() as client:
        assert client.get(local_server).text == "hello"


def test_client_has_timeouts():
    with http.client() as client:
        assert client.timeout.read == 15


def test_the_process_environment_a_server_copies_into_a_request_is_taken_out(monkeypatch):
    from bibliobridge import wsgi

    monkeypatch.setattr(
        wsgi,
        "PROCESS_ENV",
        (("DATABASE_URL", "postgres://bb:secret@db/bb"), ("HTTP_PROXY", "http://proxy:3128")),
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "DATABASE_URL": "postgres://bb:secret@db/bb",  # copied by the server
        "HTTP_PROXY": "http://proxy:3128",  # copied: no header of the request's
        "HTTP_ACCEPT_LANGUAGE": "zh-hans",
    }
    wsgi.without_process_env(environ)
    assert environ == {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/healthz",
        "HTTP_ACCEPT_LANGUAGE": "zh-hans",
    }
    assert "REQUEST_METHOD" in wsgi.REQUEST_KEYS
