"""The text drawn in a PDF of ours (ReportLab's), to check what a letter says.

Pages are ASCII85- and Flate-encoded; Helvetica strings are WinAnsi, the CID fonts'
UTF-16BE.
"""

import base64
import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_FONT_NAME = re.compile(rb"/Name /(F\d+)")
_OP = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            nxt = raw[i + 1 : i + 2]
            out += _ESCAPES.get(nxt, nxt)
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """Every string the PDF draws, joined (one run after another)."""
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    cid = set()
    for obj in re.findall(rb"obj\s*<<(.*?)>>\s*endobj", data, re.S):
        name = _FONT_NAME.search(obj)
        if name and b"/Type0" in obj:
            cid.add(name.group(1))
    text, font = [], b""
    for stream in _STREAM.findall(data):
        try:
            content = zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
        except (ValueError, zlib.error):
            try:
                content = zlib.decompress(stream)
            except zlib.error:
                continue
        for match in _OP.finditer(content):
            if match.group(1):
                font = match.group(1)
                continue
            raw = _unescape(match.group(2))
            text.append(raw.decode("utf-16-be") if font in cid else raw.decode("cp1252"))
    return "".join(text)
