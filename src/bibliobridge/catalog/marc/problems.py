"""What can go wrong with a catalogue file, in words a librarian can act on.

A RecordProblem or FileProblem carries a code and its params, never a sentence, so a
stored import report reads in each viewer's language. A NormalisedRecord's warnings are
plain strings too: the code, then a space and a JSON object of params when there are any
(``invalid_isbn {"isbn": "123"}``); ``describe`` turns one into a sentence.
"""

import json

from django.utils.translation import gettext_lazy as _

# Whole-file failures (FileProblem).
EMPTY_FILE = "empty_file"
NOT_MARC = "not_marc"
XML_NOT_WELL_FORMED = "xml_not_well_formed"
XML_DTD_REFUSED = "xml_dtd_refused"
XML_NO_MARC_RECORDS = "xml_no_marc_records"
XML_UNSUPPORTED_ENCODING = "xml_unsupported_encoding"

# One record skipped (RecordProblem).
TRUNCATED_RECORD = "truncated_record"
BAD_RECORD_LENGTH = "bad_record_length"
BAD_LEADER = "bad_leader"
BAD_BASE_ADDRESS = "bad_base_address"
BROKEN_DIRECTORY = "broken_directory"
DIRECTORY_OUTSIDE_RECORD = "directory_outside_record"
AUTHORITY_RECORD_SKIPPED = "authority_record_skipped"
XML_RECORD_WITHOUT_LEADER = "xml_record_without_leader"
TRAILING_GARBAGE = "trailing_garbage"

# Kept, with a warning on the record (NormalisedRecord.warnings).
RECORD_LENGTH_MISMATCH = "record_length_mismatch"
INVALID_INDICATORS = "invalid_indicators"
UNDECODABLE_BYTES = "undecodable_bytes"
LEADER_SAYS_MARC8_DATA_IS_UTF8 = "leader_says_marc8_data_is_utf8"
LEADER_SAYS_UTF8_DATA_IS_MARC8 = "leader_says_utf8_data_is_marc8"
DOUBLE_ENCODED_UTF8 = "double_encoded_utf8"
CHARSET_DECLARED_DIFFERS = "charset_declared_differs"
CHARSET_GUESSED = "charset_guessed"
NO_TITLE = "no_title"
INVALID_ISBN = "invalid_isbn"
INVALID_ISSN = "invalid_issn"
INVALID_LEADER_KEPT = "invalid_leader_kept"

MESSAGES = {
    EMPTY_FILE: _("The file is empty."),
    NOT_MARC: _(
        "This is not a MARC file (ISO 2709 or MARCXML): it looks like %(looks_like)s. "
        "Export the catalogue records again and upload that file."
    ),
    XML_NOT_WELL_FORMED: _(
        "The XML is not well-formed at line %(line)s: %(error)s. Nothing after that point could be read."
    ),
    XML_DTD_REFUSED: _(
        "The XML declares a DTD or entities (line %(line)s). They are refused, because they can "
        "expand without limit or read files from the server; export the records without a DOCTYPE."
    ),
    XML_NO_MARC_RECORDS: _(
        "The XML is well-formed but holds no MARC records (its root element is %(root)s)."
    ),
    XML_UNSUPPORTED_ENCODING: _("The XML is in an encoding that cannot be read: %(error)s."),
    TRUNCATED_RECORD: _(
        "Record %(number)s at byte %(offset)s: the leader says %(declared)s bytes but the record "
        "ends after %(actual)s. The file was probably cut short."
    ),
    BAD_RECORD_LENGTH: _(
        "Record %(number)s at byte %(offset)s: the record length in the leader (%(value)s) is not "
        "a number, and no record terminator follows. Skipped up to byte %(resync)s."
    ),
    BAD_LEADER: _(
        "Record %(number)s at byte %(offset)s: the leader is not a MARC leader (%(leader)s)."
    ),
    BAD_BASE_ADDRESS: _(
        "Record %(number)s at byte %(offset)s: the base address of data in the leader "
        "(%(value)s) is not a number or lies outside the record."
    ),
    BROKEN_DIRECTORY: _(
        "Record %(number)s at byte %(offset)s: the directory is broken (%(length)s bytes, not "
        "whole entries of 12 digits)."
    ),
    DIRECTORY_OUTSIDE_RECORD: _(
        "Record %(number)s at byte %(offset)s: the directory entry for field %(tag)s points "
        "outside the record."
    ),
    AUTHORITY_RECORD_SKIPPED: _(
        "Record %(number)s (%(local_id)s) is an authority record; the union catalogue takes "
        "bibliographic and holdings records only, so it was skipped."
    ),
    XML_RECORD_WITHOUT_LEADER: _(
        "Record %(number)s at line %(offset)s has no leader and was skipped."
    ),
    TRAILING_GARBAGE: _(
        "%(length)s bytes at byte %(offset)s after the last record are not a MARC record and "
        "were ignored."
    ),
    RECORD_LENGTH_MISMATCH: _(
        "The leader says %(declared)s bytes but the record ends after %(actual)s; read up to "
        "its record terminator."
    ),
    INVALID_INDICATORS: _("Field %(tag)s has invalid indicators %(indicators)s; kept as they are."),
    UNDECODABLE_BYTES: _(
        "Field %(tag)s has bytes that are not valid %(encoding)s; they were replaced by �."
    ),
    LEADER_SAYS_MARC8_DATA_IS_UTF8: _(
        "The leader says MARC-8 but the record is in UTF-8; it was read as UTF-8."
    ),
    LEADER_SAYS_UTF8_DATA_IS_MARC8: _(
        "The leader says UTF-8 but the record is in MARC-8; it was read as MARC-8."
    ),
    DOUBLE_ENCODED_UTF8: _("The text was encoded in UTF-8 twice (é shows as Ã©); it was repaired."),
    CHARSET_DECLARED_DIFFERS: _(
        "Field 100 declares the character set %(declared)s but the record is in %(actual)s; "
        "it was read as %(actual)s."
    ),
    CHARSET_GUESSED: _("The record does not say its character set; it was read as %(encoding)s."),
    NO_TITLE: _("The record has no title (MARC 21 245 $a, UNIMARC 200 $a)."),
    INVALID_ISBN: _("The ISBN %(isbn)s is not valid (wrong length or check digit)."),
    INVALID_ISSN: _("The ISSN %(issn)s is not valid (wrong length or check digit)."),
    INVALID_LEADER_KEPT: _("The leader %(leader)s is not valid; the record was kept."),
}


# What a file that is not MARC looks like (FileProblem NOT_MARC, param looks_like).
LOOKS_LIKE = {
    "jpeg": _("a JPEG image"),
    "png": _("a PNG image"),
    "gif": _("a GIF image"),
    "pdf": _("a PDF document"),
    "zip": _("a ZIP archive (or an Excel or Word file)"),
    "gzip": _("a gzip-compressed file"),
    "bzip2": _("a bzip2-compressed file"),
    "xz": _("an xz-compressed file"),
    "7z": _("a 7-Zip archive"),
    "rar": _("a RAR archive"),
    "ole": _("an old Microsoft Office file"),
    "json": _("JSON"),
    "html": _("a web page (HTML)"),
    "text": _("plain text"),
    "binary": _("binary data of an unknown kind"),
}


def message(code: str, params: dict | None = None) -> str:
    """The sentence for a problem code, in the active language."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    params = dict(params or {})
    if "looks_like" in params:
        params["looks_like"] = str(LOOKS_LIKE.get(params["looks_like"], params["looks_like"]))
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def warning(code: str, **params: object) -> str:
    """A record warning as stored on NormalisedRecord.warnings."""
    if not params:
        return code
    return f"{code} {json.dumps(params, ensure_ascii=False, sort_keys=True)}"


def parse_warning(text: str) -> tuple[str, dict]:
    code, _sep, rest = text.partition(" ")
    if not rest:
        return code, {}
    try:
        params = json.loads(rest)
    except ValueError:
        return code, {}
    return code, params if isinstance(params, dict) else {}


def describe(text: str) -> str:
    """A stored warning as a sentence in the active language."""
    return message(*parse_warning(text))
