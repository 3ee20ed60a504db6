"""Where ../shared/data lives: real records written by others, read in place, never copied."""

import io
import os
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[4]
SHARED_DATA = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(relative: str) -> Path:
    """A file of the shared data; skips the calling test when it is absent."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"shared test data not present: {path} (set BIBLIOBRIDGE_SHARED_DATA)")
    return path


def offline_schema(files: dict[str, Path], resolver: etree.Resolver) -> etree.XMLSchema:
    """One schema importing each namespace's XSD from its local file (skips when absent);
    ``resolver`` answers what those XSDs import in turn, without the network."""
    for path in files.values():
        if not path.is_file():
            pytest.skip(f"shared test data not present: {path}")
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>'
        for ns, path in files.items()
    )
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="urn:x-test:wrapper">{imports}</xs:schema>'
    ).encode()
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(resolver)
    return etree.XMLSchema(etree.parse(io.BytesIO(wrapper), parser))
