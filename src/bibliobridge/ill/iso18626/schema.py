"""``validate()``: a message against the official XSD of its version.

The XSDs are not shipped with the project: tests point at ``../shared/data/iso18626/xsd``
and production may point a setting at a copy. Each schema is loaded once per file and
kept; loading never touches the network, and the document is read as safely as any
message from a peer.
"""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from .codes import SCHEMA_FILES, VERSIONS
from .messages import ProtocolError
from .reader import load_xml

_lock = threading.Lock()
_schemas: dict[tuple[str, str], etree.XMLSchema] = {}


def schema(version: str, xsd_dir: Path) -> etree.XMLSchema:
    """The compiled XSD for ``version`` found in ``xsd_dir``, loaded once per folder."""
    key = (version, str(xsd_dir))
    found = _schemas.get(key)
    if found is not None:
        return found
    if version not in VERSIONS:
        raise ValueError(f"ISO 18626 version {version!r} is not one of {VERSIONS}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with _lock:
        if key not in _schemas:
            path = Path(xsd_dir) / SCHEMA_FILES[version]
            _schemas[key] = etree.XMLSchema(etree.parse(str(path), parser))
        return _schemas[key]


def validate(data: bytes, version: str, xsd_dir: Path) -> list[str]:
    """Every schema error in ``data`` for ``version`` ("line N: message"); [] when valid."""
    try:
        root = load_xml(data)
    except ProtocolError as error:
        return [error.detail]
    xsd = schema(version, xsd_dir)
    # An XMLSchema object keeps the last run's error log: one validation at a time.
    with _lock:
        if xsd.validate(root):
            return []
        return [f"line {e.line}: {e.message}" for e in xsd.error_log]
