"""The SRU server as YAZ's command-line client sees it, over HTTP on loopback."""

import shutil
import subprocess

import pytest

from .test_sru import catalogue  # noqa: F401 (a fixture)

YAZ_CLIENT = shutil.which("yaz-client")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        YAZ_CLIENT is None,
        reason="yaz-client is not installed (Debian package yaz, see bin/system-deps)",
    ),
]


def yaz(live_server, *commands: str) -> str:
    """What yaz-client prints for the commands, run against /sru."""
    script = "\n".join([f"open {live_server.url}/sru", *commands, "quit", ""])
    done = subprocess.run(  # noqa: S603 (a fixed program; the script is our own)
        [YAZ_CLIENT], input=script, capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def test_yaz_default_srw_finds_and_shows_marcxml(live_server, catalogue):  # noqa: F811
    # Without "sru", yaz-client speaks SRW (SOAP, version 1.2) to an http: target.
    out = yaz(live_server, "find dc.title=trains", "show 1")
    assert "Received SRW SearchRetrieve Response" in out
    assert "Number of hits: 2" in out
    assert "pos=1 schema=info:srw/schema/1/marcxml-v1.1" in out
    assert '<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Trains /' in out


@pytest.mark.parametrize("method", ["get 2.0", "post 2.0", "get 1.2", "post 1.1"])
def test_yaz_sru_methods_and_versions(live_server, catalogue, method):  # noqa: F811
    out = yaz(live_server, f"sru {method}", "find isbn=0804809674", "show 1")
    assert "Number of hits: 1" in out
    assert '<subfield code="a">Shadowings.</subfield>' in out
    holdings = (
        '<datafield tag="852" ind1=" " ind2=" "><subfield code="a">{}</subfield>'
        '<subfield code="n">{}</subfield></datafield>'
    )
    assert holdings.format("DE-Hil2", "DE") in out
    assert holdings.format("JP-1000001", "JP") in out


def test_yaz_chinese_and_japanese(live_server, catalogue):  # noqa: F811
    out = yaz(live_server, "sru get 2.0", "find title=臺灣", "show 1")
    assert "Number of hits: 1" in out
    assert "臺灣傳統版印" in out
    out = yaz(live_server, "find 日本近代化論 and dc.language=jpn", "show 1")
    assert "Number of hits: 1" in out
    assert "ヴェーバーの日本近代化論と宗教" in out


def test_yaz_dublin_core_and_paging(live_server, catalogue):  # noqa: F811
    out = yaz(live_server, "sru get 2.0", "schema dc", "find year<1900", "show 2+3")
    assert "Number of hits: 6" in out
    assert [line.split()[0] for line in out.splitlines() if line.startswith("pos=")] == [
        "pos=2",
        "pos=3",
        "pos=4",
    ]
    assert out.count("<srw_dc:dc ") == 3


def test_yaz_explain(live_server, catalogue):  # noqa: F811
    out = yaz(live_server, "sru get 2.0", "explain")
    assert "schema=http://explain.z3950.org/dtd/2.0/" in out
    assert '<name set="dc">title</name>' in out


@pytest.mark.parametrize("method", ["get 2.0", "get 1.2", "soap 1.2"])
def test_yaz_gets_diagnostics(live_server, catalogue, method):  # noqa: F811
    out = yaz(live_server, f"sru {method}", "find title=(pride", "find publisher=penguin")
    assert "SRW diagnostic info:srw/diagnostic/1/10" in out
    assert "Message: Query syntax error" in out
    assert "Details: expected a search term after the relation '=' (at character 7)" in out
    assert "SRW diagnostic info:srw/diagnostic/1/16" in out
    assert "Details: publisher" in out
