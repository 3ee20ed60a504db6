"""ISO 2709 records from a byte stream, in constant memory, without pymarc objects.

A record is cut by the length in its leader; when that length is wrong the reader
resyncs at the next record terminator (0x1D). The directory is read with one regex and
only the fields the mapping needs are decoded.
"""

import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from . import charsets, problems
from .normalise import marc21, marc21_kind, unimarc, unimarc_flavour, unimarc_kind
from .record import Flavour, Kind, NormalisedRecord, RecordProblem
from .source import MARC21_TAGS, UNIMARC_TAGS, Source

CHUNK = 1 << 20
RT = 0x1D  # record terminator
# Whether a directory has an entry for a tag: whole 12-character entries, then the tag.
_HAS_245 = re.compile(r"(?:.{12})*?245", re.S)
_HAS_200 = re.compile(r"(?:.{12})*?200", re.S)
_HAS_008 = re.compile(r"(?:.{12})*?008", re.S)
_DIRECTORY = re.compile(r"(?:...\d{9})+", re.S)
_MARC8_LIKE = re.compile(rb"[\xe0-\xfe][A-Za-z]")
_VALID_INDICATOR = frozenset("0123456789abcdefghijklmnopqrstuvwxyz |")
_VALID_INDICATORS = frozenset(a + b for a in _VALID_INDICATOR for b in _VALID_INDICATOR)
_SUBFIELD = re.compile("\x1f([^\x1f])([^\x1f]*)")
_UNIMARC_CHARSETS = {"50": "utf-8", "03": "iso-5426", "89": "cp1251", "99": "cp866", "79": "koi8-r"}
_UNIMARC_FAMILY = (Flavour.UNIMARC, Flavour.CNMARC, Flavour.RUSMARC)


class Reader:
    """Cuts a stream into records and maps each; remembers what the file is so far."""

    def __init__(self, stream: BinaryIO, head: bytes, flavour: str | None = None) -> None:
        self.stream = stream
        self.buf = head
        self.pos = 0
        self.base = 0  # file offset of buf[0]
        self.eof = False
        self.number = 0
        self.hint = flavour
        self.family = flavour  # the last record's flavour, for records that do not say

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            self.base += self.pos
            self.buf = self.buf[self.pos :] + chunk
            self.pos = 0
        else:
            self.buf += chunk
        return True

    def __iter__(self) -> Iterator[NormalisedRecord | RecordProblem]:
        while True:
            buf = self.buf
            pos = self.pos
            # Skip what some exports put between records: newlines, spaces, NULs.
            while pos < len(buf) and buf[pos] in b"\r\n\t \x00\x1a":
                pos += 1
            self.pos = pos
            if len(buf) - pos < 24 and self._fill():
                continue
            if pos >= len(buf):
                return
            chunk, problem, mismatch = self._cut()
            if problem is not None:
                yield problem
                continue
            if chunk is None:
                return
            offset, raw = chunk
            yield self.parse(raw, offset, mismatch)

    def _cut(self):
        """The next record's bytes, or a problem; advances past it."""
        self.number += 1
        head = self.buf[self.pos : self.pos + 5]
        declared = int(head) if head.isdigit() else None
        if declared is not None and declared > 24:
            while len(self.buf) - self.pos < declared and self._fill():
                pass
            end = self.pos + declared
            if end <= len(self.buf) and self.buf[end - 1] == RT:
                offset = self.base + self.pos
                raw = self.buf[self.pos : end]
                self.pos = end
                return (offset, raw), None, None
        # The length is wrong: the record ends at the next terminator, if there is one.
        term = self.buf.find(b"\x1d", self.pos)
        while term < 0 and self._fill():
            term = self.buf.find(b"\x1d", self.pos)
        offset = self.base + self.pos
        if term < 0:
            rest = len(self.buf) - self.pos
            self.pos = len(self.buf)
            if declared is None and not head[:1].isdigit():
                return None, self._problem(problems.TRAILING_GARBAGE, offset, length=rest), None
            if declared is not None and declared > rest:
                code = problems.TRUNCATED_RECORD
                return None, self._problem(code, offset, declared=declared, actual=rest), None
            return (
                None,
                self._problem(
                    problems.BAD_RECORD_LENGTH,
                    offset,
                    value=head.decode("latin-1"),
                    resync=offset + rest,
                ),
                None,
            )
        raw = self.buf[self.pos : term + 1]
        self.pos = term + 1
        if declared is None:
            value = head.decode("latin-1")
            return (
                None,
                self._problem(
                    problems.BAD_RECORD_LENGTH, offset, value=value, resync=offset + len(raw)
                ),
                None,
            )
        return (offset, raw), None, (declared, len(raw))

    def _problem(self, code: str, offset: int, **params: object) -> RecordProblem:
        return RecordProblem(
            number=self.number,
            offset=offset,
            code=code,
            params={"number": self.number, "offset": offset, **params},
        )

    # --- one record ---------------------------------------------------------------------

    def parse(self, raw: bytes, offset: int, mismatch) -> NormalisedRecord | RecordProblem:
        if len(raw) < 26:
            return self._problem(problems.BAD_LEADER, offset, leader=raw[:24].decode("latin-1"))
        base_field = raw[12:17]
        if not base_field.isdigit() or not 25 <= int(base_field) <= len(raw):
            return self._problem(
                problems.BAD_BASE_ADDRESS, offset, value=base_field.decode("latin-1")
            )
        base = int(base_field)
        dir_end = base - 1
        if raw[dir_end] != 0x1E or (dir_end - 24) % 12:
            # Some writers get the base address wrong by a byte or two; trust the terminator.
            found = raw.find(b"\x1e", 24)
            if found < 0 or (found - 24) % 12:
                return self._problem(problems.BROKEN_DIRECTORY, offset, length=dir_end - 24)
            dir_end = found
            base = found + 1
        directory = raw[24:dir_end].decode("latin-1")
        if not _DIRECTORY.fullmatch(directory):
            return self._problem(problems.BROKEN_DIRECTORY, offset, length=dir_end - 24)

        leader = raw[:24].decode("latin-1")
        steps = range(0, len(directory), 12)
        flavour = self._flavour(directory)
        family_unimarc = flavour in _UNIMARC_FAMILY
        kind = unimarc_kind(leader) if family_unimarc else marc21_kind(leader)
        wanted = UNIMARC_TAGS if family_unimarc else MARC21_TAGS

        limit = len(raw)
        body = raw[base:]
        # Plain ASCII (most records): cut the fields from the text, no decoder needed.
        plain = body.isascii() and b"\x1b" not in body
        source: str | bytes = raw.decode("latin-1") if plain else raw
        fields: list = []
        for i in steps:
            tag = directory[i : i + 3]
            if tag in wanted:
                start = base + int(directory[i + 7 : i + 12])
                end = start + int(directory[i + 3 : i + 7])
                if end > limit:
                    return self._problem(problems.DIRECTORY_OUTSIDE_RECORD, offset, tag=tag)
                if end > start:
                    # Leave out the field terminator (0x1E) where it is present.
                    fields.append((tag, source[start : end - (raw[end - 1] == 0x1E)]))

        if kind == Kind.AUTHORITY:
            field_001 = next((f for t, f in fields if t == "001"), "")
            if isinstance(field_001, bytes):
                field_001 = field_001.decode("utf-8", "replace")
            local_id = field_001.strip()
            problem = self._problem(problems.AUTHORITY_RECORD_SKIPPED, offset, local_id=local_id)
            problem.local_id = local_id
            return problem

        warnings: list[str] = []
        if mismatch is not None:
            warnings.append(
                problems.warning(
                    problems.RECORD_LENGTH_MISMATCH, declared=mismatch[0], actual=mismatch[1]
                )
            )
        general = next((f for t, f in fields if t == "100"), b"") if family_unimarc else b""
        if isinstance(general, str):
            general = general.encode("latin-1")
        encoding, repair = self._encoding(leader, body, general, family_unimarc, warnings)
        if plain:
            src = _split(leader, fields, warnings)
            failed = ""
        else:
            decoder = charsets.decoder_for(encoding)
            if decoder.codec is not None:
                texts = _decode_fields(fields, decoder, repair)
                src = _split(leader, texts, warnings)
            else:
                src = _decode(leader, fields, decoder, warnings)
            failed = decoder.failed
        if family_unimarc:
            src.tags = frozenset(directory[i : i + 3] for i in steps)
        if failed:
            warnings.append(
                problems.warning(problems.UNDECODABLE_BYTES, tag=failed, encoding=encoding)
            )
        if family_unimarc:
            if not self.hint:
                flavour = unimarc_flavour(src, encoding)
            record = unimarc(src, raw, kind, flavour)
        else:
            record = marc21(src, raw, kind)
        record.raw_encoding = encoding
        return record

    def _flavour(self, directory: str) -> str:
        if self.hint:
            return self.hint
        if _HAS_245.match(directory):
            flavour = Flavour.MARC21
        elif _HAS_200.match(directory):
            flavour = Flavour.UNIMARC
        elif _HAS_008.match(directory):
            flavour = Flavour.MARC21
        else:
            flavour = self.family or Flavour.MARC21
        self.family = flavour
        return flavour

    def _encoding(self, leader, body, general, family_unimarc, warnings) -> tuple[str, bool]:
        """The record's character set, and whether it is UTF-8 encoded twice."""
        ascii_only = body.isascii()
        if family_unimarc:
            declared = ""
            for part in general.split(b"\x1f")[1:]:
                if part[:1] == b"a":
                    declared = part[1 + 26 : 1 + 30].decode("latin-1")
                    break
            g0, g1 = declared[:2], declared[2:4]
            if ascii_only:
                return "utf-8" if g0 == "50" or leader[9] == "a" else _UNIMARC_CHARSETS.get(
                    g1, _UNIMARC_CHARSETS.get(g0, "utf-8")
                ), False
            if charsets.is_utf8(body):
                if charsets.looks_double_encoded(body):
                    warnings.append(problems.DOUBLE_ENCODED_UTF8)
                    return "utf-8", True
                if g0 != "50" and g1 in _UNIMARC_CHARSETS and g1 != "50":
                    warnings.append(
                        problems.warning(
                            problems.CHARSET_DECLARED_DIFFERS,
                            declared=declared.strip(),
                            actual="UTF-8",
                        )
                    )
                return "utf-8", False
            named = _UNIMARC_CHARSETS.get(g1) or _UNIMARC_CHARSETS.get(g0)
            if named and named != "utf-8":
                return named, False
            guess, _score = charsets.guess_single_byte(body)
            warnings.append(problems.warning(problems.CHARSET_GUESSED, encoding=guess))
            return guess, False

        says_utf8 = leader[9] == "a"
        if ascii_only:
            return ("utf-8" if says_utf8 else "marc-8"), False
        valid_utf8 = charsets.is_utf8(body)
        if says_utf8:
            if valid_utf8:
                if charsets.looks_double_encoded(body):
                    warnings.append(problems.DOUBLE_ENCODED_UTF8)
                    return "utf-8", True
                return "utf-8", False
            if b"\x1b" in body or _MARC8_LIKE.search(body):
                warnings.append(problems.LEADER_SAYS_UTF8_DATA_IS_MARC8)
                return "marc-8", False
            return "utf-8", False
        if valid_utf8 and b"\x1b" not in body:
            warnings.append(problems.LEADER_SAYS_MARC8_DATA_IS_UTF8)
            return "utf-8", charsets.looks_double_encoded(body)
        if b"\x1b" not in body and charsets.high_bytes_in_words(body):
            # Whole words of high bytes: a Cyrillic code page, not MARC-8 diacritics.
            guess, _score = charsets.guess_single_byte(body)
            warnings.append(problems.warning(problems.CHARSET_GUESSED, encoding=guess))
            return guess, False
        return "marc-8", False


def _decode_fields(fields, decoder: charsets.Decoder, repair: bool) -> list[tuple[str, str]]:
    """Whole fields through a Python codec: 0x1F is never part of a UTF-8 or single-byte character."""
    codec = decoder.codec
    try:
        texts = [(tag, field.decode(codec)) for tag, field in fields]
    except UnicodeDecodeError:
        texts = []
        for tag, field in fields:
            try:
                texts.append((tag, field.decode(codec)))
            except UnicodeDecodeError:
                decoder.failed = decoder.failed or tag
                texts.append((tag, field.decode(codec, "replace")))
    normalize = unicodedata.normalize
    for i, (tag, text) in enumerate(texts):
        if not text.isascii():
            text = normalize("NFC", text)
            if repair:
                text = charsets.undo_double_encoding(text)
            texts[i] = (tag, text)
    return texts


def _split(leader: str, texts: list[tuple[str, str]], warnings: list[str]) -> Source:
    control: dict[str, str] = {}
    data: dict[str, list] = {}
    no_subfields = leader[11:12] == "0"
    bad_indicators: tuple[str, str] | None = None
    for tag, text in texts:
        if tag < "010":
            if tag not in control:
                control[tag] = text
            continue
        if no_subfields or "\x1f" not in text:
            # Fields without subfield codes (some Russian exports): the whole text as $a.
            value = text[2:] if text[:2].isdigit() else text
            data.setdefault(tag, []).append(("  ", [("a", value)]))
            continue
        cut = text.find("\x1f")
        indicators = text[:cut]
        subfields = _SUBFIELD.findall(text, cut)
        if indicators not in _VALID_INDICATORS:
            bad_indicators = bad_indicators or (tag, indicators)
            indicators = (indicators + "  ")[:2]
        if tag in data:
            data[tag].append((indicators, subfields))
        else:
            data[tag] = [(indicators, subfields)]
    if bad_indicators:
        warnings.append(
            problems.warning(
                problems.INVALID_INDICATORS, tag=bad_indicators[0], indicators=bad_indicators[1]
            )
        )
    return Source(leader=leader, control=control, data=data, warnings=warnings)


def _decode(leader: str, fields, decoder: charsets.Decoder, warnings: list[str]) -> Source:
    """Subfield by subfield, for MARC-8 and ISO 5426 whose escapes and marks need it."""
    control: dict[str, str] = {}
    data: dict[str, list] = {}
    no_subfields = leader[11:12] == "0"
    bad_indicators: tuple[str, str] | None = None
    decode = decoder.decode
    for tag, field in fields:
        decoder.start_field()
        if tag < "010":
            if tag not in control:
                control[tag] = decode(field, tag)
            continue
        if no_subfields or b"\x1f" not in field:
            value = decode(field[2:] if field[:2].isdigit() else field, tag)
            data.setdefault(tag, []).append(("  ", [("a", value)]))
            continue
        raw_parts = field.split(b"\x1f")
        indicators = raw_parts[0].decode("latin-1")
        subfields = [(chr(part[0]), decode(part[1:], tag)) for part in raw_parts[1:] if part]
        if (
            len(indicators) != 2
            or indicators[0] not in _VALID_INDICATOR
            or indicators[1] not in _VALID_INDICATOR
        ):
            bad_indicators = bad_indicators or (tag, indicators)
            indicators = (indicators + "  ")[:2]
        data.setdefault(tag, []).append((indicators, subfields))
    if bad_indicators:
        warnings.append(
            problems.warning(
                problems.INVALID_INDICATORS, tag=bad_indicators[0], indicators=bad_indicators[1]
            )
        )
    return Source(leader=leader, control=control, data=data, warnings=warnings)
