"""The text drawn in a PDF of ours (ReportLab's), to check what a letter says.

Streams are ASCII85- and Flate-encoded. Helvetica's strings are WinAnsi, the CID fonts'
UTF-16BE, and an embedded TrueType subset's are its own codes, read back through the
font's ToUnicode map.
"""

import base64
import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
_FONT_NAME = re.compile(rb"/Name /(F[0-9+]+)")
_TO_UNICODE = re.compile(rb"/ToUnicode (\d+) 0 R")
_OP = re.compile(rb"/(F[0-9+]+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
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


def _decoded(body: bytes) -> bytes:
    match = _STREAM.search(body)
    if not match:
        return b""
    stream = match.group(1)
    try:
        return zlib.decompress(base64.a85decode(stream.strip(), adobe=True))
    except (ValueError, zlib.error):
        try:
            return zlib.decompress(stream)
        except zlib.error:
            return stream


def pdf_text(data: bytes) -> str:
    """Every string the PDF draws, joined (one run after another)."""
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    objects = {int(number): body for number, body in _OBJECT.findall(data)}
    cid, maps = set(), {}
    for body in objects.values():
        name = _FONT_NAME.search(body)
        if not name:
            continue
        if b"/Type0" in body:
            cid.add(name.group(1))
        to_unicode = _TO_UNICODE.search(body)
        if to_unicode:
            cmap = _decoded(objects[int(to_unicode.group(1))])
            chars = b"".join(re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S))
            maps[name.group(1)] = {
                int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
                for code, text in _BFCHAR.findall(chars)
            }
    text, font = [], b""
    for body in objects.values():
        if b"stream" not in body or b"/Type /XObject" in body:
            continue
        for match in _OP.finditer(_decoded(body)):
            if match.group(1):
                font = match.group(1)
                continue
            raw = _unescape(match.group(2))
            if font in cid:
                text.append(raw.decode("utf-16-be"))
            elif font in maps:
                text.append("".join(maps[font].get(byte, "?") for byte in raw))
            else:
                text.append(raw.decode("cp1252"))
    return "".join(text)
