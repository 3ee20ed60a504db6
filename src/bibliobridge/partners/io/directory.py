"""The JSON directory entry: how one institution describes itself to its partners.

Resource-sharing networks keep directories in which each library publishes its own entry
(names, identifiers, service endpoints, lending policy); the format is documented in
docs/directory-entry.md. `entry_for` writes an institution's entry; `import_entry` reads
one, creating the institution or updating the one with the same ISIL or ROR ID. Every
problem names the JSON path at fault, such as `identifiers[2].value`.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from bibliobridge.core import vocab
from bibliobridge.core.models import User

from .. import services
from ..enums import IdentifierScheme, InstitutionKind, NameKind, PaymentMethod
from ..models import Address, Closure, Contact, Endpoint, Identifier, IllPolicy, Institution

FORMAT = "bibliobridge-directory-entry"
VERSION = "1.0"
# Name types besides NameKind: the official name in its own script, and the name to show
# readers of one language (zh-Hans → name_zh, en → name_en).
OFFICIAL = "official"
DISPLAY = "display"

# JSON key → model field, per part.
ADDRESS_KEYS = {"type": "kind", "native": "native", "romanised": "romanised", "country": "country"}
CONTACT_KEYS = {
    "name": "name", "name_romanised": "name_romanised", "role": "role", "title": "title",
    "email": "email", "phone": "phone", "languages": "languages",
}  # fmt: skip
ENDPOINT_KEYS = {"service": "kind", "url": "url", "version": "version"}
CLOSURE_KEYS = {"start": "start", "end": "end", "reason": "reason"}


class EntryError(ValidationError):
    """The entry is not valid; `problems` lists (JSON path, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__([f"{path}: {message}" for path, message in problems])


# ---------------------------------------------------------------- writing


def entry_queryset() -> models.QuerySet[Institution]:
    return Institution.objects.select_related("ill_policy").prefetch_related(
        "names", "identifiers", "addresses", "contacts", "endpoints", "closures"
    )


def entry_for(institution: Institution) -> dict[str, Any]:
    """The institution's directory entry, as a JSON-ready dict."""
    names = [
        {
            "value": institution.name,
            "language": (institution.languages or [""])[0],
            "type": OFFICIAL,
        }
    ]
    if institution.name_zh:
        names.append({"value": institution.name_zh, "language": "zh-Hans", "type": DISPLAY})
    if institution.name_en:
        names.append({"value": institution.name_en, "language": "en", "type": DISPLAY})
    names += [
        {"value": n.value, "language": n.language, "type": n.kind} for n in institution.names.all()
    ]
    try:
        policy: IllPolicy | None = institution.ill_policy
    except IllPolicy.DoesNotExist:
        policy = None
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": institution.kind,
        "names": names,
        "identifiers": [
            {"scheme": i.scheme, "value": i.value} for i in institution.identifiers.all()
        ],
        "country": institution.country,
        "region": institution.region,
        "city": institution.city,
        "time_zone": institution.time_zone,
        "languages": list(institution.languages or []),
        "currencies": list(institution.currencies or []),
        "website": institution.website,
        "addresses": [_dump(a, ADDRESS_KEYS) for a in institution.addresses.all()],
        "contacts": [_dump(c, CONTACT_KEYS) for c in institution.contacts.all()],
        "endpoints": [_dump(e, ENDPOINT_KEYS) for e in institution.endpoints.all()],
        "ill_policy": _dump_policy(policy) if policy else None,
        "closures": [_dump(c, CLOSURE_KEYS) for c in institution.closures.all()],
    }


def _dump(obj: models.Model, keys: dict[str, str]) -> dict[str, Any]:
    out = {}
    for key, name in keys.items():
        value = getattr(obj, name)
        out[key] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _dump_policy(policy: IllPolicy) -> dict[str, Any]:
    return {
        "lends_returnables": policy.lends_returnables,
        "supplies_copies": policy.supplies_copies,
        "countries_served": list(policy.countries_served or []),
        "payment_methods": list(policy.payment_methods or []),
        "max_cost": (
            {"amount": str(policy.max_cost), "currency": policy.max_cost_currency}
            if policy.max_cost is not None
            else None
        ),
        "shipping": policy.shipping,
    }


# ---------------------------------------------------------------- reading


class _Checker:
    """Collects problems by JSON path while reading the entry."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def add(self, path: str, message: Any) -> None:
        self.problems.append((path, str(message)))

    def text(self, data: dict, key: str, path: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(path, _("This value is required."))
            return ""
        if not isinstance(value, str):
            self.add(path, _("Expected text."))
            return ""
        return value.strip()

    def items(self, data: dict, key: str) -> list:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(key, _("Expected a list."))
            return []
        return value

    def code(self, value: Any, path: str, normalise: Any) -> str | None:
        if not isinstance(value, str):
            self.add(path, _("Expected text."))
            return None
        try:
            return normalise(value)
        except ValidationError as error:
            self.add(path, " ".join(error.messages))
            return None

    def codes(self, data: dict, key: str, normalise: Any) -> list[str]:
        found = []
        for index, value in enumerate(self.items(data, key)):
            code = self.code(value, f"{key}[{index}]", normalise)
            if code is not None:
                found.append(code)
        return found

    def choice(self, value: Any, path: str, choices: Any, required: bool = True) -> str:
        if value in (None, "") and not required:
            return ""
        if value not in choices.values:
            self.add(
                path,
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(choices.values)},
            )
            return ""
        return value

    def model_errors(self, error: ValidationError, path: str, keys: dict[str, str]) -> None:
        reverse = {name: key for key, name in keys.items()}
        for name, messages in error.message_dict.items():
            key = reverse.get(name)
            self.add(f"{path}.{key}" if key else path, " ".join(messages))


def read_entry(data: Any) -> tuple[dict[str, Any], _Checker]:
    """Check the entry and return the values it sets; problems on the checker."""
    check = _Checker()
    if not isinstance(data, dict):
        check.add("$", _("A directory entry is a JSON object."))
        return {}, check
    if data.get("format") != FORMAT:
        check.add("format", _("Expected “%(format)s”.") % {"format": FORMAT})
    version = str(data.get("version", ""))
    if version.split(".")[0] != VERSION.split(".")[0]:
        check.add(
            "version",
            _("Version %(version)s is not supported; expected 1.x.") % {"version": version},
        )

    fields: dict[str, Any] = {"kind": check.choice(data.get("kind"), "kind", InstitutionKind)}
    names: list[tuple[str, str, str]] = []
    for index, item in enumerate(check.items(data, "names")):
        path = f"names[{index}]"
        if not isinstance(item, dict):
            check.add(path, _("Expected an object."))
            continue
        value = check.text(item, "value", f"{path}.value", required=True)
        language = check.text(item, "language", f"{path}.language")
        kind = item.get("type") or NameKind.VARIANT
        if kind == OFFICIAL:
            fields["name"] = value
        elif kind == DISPLAY and language.lower().startswith("zh"):
            fields["name_zh"] = value
        elif kind == DISPLAY and language.lower().startswith("en"):
            fields["name_en"] = value
        elif kind == DISPLAY:
            names.append((value, language, NameKind.TRANSLATED))
        elif check.choice(kind, f"{path}.type", NameKind):
            names.append((value, language, kind))
    if not fields.get("name"):
        check.add("names", _("The entry needs one name of type “official”."))

    identifiers = []
    for index, item in enumerate(check.items(data, "identifiers")):
        path = f"identifiers[{index}]"
        if not isinstance(item, dict):
            check.add(path, _("Expected an object."))
            continue
        scheme = check.choice(item.get("scheme"), f"{path}.scheme", IdentifierScheme)
        if scheme:
            value = check.code(
                item.get("value"),
                f"{path}.value",
                lambda v, s=scheme: services.normalise_identifier(s, v),
            )
            if value:
                identifiers.append((scheme, value, f"{path}.value"))

    country = check.code(data.get("country"), "country", vocab.normalise_country)
    fields["country"] = country or ""
    for key in ("region", "city", "website"):
        fields[key] = check.text(data, key, key)
    if data.get("time_zone"):
        fields["time_zone"] = (
            check.code(data.get("time_zone"), "time_zone", vocab.normalise_time_zone) or ""
        )
    elif country:
        from .zones import guess_time_zone

        fields["time_zone"] = guess_time_zone(country)
    fields["languages"] = check.codes(data, "languages", vocab.normalise_language)
    fields["currencies"] = check.codes(data, "currencies", vocab.normalise_currency)

    parts = {
        "addresses": _read_parts(check, data, "addresses", Address, ADDRESS_KEYS),
        "contacts": _read_parts(check, data, "contacts", Contact, CONTACT_KEYS),
        "endpoints": _read_parts(check, data, "endpoints", Endpoint, ENDPOINT_KEYS),
        "closures": _read_parts(check, data, "closures", Closure, CLOSURE_KEYS),
    }
    policy = _read_policy(check, data.get("ill_policy"))
    return {
        "fields": fields,
        "names": names,
        "identifiers": identifiers,
        "parts": parts,
        "policy": policy,
    }, check


def _read_parts(
    check: _Checker, data: dict, key: str, model: type[models.Model], keys: dict[str, str]
) -> list[dict[str, Any]]:
    found = []
    for index, item in enumerate(check.items(data, key)):
        path = f"{key}[{index}]"
        if not isinstance(item, dict):
            check.add(path, _("Expected an object."))
            continue
        values = {
            name: item[json_key]
            for json_key, name in keys.items()
            if item.get(json_key) is not None
        }
        obj = model(**values)
        try:
            obj.full_clean(exclude=["institution"])
        except ValidationError as error:
            check.model_errors(error, path, keys)
            continue
        found.append({name: getattr(obj, name) for name in keys.values()})
    return found


def _read_policy(check: _Checker, data: Any) -> dict[str, Any] | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        check.add("ill_policy", _("Expected an object."))
        return None
    values: dict[str, Any] = {}
    for key in ("lends_returnables", "supplies_copies"):
        if key in data:
            if not isinstance(data[key], bool):
                check.add(f"ill_policy.{key}", _("Expected true or false."))
            else:
                values[key] = data[key]
    values["countries_served"] = [
        code
        for index, value in enumerate(data.get("countries_served") or [])
        if (
            code := check.code(
                value, f"ill_policy.countries_served[{index}]", vocab.normalise_country
            )
        )
    ]
    methods = []
    for index, value in enumerate(data.get("payment_methods") or []):
        if check.choice(value, f"ill_policy.payment_methods[{index}]", PaymentMethod):
            methods.append(value)
    values["payment_methods"] = methods
    values["max_cost"], values["max_cost_currency"] = None, ""
    cost = data.get("max_cost")
    if cost is not None:
        if not isinstance(cost, dict):
            check.add("ill_policy.max_cost", _("Expected an object with amount and currency."))
        else:
            try:
                amount = Decimal(str(cost.get("amount")))
                if not amount.is_finite() or amount < 0:
                    raise InvalidOperation
                values["max_cost"] = amount.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                check.add("ill_policy.max_cost.amount", _("Expected an amount such as 25.00."))
            values["max_cost_currency"] = (
                check.code(
                    cost.get("currency"), "ill_policy.max_cost.currency", vocab.normalise_currency
                )
                or ""
            )
    values["shipping"] = check.text(data, "shipping", "ill_policy.shipping")
    return values


@transaction.atomic
def import_entry(actor: User | None, data: Any) -> Institution:
    """Create the institution the entry describes, or update the one with its ISIL or ROR ID.

    Parts in the entry (addresses, contacts, endpoints, closures, ILL policy) replace the
    institution's parts of the same kind; names and identifiers are added to ours.
    """
    entry, check = read_entry(data)
    if check.problems:
        raise EntryError(check.problems)
    institution = _find(entry["identifiers"])
    for scheme, value, path in entry["identifiers"]:
        try:
            services.check_identifier_free(scheme, value, institution)
        except ValidationError as error:
            check.add(path, " ".join(error.messages))
    if check.problems:
        raise EntryError(check.problems)

    fields = entry["fields"]
    identifiers = [(s, v) for s, v, _path in entry["identifiers"]]
    try:
        if institution is None:
            institution = services.create_institution(
                actor, fields, identifiers=identifiers, names=entry["names"]
            )
        else:
            services.update_institution(actor, institution, fields)
            have = set(institution.identifiers.values_list("scheme", "value"))
            for scheme, value in identifiers:
                if (scheme, value) not in have:
                    services.add_identifier(actor, institution, scheme, value)
            have_names = set(institution.names.values_list("value", "language", "kind"))
            for value, language, kind in entry["names"]:
                if (value, language, kind) not in have_names:
                    services.add_name(actor, institution, value, language, kind)
    except ValidationError as error:
        raise EntryError(
            [(_path_of(name), " ".join(m)) for name, m in _message_dict(error).items()]
        ) from error

    _replace_parts(
        actor, institution, institution.addresses.all(), Address, entry["parts"]["addresses"]
    )
    _replace_parts(
        actor, institution, institution.contacts.all(), Contact, entry["parts"]["contacts"]
    )
    _replace_parts(
        actor, institution, institution.endpoints.all(), Endpoint, entry["parts"]["endpoints"]
    )
    _replace_parts(
        actor, institution, institution.closures.all(), Closure, entry["parts"]["closures"]
    )
    if entry["policy"] is not None:
        services.save_ill_policy(actor, institution, entry["policy"])
    return institution


def _message_dict(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"$": error.messages}


def _path_of(field_name: str) -> str:
    return {
        "name": "names",
        "name_zh": "names",
        "name_en": "names",
        "identifiers": "identifiers",
    }.get(field_name, field_name)


def _find(identifiers: list[tuple[str, str, str]]) -> Institution | None:
    for scheme in (IdentifierScheme.ISIL, IdentifierScheme.ROR):
        for s, value, _path in identifiers:
            if s == scheme:
                found = (
                    Identifier.objects.filter(scheme=s, value=value)
                    .select_related("institution")
                    .first()
                )
                if found:
                    return found.institution
    return None


def _replace_parts(
    actor: User | None,
    institution: Institution,
    existing: Any,
    model: type[models.Model],
    wanted: list[dict],
) -> None:
    """Keep parts equal to a wanted one, delete the others, create the missing ones."""
    remaining = list(wanted)
    for part in existing:
        values = {name: getattr(part, name) for name in (wanted[0] if wanted else {})}
        if values and values in remaining:
            remaining.remove(values)
        else:
            services.delete_part(actor, part)
    for values in remaining:
        services.save_part(actor, model(institution=institution, **values))
