"""Character sets of MARC records: MARC-8, ISO 5426, the Cyrillic code pages, UTF-8.

Every decoder takes the bytes of one subfield and returns NFC text; none raises. A
decoder reports trouble by setting ``Decoder.failed`` so the record gets one warning.
"""

import contextlib
import io
import re
import unicodedata

from pymarc.marc8 import MARC8ToUnicode

# ISO 5426 (extended Latin, used by UNIMARC: 100 $a/26-29 "03"). Non-spacing
# diacritics (0xC0-0xDF) come before the letter they sit on, as in MARC-8; Unicode puts
# combining marks after it. Written from the standard's code chart.
_ISO5426_SPACING = {
    0xA1: "\u00a1",  # inverted exclamation mark
    0xA2: "\u201e",  # low double quotation mark
    0xA3: "\u00a3",  # pound sign
    0xA4: "$",
    0xA5: "\u00a5",  # yen sign
    0xA6: "\u2020",  # dagger
    0xA7: "\u00a7",  # section sign
    0xA8: "\u2032",  # prime
    0xA9: "\u2018",  # left single quotation mark
    0xAA: "\u201c",  # left double quotation mark
    0xAB: "\u00ab",  # left guillemet
    0xAC: "\u266d",  # music flat
    0xAD: "\u00a9",  # copyright
    0xAE: "\u2117",  # sound recording copyright
    0xAF: "\u00ae",  # registered
    0xB0: "\u02bb",  # ayn
    0xB1: "\u02bc",  # alif
    0xB2: "\u201a",  # low single quotation mark
    0xB6: "\u2021",  # double dagger
    0xB7: "\u00b7",  # middle dot
    0xB8: "\u2033",  # double prime
    0xB9: "\u2019",  # right single quotation mark
    0xBA: "\u201d",  # right double quotation mark
    0xBB: "\u00bb",  # right guillemet
    0xBC: "\u266f",  # music sharp
    0xBD: "\u02b9",  # soft sign (prime)
    0xBE: "\u02ba",  # hard sign (double prime)
    0xBF: "\u00bf",  # inverted question mark
    0xE1: "\u00c6",  # AE
    0xE2: "\u0110",  # D with stroke
    0xE6: "\u0132",  # IJ
    0xE8: "\u0141",  # L with stroke
    0xE9: "\u00d8",  # O with stroke
    0xEA: "\u0152",  # OE
    0xEC: "\u00de",  # Thorn
    0xF1: "\u00e6",  # ae
    0xF2: "\u0111",  # d with stroke
    0xF3: "\u00f0",  # eth
    0xF5: "\u0131",  # dotless i
    0xF6: "\u0133",  # ij
    0xF8: "\u0142",  # l with stroke
    0xF9: "\u00f8",  # o with stroke
    0xFA: "\u0153",  # oe
    0xFB: "\u00df",  # sharp s
    0xFC: "\u00fe",  # thorn
}
_ISO5426_COMBINING = {
    0xC0: "\u0309",  # hook above
    0xC1: "\u0300",  # grave
    0xC2: "\u0301",  # acute
    0xC3: "\u0302",  # circumflex
    0xC4: "\u0303",  # tilde
    0xC5: "\u0304",  # macron
    0xC6: "\u0306",  # breve
    0xC7: "\u0307",  # dot above
    0xC8: "\u0308",  # diaeresis
    0xC9: "\u0308",  # umlaut (the same mark in Unicode)
    0xCA: "\u030a",  # ring above
    0xCB: "\u0315",  # comma above right
    0xCC: "\u0312",  # turned comma above
    0xCD: "\u030b",  # double acute
    0xCE: "\u031b",  # horn
    0xCF: "\u030c",  # caron
    0xD0: "\u0327",  # cedilla
    0xD1: "\u031c",  # left half ring below
    0xD2: "\u0326",  # comma below
    0xD3: "\u0328",  # ogonek
    0xD4: "\u0325",  # ring below
    0xD5: "\u032e",  # breve below
    0xD6: "\u0323",  # dot below
    0xD7: "\u0324",  # diaeresis below
    0xD8: "\u0332",  # low line
    0xD9: "\u0333",  # double low line
    0xDA: "\u0329",  # vertical line below
    0xDB: "\u032d",  # circumflex below
}
# Control characters that mark the start and end of a non-filing part ("The ").
_NON_SORT = {0x88: "\u0098", 0x89: "\u009c"}


_HALF_MARKS = str.maketrans(
    {"\ufe20": "\u0361", "\ufe21": None, "\ufe22": "\u0360", "\ufe23": None}
)


class Decoder:
    """Decodes the subfields of one record; ``failed`` names the first field in trouble."""

    name = "utf-8"
    codec: str | None = None  # a Python codec that decodes a whole field at once

    def __init__(self) -> None:
        self.failed = ""

    def start_field(self) -> None:
        """Character-set state does not carry from one field to the next."""

    def decode(self, data: bytes, tag: str) -> str:
        raise NotImplementedError


class Utf8Decoder(Decoder):
    name = "utf-8"
    codec = "utf-8"

    def decode(self, data: bytes, tag: str) -> str:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if not self.failed:
                self.failed = tag
            text = data.decode("utf-8", "replace")
        if text.isascii():
            return text
        return unicodedata.normalize("NFC", text)


class SingleByteDecoder(Decoder):
    """cp1251, cp866, koi8-r, latin-1: every byte is a character, nothing can fail."""

    def __init__(self, codec: str) -> None:
        super().__init__()
        self.name = codec
        self.python_codec = codec.replace("koi8-r", "koi8_r")
        self.codec = self.python_codec

    def decode(self, data: bytes, tag: str) -> str:
        text = data.decode(self.python_codec, "replace")
        if "\ufffd" in text and not self.failed:
            self.failed = tag
        return text


class Marc8Decoder(Decoder):
    """MARC-8 through pymarc's tables, only for the subfields that need them."""

    name = "marc-8"

    def __init__(self) -> None:
        super().__init__()
        self.converter = MARC8ToUnicode(quiet=True)

    def start_field(self) -> None:
        self.converter.g0 = MARC8ToUnicode.basic_latin
        self.converter.g1 = MARC8ToUnicode.ansel

    def decode(self, data: bytes, tag: str) -> str:
        if data.isascii() and b"\x1b" not in data:
            return data.decode("ascii")
        complaints = io.StringIO()
        try:
            # pymarc reports broken multibyte (EACC) sequences on stderr: catch them as a warning.
            with contextlib.redirect_stderr(complaints):
                text = self.converter.translate(data)
            if complaints.getvalue() and not self.failed:
                self.failed = tag
            if "\ufe20" in text or "\ufe22" in text:
                # LC maps the ligature and double-tilde halves to U+FE20..FE23; MARCXML from
                # the same records uses the one double diacritic (U+0361, U+0360) instead.
                text = unicodedata.normalize("NFC", text.translate(_HALF_MARKS))
            return text
        except (IndexError, TypeError, KeyError, ValueError):
            if not self.failed:
                self.failed = tag
            self.start_field()
            return data.decode("latin-1")


class Iso5426Decoder(Decoder):
    name = "iso-5426"

    def decode(self, data: bytes, tag: str) -> str:
        if data.isascii():
            return data.decode("ascii")
        return decode_iso5426(data, self, tag)


def decode_iso5426(data: bytes, decoder: Decoder | None = None, tag: str = "") -> str:
    out: list[str] = []
    pending: list[str] = []  # diacritics waiting for their base letter
    for byte in data:
        if byte < 0x80:
            out.append(chr(byte))
        elif byte in _ISO5426_COMBINING:
            pending.append(_ISO5426_COMBINING[byte])
            continue
        elif byte in _ISO5426_SPACING:
            out.append(_ISO5426_SPACING[byte])
        elif byte in _NON_SORT:
            out.append(_NON_SORT[byte])
            continue
        else:
            out.append("\ufffd")
            if decoder is not None and not decoder.failed:
                decoder.failed = tag
        if pending:
            # Unicode order: base letter first, then its marks (in their original order).
            out.extend(pending)
            pending.clear()
    out.extend(pending)
    return unicodedata.normalize("NFC", "".join(out))


def decoder_for(name: str) -> Decoder:
    if name == "utf-8":
        return Utf8Decoder()
    if name == "marc-8":
        return Marc8Decoder()
    if name == "iso-5426":
        return Iso5426Decoder()
    return SingleByteDecoder(name)


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# Double-encoded UTF-8: "é" (C3 A9) read as Latin-1 and encoded again gives C3 83 C2 A9.
_DOUBLE_UTF8 = re.compile(rb"\xc3[\x82-\xaf]\xc2[\x80-\xbf]")


def looks_double_encoded(data: bytes) -> bool:
    return _DOUBLE_UTF8.search(data) is not None


def undo_double_encoding(text: str) -> str:
    """Repair text encoded in UTF-8 twice; leave it alone when it is not."""
    try:
        return unicodedata.normalize("NFC", text.encode("latin-1").decode("utf-8"))
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def high_bytes_in_words(data: bytes) -> bool:
    """True when most bytes >= 0x80 follow another: words of a single-byte script.

    MARC-8 and ISO 5426 put a lone diacritic before an ASCII letter instead.
    """
    high = paired = 0
    previous_high = False
    for byte in data:
        if byte >= 0x80:
            high += 1
            if previous_high:
                paired += 1
            previous_high = True
        else:
            previous_high = False
    return high >= 4 and paired > high * 0.5


# The most frequent Russian letters, lower case; correct decoding puts most high bytes here.
_RUSSIAN_COMMON = set("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё")


def guess_single_byte(data: bytes) -> tuple[str, float]:
    """The likeliest of the Cyrillic code pages and ISO 5426 for non-UTF-8 bytes.

    Returns the encoding name and the share of high bytes that decode to common letters.
    """
    high = sum(1 for b in data if b >= 0x80)
    if not high:
        return "utf-8", 1.0
    best, best_score = "cp1251", -1.0
    for codec in ("cp1251", "cp866", "koi8_r"):
        text = data.decode(codec, "replace")
        score = sum(1 for ch in text if ch in _RUSSIAN_COMMON) / high
        if score > best_score:
            best, best_score = codec, score
    if best_score < 0.5:
        # Not much Russian: Latin with diacritics, where ISO 5426 marks precede letters.
        marks = sum(
            1
            for i, b in enumerate(data[:-1])
            if 0xC0 <= b <= 0xDF and (0x41 <= data[i + 1] <= 0x7A)
        )
        if marks / high > 0.5:
            return "iso-5426", marks / high
    return ("koi8-r" if best == "koi8_r" else best), best_score
