"""From fields to a NormalisedRecord: MARC 21, and UNIMARC with CNMARC and RUSMARC."""

import hashlib
import re
from operator import mul

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn

from . import problems
from .record import Flavour, Holding, Isbn, Kind, NormalisedRecord
from .source import Source

# ISBD punctuation that ends a MARC 21 subfield and belongs to the display, not the text.
_TRAILING = " /:;=,."
_YEAR = re.compile(r"(?<!\d)(1[0-9]\d\d|20\d\d)(?!\d)")
_ISBN_HEAD = re.compile(r"([0-9Xx][0-9Xx\- ]*[0-9Xx])\s*(.*)")
_NON_FILING_RE = re.compile("[\u0088\u0089\u0098\u009c]")
_LINK = re.compile(r"(\d{3})-(\d{2})")

MARC21_MATERIAL = {
    "c": "score",
    "d": "score",
    "e": "map",
    "f": "map",
    "g": "video",
    "i": "sound",
    "j": "sound",
    "k": "image",
    "m": "computer",
    "o": "mixed",
    "p": "mixed",
    "r": "object",
}
UNIMARC_MATERIAL = {
    "c": "score",
    "d": "score",
    "e": "map",
    "f": "map",
    "g": "video",
    "i": "sound",
    "j": "sound",
    "k": "image",
    "l": "computer",
    "m": "mixed",
    "r": "object",
}
MARC21_SUBJECT_TAGS = ("600", "610", "611", "630", "648", "650", "651", "653")
UNIMARC_SUBJECT_TAGS = ("600", "601", "602", "604", "605", "606", "607", "608")
_SUBDIVISIONS = frozenset("vxyz")
_SUBJECT_END = " .,;:"


def clean(text: str) -> str:
    """Text without ISBD end punctuation, non-filing marks or doubled spaces."""
    if not text:
        return text
    if not text.isascii() and _NON_FILING_RE.search(text):
        text = _NON_FILING_RE.sub("", text)
    if "<<" in text:
        text = text.replace("<<", "").replace(">>", "")
    if "  " in text or "\n" in text or "\t" in text:
        text = " ".join(text.split())
    stripped = text.rstrip(_TRAILING)
    if len(stripped) == len(text):
        return text
    if text[len(stripped)] == "." and len(stripped) >= 2:
        # Keep the period of a final initial or abbreviation ("Smith, J.", "И.И.", "Inc.").
        if stripped[-1].isalpha() and stripped[-2] in " .,":
            return stripped + "."
        if stripped.endswith((" Inc", " Co", " Ltd", " Jr", " Sr", " etc")):
            return stripped + "."
    return stripped.lstrip() if stripped[:1] == " " else stripped


def clean_name(text: str) -> str:
    return clean(text)


def is_latin(text: str) -> bool:
    """True when the text's letters are Latin (with any diacritics)."""
    if text.isascii():
        return True
    for ch in text:
        code = ord(ch)
        if code > 0x24F and not 0x1E00 <= code <= 0x1EFF and ch.isalpha():
            return False
    return True


def content_hash(raw: bytes) -> str:
    return "sha1:" + hashlib.sha1(raw, usedforsecurity=False).hexdigest()


_ISBN_CHARS = frozenset("0123456789Xx-")
_WEIGHTS10 = range(10, 1, -1)


def _isbn10_ok(s: str) -> bool:
    if len(s) != 10 or not s[:9].isdigit():
        return False
    last = s[9]
    if last == "X":
        check = 10
    elif last.isdigit():
        check = int(last)
    else:
        return False
    return (sum(map(mul, _WEIGHTS10, map(int, s[:9]))) + check) % 11 == 0


def _ean_check(s12: str) -> str:
    total = sum(map(int, s12[0::2])) + 3 * sum(map(int, s12[1::2]))
    return str(-total % 10)


def isbn13(text: str) -> str | None:
    """ISBN-13 without hyphens, or None when the text is not a valid ISBN."""
    s = text.replace("-", "").upper() if "-" in text or "x" in text else text
    if len(s) == 10:
        if _isbn10_ok(s):
            body = "978" + s[:9]
            return body + _ean_check(body)
    elif len(s) == 13 and s.isdigit() and s[:3] in ("978", "979"):
        if _ean_check(s[:12]) == s[12]:
            return s
    # Our quick check knows only the plain forms; python-stdnum has the last word.
    if stdnum_isbn.is_valid(text):
        return stdnum_isbn.to_isbn13(stdnum_isbn.compact(text))
    return None


def parse_isbn(text: str, qualifier: str = "", cancelled: bool = False) -> tuple[Isbn, bool]:
    """An Isbn from a subfield, and whether it needs an invalid-ISBN warning."""
    text = text.strip()
    number, _sep, rest = text.partition(" ")
    if not _ISBN_CHARS.issuperset(number):
        match = _ISBN_HEAD.search(text)
        if match:
            number, rest = match.group(1).strip(), match.group(2)
        else:
            number, rest = text, ""
    rest = clean(rest) if rest else rest
    if qualifier:
        rest = clean(f"{rest} {qualifier}")
    normal = isbn13(number) if number else None
    if cancelled:
        return Isbn(value=normal or number, valid=False, qualifier=rest), False
    if normal:
        return Isbn(value=normal, valid=True, qualifier=rest), False
    return Isbn(value=number, valid=False, qualifier=rest), True


def add_isbn(record: NormalisedRecord, text: str, qualifier: str = "", cancelled: bool = False):
    if not text.strip():
        return
    value, bad = parse_isbn(text, qualifier, cancelled)
    if bad:
        record.warnings.append(problems.warning(problems.INVALID_ISBN, isbn=text.strip()))
    for existing in record.isbns:
        if existing.value == value.value and existing.valid == value.valid:
            return
    record.isbns.append(value)


def add_issn(record: NormalisedRecord, text: str) -> None:
    text = text.strip()
    if not text:
        return
    number = text.split()[0]
    if stdnum_issn.is_valid(number):
        formatted = stdnum_issn.format(number)
        if formatted not in record.issns:
            record.issns.append(formatted)
    else:
        record.warnings.append(problems.warning(problems.INVALID_ISSN, issn=text))


def add_oclc(record: NormalisedRecord, text: str) -> None:
    if not text.startswith("(OCoLC)"):
        return
    number = text[7:].strip()
    for prefix in ("ocm", "ocn", "on"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
            break
    number = number.strip().lstrip("0")
    if number.isdigit() and number not in record.oclc_numbers:
        record.oclc_numbers.append(number)


def add_language(record: NormalisedRecord, code: str) -> None:
    code = code.strip().lower()
    if len(code) == 3 and code.isascii() and code.isalpha() and code not in record.languages:
        record.languages.append(code)


def first_year(text: str) -> int | None:
    match = _YEAR.search(text)
    return int(match.group(1)) if match else None


def join(subfields: list[tuple[str, str]], codes: str, sep: str = " ") -> str:
    return sep.join([v for c, v in subfields if c in codes and v])


# --- MARC 21 ---------------------------------------------------------------------------


def marc21_kind(leader: str) -> str:
    kind = leader[6:7]
    if kind == "z":
        return Kind.AUTHORITY
    if kind in ("u", "v", "x", "y"):
        return Kind.HOLDINGS
    return Kind.BIBLIOGRAPHIC


def _title(subfields: list[tuple[str, str]]) -> str:
    return clean(join(subfields, "abnp"))


def _names_from(subfields: list[tuple[str, str]], tag: str) -> str:
    if tag[1:] == "10":
        return clean(join(subfields, "ab"))
    for c, v in subfields:
        if c == "a":
            return clean(v)
    return ""


def _holdings(src: Source) -> list[Holding]:
    holdings = []
    for _ind, sub in src.data.get("852", ()):
        holdings.append(
            Holding(
                location=" / ".join(v for c, v in sub if c in "abc" and v),
                call_number=" ".join(v for c, v in sub if c in "khijm" and v),
                note=join(sub, "z", "; "),
            )
        )
    for tag in ("866", "867", "868"):
        for _ind, sub in src.data.get(tag, ()):
            holdings.append(Holding(summary=join(sub, "a"), note=join(sub, "z", "; ")))
    return holdings


_MARC21_NAME_TAGS = frozenset({"100", "110", "111", "700", "710", "711"})
_MARC21_SUBJECTS = frozenset(MARC21_SUBJECT_TAGS)


def marc21(src: Source, raw: bytes, kind: str) -> NormalisedRecord:
    data = src.data
    control = src.control
    leader = src.leader
    local_id = control.get("001", "").strip()
    if not local_id:
        local_id = src.first("035", "a").strip() or content_hash(raw)
    record = NormalisedRecord(
        local_id=local_id,
        flavour=Flavour.MARC21,
        kind=kind,
        deleted=leader[5:6] == "d",
        raw=raw,
        warnings=list(src.warnings),
    )
    if kind == Kind.HOLDINGS:
        record.linked_id = control.get("004", "").strip()
        record.holdings = _holdings(src)
        return record

    names = record.names
    subjects = record.subjects
    link_245 = ""
    pub = None
    # One pass over the fields, in record order (the same for ISO 2709 and MARCXML).
    for tag, fields in data.items():
        first = tag[0]
        if first == "6":
            if tag in _MARC21_SUBJECTS:
                for _ind, sub in fields:
                    subject = _subject(sub)
                    if subject and subject not in subjects:
                        subjects.append(subject)
        elif first == "1" or first == "7":
            if tag in _MARC21_NAME_TAGS:
                for _ind, sub in fields:
                    name = _names_from(sub, tag)
                    if name and name not in names:
                        names.append(name)
        elif tag == "245":
            sub = fields[0][1]
            record.title = _title(sub)
            record.responsibility = clean(join(sub, "c"))
            for c, v in sub:
                if c == "6":
                    link_245 = v[4:6]
                    break
        elif tag == "020":
            for _ind, sub in fields:
                qualifier = join(sub, "q")
                for c, v in sub:
                    if c == "a":
                        add_isbn(record, v, qualifier)
                    elif c == "z":
                        add_isbn(record, v, qualifier, cancelled=True)
        elif tag == "035":
            for _ind, sub in fields:
                for c, v in sub:
                    if c == "a" and v.startswith("(OCoLC)"):
                        add_oclc(record, v)
        elif tag == "264":
            if pub is None or pub[0] != "264":
                for ind, sub in fields:
                    if ind[1:2] == "1":
                        pub = ("264", sub)
                        break
        elif tag == "260":
            if pub is None:
                pub = ("260", fields[0][1])
        elif tag == "250":
            record.edition = clean(join(fields[0][1], "a"))
        elif tag == "022":
            for _ind, sub in fields:
                for c, v in sub:
                    if c == "a":
                        add_issn(record, v)
        elif tag == "010":
            record.lccn = join(fields[0][1], "a").strip()
    if not record.title:
        record.warnings.append(problems.NO_TITLE)
    if "880" in data:
        _marc21_880(record, data["880"], link_245)

    f008 = control.get("008", "")
    year = f008[7:11]
    if year.isdigit() and year != "0000":
        record.year = int(year)
    if pub is not None:
        pub_sub = pub[1]
        record.place = " ; ".join([clean(v).strip("[] ") for c, v in pub_sub if c == "a" and v])
        record.publisher = " ; ".join([clean(v) for c, v in pub_sub if c == "b" and v])
        if record.year is None:
            record.year = first_year(join(pub_sub, "c"))

    add_language(record, f008[35:38])
    for _ind, sub in data.get("041", ()):
        for c, v in sub:
            if c == "a":
                v = v.strip()
                for i in range(0, len(v) - len(v) % 3, 3):
                    add_language(record, v[i : i + 3])

    type_ = leader[6:7]
    if type_ == "a" or type_ == "t":
        record.material_type = "serial" if leader[7:8] in ("b", "i", "s") else "book"
    else:
        record.material_type = MARC21_MATERIAL.get(type_, "")
    if "852" in data or "866" in data or "867" in data or "868" in data:
        record.holdings = _holdings(src)
    return record


def _subject(sub: list[tuple[str, str]]) -> str:
    head = []
    parts = []
    for c, v in sub:
        if c in _SUBDIVISIONS:
            v = v.strip().rstrip(_SUBJECT_END)
            if v:
                parts.append(v)
        elif c in "abcdt" and not parts:
            head.append(v)
    if not head:
        return ""
    heading = clean(" ".join(head))
    return " -- ".join([heading, *parts]) if parts else heading


def _marc21_880(record: NormalisedRecord, fields: list, link_245: str) -> None:
    for _ind, sub in fields:
        linkage = ""
        for c, v in sub:
            if c == "6":
                linkage = v
                break
        match = _LINK.match(linkage)
        if not match:
            continue
        tag, occurrence = match.groups()
        if tag == "245" and not (record.title_vernacular or record.title_romanised):
            if link_245 and occurrence != "00" and occurrence != link_245:
                continue
            other = _title(sub)
            if not other:
                continue
            if is_latin(record.title) and not is_latin(other):
                record.title_vernacular = other
            elif not is_latin(record.title) and is_latin(other):
                record.title_romanised = other
            else:
                record.title_vernacular = other
        elif tag in ("100", "110", "111", "700", "710", "711"):
            name = _names_from(sub, tag)
            if name and name not in record.names_vernacular:
                record.names_vernacular.append(name)


# --- UNIMARC, CNMARC, RUSMARC ----------------------------------------------------------


def unimarc_kind(leader: str) -> str:
    if leader[6:7] in ("x", "y", "z"):
        return Kind.AUTHORITY
    return Kind.BIBLIOGRAPHIC


def _unimarc_title(sub: list[tuple[str, str]]) -> str:
    title = ""
    seen_h = False
    for c, v in sub:
        v = v.strip()
        if not v:
            continue
        if c == "a":
            title = f"{title} ; {v}" if title else v
        elif c == "e" and title:
            title += f" : {v}"
        elif c == "h":
            title += f". {v}"
            seen_h = True
        elif c == "i":
            title += f", {v}" if seen_h else f". {v}"
    return clean(title)


def _unimarc_name(sub: list[tuple[str, str]]) -> str:
    surname = clean(join(sub, "a"))
    forename = clean(join(sub, "b").lstrip(", "))
    if surname and forename:
        return f"{surname.rstrip(',')}, {forename}"
    return surname


def unimarc(src: Source, raw: bytes, kind: str, flavour: str) -> NormalisedRecord:
    data = src.data
    local_id = src.control.get("001", "").strip()
    if not local_id:
        local_id = src.first("035", "a").strip() or content_hash(raw)
    record = NormalisedRecord(
        local_id=local_id,
        flavour=flavour,
        kind=kind,
        deleted=src.leader[5:6] == "d",
        raw=raw,
    )
    record.warnings.extend(src.warnings)

    titles = data.get("200", [])
    if titles:
        sub = titles[0][1]
        record.title = _unimarc_title(sub)
        record.responsibility = clean(join(sub, "fg", " ; "))
        # CNMARC carries the pinyin of each subfield under the upper-case code.
        pinyin = _unimarc_title([(c.lower(), v) for c, v in sub if c in "AEHI"])
        if pinyin:
            record.title_romanised = pinyin
        # Further 200s in another script ($7), linked by $6, are the parallel forms.
        for _ind, other_sub in titles[1:]:
            other = _unimarc_title(other_sub)
            if not other:
                continue
            if is_latin(record.title) and not is_latin(other):
                record.title_vernacular = record.title_vernacular or other
            elif not is_latin(record.title) and is_latin(other):
                record.title_romanised = record.title_romanised or other
    if not record.title:
        record.warnings.append(problems.NO_TITLE)

    for tag in ("700", "701", "702", "710", "711", "712"):
        for _ind, sub in data.get(tag, ()):
            name = _unimarc_name(sub) if tag.startswith("70") else clean(join(sub, "ab"))
            if not name:
                continue
            if name not in record.names:
                record.names.append(name)

    publication = None
    for tag in ("214", "210"):
        if tag in data:
            publication = data[tag][0][1]
            break
    if publication is not None:
        record.place = clean(join(publication, "a", " ; "))
        record.publisher = clean(join(publication, "c", " ; "))
        record.year = first_year(join(publication, "d"))
    general = src.first("100", "a")
    if record.year is None:
        year = general[9:13]
        if year.isdigit() and year != "0000":
            record.year = int(year)

    record.edition = clean(src.first("205", "a"))
    for _ind, sub in data.get("101", ()):
        for c, v in sub:
            if c == "a":
                add_language(record, v)
    for _ind, sub in data.get("010", ()):
        qualifier = join(sub, "b")
        for c, v in sub:
            if c == "a":
                add_isbn(record, v, qualifier)
            elif c == "z":
                add_isbn(record, v, qualifier, cancelled=True)
    for _ind, sub in data.get("011", ()):
        for c, v in sub:
            if c == "a":
                add_issn(record, v)
    for _ind, sub in data.get("035", ()):
        for c, v in sub:
            if c == "a":
                add_oclc(record, v)

    type_ = src.leader[6:7]
    if type_ in ("a", "b"):
        record.material_type = "serial" if src.leader[7:8] in ("s", "i") else "book"
    else:
        record.material_type = UNIMARC_MATERIAL.get(type_, "")

    for tag in UNIMARC_SUBJECT_TAGS:
        for _ind, sub in data.get(tag, ()):
            subject = _subject([(c, v) for c, v in sub if c in "abcdtvxyz"])
            if subject and subject not in record.subjects:
                record.subjects.append(subject)

    for _ind, sub in data.get("995", ()):  # Koha / BnF items
        location = " / ".join(v for c, v in sub if c in "bce" and v)
        call_number = join(sub, "k")
        if location or call_number:
            record.holdings.append(
                Holding(location=location, call_number=call_number, note=join(sub, "u", "; "))
            )
    for _ind, sub in data.get("905", ()):  # CNMARC holdings: library, class and book number
        call = "/".join(v for c, v in sub if c in "de" and v)
        record.holdings.append(Holding(location=join(sub, "a"), call_number=call))
    for _ind, sub in data.get("852", ()):
        record.holdings.append(
            Holding(
                location=" / ".join(v for c, v in sub if c in "abc" and v),
                call_number=" ".join(v for c, v in sub if c in "khij" and v),
            )
        )
    return record


def unimarc_flavour(src: Source, encoding: str) -> str:
    """CNMARC, RUSMARC or plain UNIMARC, from what the record says about itself."""
    agencies = {
        v.strip().upper() for _i, sub in src.data.get("801", ()) for c, v in sub if c == "a"
    }
    if "nlc.cn" in src.namespace or "CN" in agencies:
        return Flavour.CNMARC
    if "RU" in agencies or encoding in ("cp1251", "cp866", "koi8-r"):
        return Flavour.RUSMARC
    general = src.first("100", "a")
    if general[22:25] == "chi" and src.tags & {"092", "690", "905", "906"}:
        return Flavour.CNMARC
    if general[22:25] == "rus" or general[28:30] in ("79", "89", "99"):
        return Flavour.RUSMARC
    return Flavour.UNIMARC
