"""The original record as it came from the holder: shown field by field, exported as MARC.

A record is stored byte for byte (ISO 2709 in its own character set, or its MARCXML
element). Here it is read back in full — every field, not only those the normaliser maps —
and turned into Unicode, for the record page and for export as MARC 21 (ISO 2709, UTF-8)
and MARCXML.
"""

from dataclasses import dataclass

import pymarc
from lxml import etree

from .marc.charsets import decoder_for

FIELD_END, RECORD_END, SUBFIELD = 0x1E, 0x1D, 0x1F


@dataclass
class Field:
    tag: str
    indicators: str = ""
    value: str = ""  # control fields
    subfields: list[tuple[str, str]] | None = None  # data fields

    @property
    def is_control(self) -> bool:
        return self.subfields is None


@dataclass
class Original:
    leader: str
    fields: list[Field]


def read_original(raw: bytes, syntax: str, encoding: str) -> Original:
    """Every field of a stored record, in Unicode. Raises ValueError if it cannot be read."""
    if syntax == "marcxml":
        return _from_xml(raw)
    return _from_iso2709(raw, encoding)


def _from_iso2709(raw: bytes, encoding: str) -> Original:
    if len(raw) < 25:
        raise ValueError("record shorter than its leader")
    leader = raw[:24].decode("ascii", "replace")
    try:
        base = int(raw[12:17])
    except ValueError as error:
        raise ValueError("leader has no base address") from error
    directory = raw[24 : raw.index(bytes([FIELD_END]), 24)]
    decoder = decoder_for(encoding)
    fields = []
    for start in range(0, len(directory) - 11, 12):
        entry = directory[start : start + 12]
        tag = entry[:3].decode("ascii", "replace")
        length, offset = int(entry[3:7]), int(entry[7:12])
        data = raw[base + offset : base + offset + length].rstrip(bytes([FIELD_END, RECORD_END]))
        decoder.start_field()
        if tag < "010" and tag.isdigit():
            fields.append(Field(tag, value=decoder.decode(data, tag)))
            continue
        indicators = data[:2].decode("ascii", "replace")
        subfields = [
            (part[:1].decode("ascii", "replace"), decoder.decode(part[1:], tag))
            for part in data[2:].split(bytes([SUBFIELD]))
            if part
        ]
        fields.append(Field(tag, indicators, subfields=subfields))
    return Original(leader, fields)


def _from_xml(raw: bytes) -> Original:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(raw, parser)
    leader, fields = "", []
    for element in root:
        name = etree.QName(element).localname
        if name == "leader":
            leader = element.text or ""
        elif name == "controlfield":
            fields.append(Field(element.get("tag", ""), value=element.text or ""))
        elif name == "datafield":
            subfields = [
                (sub.get("code", ""), sub.text or "")
                for sub in element
                if etree.QName(sub).localname == "subfield"
            ]
            indicators = (element.get("ind1") or " ") + (element.get("ind2") or " ")
            fields.append(Field(element.get("tag", ""), indicators, subfields=subfields))
    return Original(leader, fields)


def as_pymarc(original: Original) -> pymarc.Record:
    """The record as pymarc's, in Unicode (leader/09 "a"), ready to write as ISO 2709 or XML."""
    record = pymarc.Record(force_utf8=True)
    leader = (original.leader + " " * 24)[:24]
    record.leader = pymarc.Leader(leader[:9] + "a" + leader[10:])
    for field in original.fields:
        if field.is_control:
            record.add_field(pymarc.Field(tag=field.tag, data=field.value))
        else:
            indicators = (field.indicators + "  ")[:2]
            record.add_field(
                pymarc.Field(
                    tag=field.tag,
                    indicators=pymarc.Indicators(indicators[0], indicators[1]),
                    subfields=[
                        pymarc.Subfield(code, value) for code, value in field.subfields or []
                    ],
                )
            )
    return record
