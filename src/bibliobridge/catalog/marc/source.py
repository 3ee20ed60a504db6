"""One record as read, before normalisation: the leader and the fields we map.

Both syntaxes produce this, so one mapping serves ISO 2709 and MARCXML and the same
record in either normalises identically.
"""

from dataclasses import dataclass, field

Subfields = list[tuple[str, str]]
DataField = tuple[str, Subfields]  # (indicators, [(code, value), ...])

# The fields each mapping reads; the ISO 2709 reader decodes only these.
MARC21_TAGS = frozenset(
    "001 004 008 010 020 022 035 041 100 110 111 245 250 260 264 "
    "600 610 611 630 648 650 651 653 700 710 711 852 866 867 868 880".split()
)
UNIMARC_TAGS = frozenset(
    "001 010 011 035 100 101 200 205 210 214 600 601 602 604 605 606 607 608 "
    "700 701 702 710 711 712 801 852 905 995".split()
)
# Fields that mark a UNIMARC record as CNMARC (Chinese national format).
CNMARC_TAGS = frozenset({"092", "690", "905", "906"})


@dataclass(slots=True)
class Source:
    leader: str
    control: dict[str, str] = field(default_factory=dict)  # first of each control field
    data: dict[str, list[DataField]] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()  # every tag present, mapped or not
    warnings: list[str] = field(default_factory=list)
    namespace: str = ""  # MARCXML only

    def first(self, tag: str, code: str) -> str:
        for _ind, subfields in self.data.get(tag, ()):
            for c, value in subfields:
                if c == code:
                    return value
        return ""
