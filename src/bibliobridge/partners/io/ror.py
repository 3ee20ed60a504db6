"""Seed the directory from a ROR data dump (schema v2).

The dump (https://ror.readme.io/docs/data-dump) is one JSON list of organisation records,
distributed as a zip. Active records of the chosen countries and types become
institutions carrying their ROR ID; importing a newer dump updates them rather than adding
duplicates, and parent relationships are linked in a second pass once every record exists.
"""

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from babel.core import get_global
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bibliobridge.core import vocab
from bibliobridge.core.models import User

from .. import services
from ..enums import IdentifierScheme, InstitutionKind, NameKind
from ..identifiers import normalise_ror
from ..models import Identifier, Institution
from .tabular import ImportFileError
from .zones import guess_time_zone

# ROR organisation types → our kinds. A university in ROR is the parent body, but for a
# library directory its library is what we deal with. "facility" and "archive" are mostly
# research institutes and archives with research collections; the rest we cannot place.
KIND_FOR_TYPE = {
    "education": InstitutionKind.UNIVERSITY_LIBRARY,
    "facility": InstitutionKind.RESEARCH_LIBRARY,
    "archive": InstitutionKind.RESEARCH_LIBRARY,
    "healthcare": InstitutionKind.RESEARCH_LIBRARY,
    "company": InstitutionKind.VENDOR,
}
NAME_KIND_FOR_TYPE = {
    "alias": NameKind.VARIANT,
    "acronym": NameKind.ACRONYM,
    "label": NameKind.TRANSLATED,
}


class RorDumpError(ImportFileError):
    pass


@dataclass
class RorResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    unchanged: int = 0
    linked: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (ROR ID, message)


def load_dump(source: str | Path | IO[bytes] | bytes) -> list[dict[str, Any]]:
    """The records of a .json dump, or of the schema v2 .json inside a .zip."""
    if isinstance(source, str | Path):
        with open(source, "rb") as handle:
            data = handle.read()
    elif isinstance(source, bytes):
        data = source
    else:
        source.seek(0)
        data = source.read()
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [n for n in archive.namelist() if n.lower().endswith(".json")]
                # Dumps since 2024 hold a v1 and a v2 file side by side.
                members.sort(key=lambda n: ("schema_v2" not in n, n))
                if not members:
                    raise RorDumpError(_("The zip file holds no .json file."))
                data = archive.read(members[0])
        except zipfile.BadZipFile as error:
            raise RorDumpError(_("The zip file is damaged.")) from error
    try:
        records = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RorDumpError(_("This is not a ROR data dump: the file is not valid JSON.")) from error
    if not isinstance(records, list):
        raise RorDumpError(_("This is not a ROR data dump: expected a list of records."))
    if (
        records
        and isinstance(records[0], dict)
        and "names" not in records[0]
        and "name" in records[0]
    ):
        raise RorDumpError(
            _("This is a schema v1 dump; please use the schema v2 file of the same dump.")
        )
    return records


def _country_language(country: str) -> str:
    """The country's most used official language (CLDR), as an ISO 639-1 code."""
    languages = get_global("territory_languages").get(country, {})
    official = [(info.get("population_percent", 0), code) for code, info in languages.items()
                if info.get("official_status")]  # fmt: skip
    return max(official)[1].split("_")[0] if official else ""


def record_values(record: dict[str, Any]) -> dict[str, Any]:
    """Our fields, further names and parent ROR IDs for one ROR v2 record."""
    ror = normalise_ror(record.get("id", ""))
    location = ((record.get("locations") or [{}])[0] or {}).get("geonames_details") or {}
    country = vocab.normalise_country(location.get("country_code") or "")
    display = ""
    labels: list[dict[str, Any]] = []
    others: list[tuple[str, str, str]] = []
    for name in record.get("names") or []:
        types = name.get("types") or []
        value = (name.get("value") or "").strip()
        if not value:
            continue
        if "ror_display" in types:
            display = value
        if "label" in types:
            labels.append(name)
        for kind in ("alias", "acronym"):
            if kind in types:
                others.append((value, (name.get("lang") or "")[:8], NAME_KIND_FOR_TYPE[kind]))
    country_language = _country_language(country)
    name_zh = next((n["value"] for n in labels if (n.get("lang") or "").startswith("zh")), "")
    native = next(
        (n["value"] for n in labels if country_language and n.get("lang") == country_language), ""
    )
    name = native or (name_zh if country_language == "zh" else "") or display
    for label in labels:
        if label["value"] not in (name, name_zh, display):
            others.append((label["value"], (label.get("lang") or "")[:8], NameKind.TRANSLATED))
    website = next(
        (
            link.get("value", "")
            for link in record.get("links") or []
            if link.get("type") == "website"
        ),
        "",
    )
    kind = next(
        (KIND_FOR_TYPE[t] for t in record.get("types") or [] if t in KIND_FOR_TYPE),
        InstitutionKind.OTHER,
    )
    fields = {
        "kind": kind.value,
        "name": name[:300],
        "name_zh": name_zh[:300],
        "name_en": display[:300],
        "country": country,
        "city": (location.get("name") or "")[:100],
        "region": (location.get("country_subdivision_name") or "")[:100],
        "time_zone": guess_time_zone(country, location.get("lat"), location.get("lng")),
        "website": website[:200],
    }
    if country_language:
        fields["languages"] = [country_language]
    parents = [
        rel.get("id", "")
        for rel in record.get("relationships") or []
        if rel.get("type") == "parent"
    ]
    return {"ror": ror, "fields": fields, "names": others, "parents": parents}


def import_ror(
    actor: User | None,
    records: Iterable[dict[str, Any]],
    countries: Iterable[str] = (),
    types: Iterable[str] = (),
) -> RorResult:
    """Create or update an institution for each active record of the countries and types.

    Each record is saved in its own transaction, so one bad record is reported and the
    rest still load; parents are linked after all records.
    """
    countries = {c.upper() for c in countries}
    types = set(types)
    result = RorResult()
    known = dict(
        Identifier.objects.filter(scheme=IdentifierScheme.ROR).values_list(
            "value", "institution_id"
        )
    )
    parents: dict[int, list[str]] = {}
    for record in records:
        if not isinstance(record, dict):
            result.skipped += 1
            continue
        if record.get("status") not in (None, "active"):
            result.skipped += 1
            continue
        location = ((record.get("locations") or [{}])[0] or {}).get("geonames_details") or {}
        if countries and (location.get("country_code") or "").upper() not in countries:
            result.skipped += 1
            continue
        if types and not types & set(record.get("types") or []):
            result.skipped += 1
            continue
        ror_id = str(record.get("id", ""))
        try:
            values = record_values(record)
            institution_id = _save(actor, values, known, result)
        except ValidationError as error:
            result.errors.append((ror_id, " ".join(error.messages)))
            continue
        if values["parents"]:
            parents[institution_id] = values["parents"]
    _link_parents(actor, parents, result)
    return result


@transaction.atomic
def _save(
    actor: User | None, values: dict[str, Any], known: dict[str, int], result: RorResult
) -> int:
    ror = values["ror"]
    fields = values["fields"]
    if ror not in known:
        institution = services.create_institution(
            actor, fields, identifiers=[(IdentifierScheme.ROR.value, ror)], names=values["names"]
        )
        known[ror] = institution.pk
        result.created += 1
        return institution.pk
    institution = Institution.objects.get(pk=known[ror])
    # A ROR record is not the authority on what our staff maintain: blank fields and the
    # name fields our staff filled stay as they are.
    changes = {
        k: v for k, v in fields.items()
        if v and (not getattr(institution, k) or k in ("name_en", "website", "city"))
    }  # fmt: skip
    changed = services.update_institution(actor, institution, changes) if changes else {}
    have = set(institution.names.values_list("value", flat=True))
    for value, language, kind in values["names"]:
        if value not in have:
            services.add_name(actor, institution, value, language, kind)
            changed = True
    if changed:
        result.updated += 1
    else:
        result.unchanged += 1
    return institution.pk


def _link_parents(actor: User | None, parents: dict[int, list[str]], result: RorResult) -> None:
    if not parents:
        return
    ror_ids = {normalise_ror_or_blank(p) for ids in parents.values() for p in ids} - {""}
    holders = dict(
        Identifier.objects.filter(scheme=IdentifierScheme.ROR, value__in=ror_ids).values_list(
            "value", "institution_id"
        )
    )
    institutions = Institution.objects.in_bulk([*parents, *holders.values()])
    for child_id, parent_ids in parents.items():
        child = institutions[child_id]
        parent_pk = next(
            (holders[r] for r in map(normalise_ror_or_blank, parent_ids) if r in holders), None
        )
        if parent_pk is None or child.parent_id == parent_pk:
            continue
        try:
            with transaction.atomic():
                services.update_institution(actor, child, {"parent": institutions[parent_pk]})
            result.linked += 1
        except ValidationError as error:
            result.errors.append((str(parent_ids[0]), " ".join(error.messages)))


def normalise_ror_or_blank(value: str) -> str:
    try:
        return normalise_ror(value)
    except ValidationError:
        return ""
