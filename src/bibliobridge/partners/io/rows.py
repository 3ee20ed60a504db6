"""Rows of a partner spreadsheet → a checked plan → institutions, through the services.

`plan_rows(table)` checks every row and decides for each whether it creates an
institution or updates the one that already holds one of its identifiers. Problems are
collected as (row as the user sees it, column, reason), never raised one at a time, so the
user fixes the whole file in one go. `import_rows(actor, plan, valid_only)` applies the
plan in one transaction; with errors in the plan nothing is applied unless the user chose
to import only the valid rows.

The columns are documented in docs/partner-import.md.
"""

import copy
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bibliobridge.core import vocab
from bibliobridge.core.models import User

from .. import services
from ..enums import ContactRole, IdentifierScheme, InstitutionKind
from ..models import Contact, Identifier, Institution
from .tabular import ImportFileError, Table
from .zones import guess_time_zone

COLUMNS = (
    "kind", "name", "name_zh", "name_en", "country", "region", "city", "time_zone",
    "languages", "currencies", "website", "isil", "ror", "oclc", "calis", "local", "tags",
    "notes", "contact_name", "contact_email", "contact_role",
)  # fmt: skip
IDENTIFIER_COLUMNS = tuple(s.value for s in IdentifierScheme)

# Header spellings people use, besides the column names themselves (any case, spaces,
# hyphens): simplified and traditional Chinese, and the English labels.
ALIASES = {
    "kind": ["类型", "類型", "机构类型", "機構類型", "type"],
    "name": ["名称", "名稱", "机构名称", "機構名稱", "原文名称", "原名", "original name"],
    "name_zh": ["中文名称", "中文名稱", "中文名", "chinese name"],
    "name_en": ["英文名称", "英文名稱", "英文名", "english name"],
    "country": ["国家", "國家", "国家/地区", "國家/地區", "国家或地区", "國家或地區", "国家代码"],
    "region": ["地区", "地區", "省/州", "省份", "州/省", "state", "province"],
    "city": ["城市"],
    "time_zone": ["时区", "時區", "timezone", "zone"],
    "languages": ["语言", "語言", "language"],
    "currencies": ["货币", "貨幣", "币种", "幣別", "currency"],
    "website": ["网站", "網站", "网址", "網址", "web site", "url"],
    "isil": [],
    "ror": ["ror id"],
    "oclc": ["oclc代码", "oclc symbol"],
    "calis": ["calis代码", "calis code"],
    "local": ["本地代码", "本馆代码", "本館代碼", "local code"],
    "tags": ["标签", "標籤", "tag"],
    "notes": ["备注", "備註", "note"],
    "contact_name": ["联系人", "聯絡人", "聯繫人", "contact"],
    "contact_email": ["联系人邮箱", "邮箱", "電子郵件", "电子邮件", "e-mail", "email"],
    "contact_role": ["联系人角色", "联系人职能", "聯絡人角色"],
}
# Values people type for a kind of institution, besides the code and the translated label.
KIND_ALIASES = {
    InstitutionKind.NATIONAL_LIBRARY: ["国家图书馆", "國家圖書館"],
    InstitutionKind.UNIVERSITY_LIBRARY: ["大学图书馆", "大學圖書館", "高校图书馆", "university"],
    InstitutionKind.PUBLIC_LIBRARY: ["公共图书馆", "公共圖書館", "public"],
    InstitutionKind.RESEARCH_LIBRARY: ["研究图书馆", "專業圖書館", "专业图书馆", "research"],
    InstitutionKind.CONSORTIUM: ["联盟", "聯盟"],
    InstitutionKind.INTERNATIONAL_ORGANISATION: ["国际组织", "國際組織"],
    InstitutionKind.VENDOR: ["供应商", "供應商", "书商", "書商"],
    InstitutionKind.OTHER: ["其他"],
}
_LIST_SPLIT = re.compile(r"[;,；，、]")


class MissingColumns(ImportFileError):
    pass


class ImportBlocked(Exception):
    """The plan has errors and the user did not choose to import only the valid rows."""


def _key(text: str) -> str:
    return re.sub(r"[\s\-_]+", "_", (text or "").strip().lower())


@functools.cache
def _header_map() -> dict[str, str]:
    mapping = {}
    for column, aliases in ALIASES.items():
        mapping[_key(column)] = column
        for alias in aliases:
            mapping[_key(alias)] = column
    return mapping


def canonical_column(header: str) -> str | None:
    return _header_map().get(_key(header))


def looks_like_header(cells: list[str]) -> bool:
    """A title row above the header names no known column; the header names several."""
    known = sum(1 for c in cells if canonical_column(c))
    return known >= 2 or (known == 1 and sum(1 for c in cells if c) == 1)


def _choice_lookup(choices: Any, aliases: dict | None = None) -> dict[str, str]:
    lookup = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices.choices:
                lookup[_key(str(label))] = value
    for value, _label in choices.choices:
        lookup[_key(value)] = value
    for value, words in (aliases or {}).items():
        for word in words:
            lookup[_key(word)] = value
    return lookup


@functools.cache
def _kinds() -> dict[str, str]:
    return _choice_lookup(InstitutionKind, KIND_ALIASES)


@functools.cache
def _roles() -> dict[str, str]:
    return _choice_lookup(ContactRole)


@functools.cache
def _country_names() -> dict[str, str]:
    names = {}
    codes = vocab.country_codes()
    for locale in ("en", "zh", "zh_Hant"):
        for code, name in Locale.parse(locale).territories.items():
            if code in codes:
                names[_key(name)] = code
    import pycountry

    for country in pycountry.countries:
        names[_key(country.alpha_3)] = country.alpha_2
    return names


def normalise_country_cell(value: str) -> str:
    """An ISO 3166 code from a code, an alpha-3 code or the country's name in en/zh."""
    try:
        return vocab.normalise_country(value)
    except ValidationError:
        code = _country_names().get(_key(value))
        if code:
            return code
        raise


def split_list(value: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT.split(value or "") if part.strip()]


# ---------------------------------------------------------------- the plan

ERROR = "error"
WARNING = "warning"


@dataclass
class Problem:
    row: int
    column: str
    message: str
    level: str = ERROR


@dataclass
class CheckedRow:
    """A spreadsheet row (any import's) with the problems found in it."""

    number: int  # as the user sees it in the spreadsheet
    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list, kw_only=True)

    @property
    def is_valid(self) -> bool:
        return not any(p.level == ERROR for p in self.problems)

    def error(self, column: str, message: Any) -> None:
        self.problems.append(Problem(self.number, column, str(message)))

    def warn(self, column: str, message: Any) -> None:
        self.problems.append(Problem(self.number, column, str(message), WARNING))


@dataclass
class RowPlan(CheckedRow):
    fields: dict[str, Any] = field(default_factory=dict)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] | None = None
    contact: dict[str, str] | None = None
    institution: Institution | None = None  # the one to update; None creates

    @property
    def action(self) -> str:
        return "update" if self.institution is not None else "create"


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    file_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        found = list(self.file_problems)
        for row in self.rows:
            found.extend(row.problems)
        return sorted(
            found, key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else 99)
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def valid_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if r.is_valid]

    @property
    def invalid_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if not r.is_valid]

    def count(self, action: str) -> int:
        return sum(1 for r in self.valid_rows if r.action == action)


@dataclass
class ImportResult:
    created: list[Institution] = field(default_factory=list)
    updated: list[Institution] = field(default_factory=list)
    skipped: int = 0


def plan_rows(table: Table) -> ImportPlan:
    """Check every row of the table and decide what each one does."""
    columns = {h: canonical_column(h) for h in table.headers if h}
    present = set(columns.values()) - {None}
    if not present & {"name", "name_zh", "name_en", *IDENTIFIER_COLUMNS}:
        raise MissingColumns(
            _(
                "The first row must name the columns; at least “name” (or 名称) or an identifier "
                "column such as “isil” is needed. See the import guide for every column."
            )
        )
    header_row = table.header_row
    plan = ImportPlan(rows=[])
    for header, column in columns.items():
        if column is None:
            plan.file_problems.append(
                Problem(
                    header_row,
                    header,
                    str(_("This column is not known and was ignored.")),
                    WARNING,
                )
            )
    for row in table.rows:
        values = {}
        for header, value in row.values.items():
            column = columns.get(header)
            if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
                value = value[1:]  # the quote our CSV export puts before formula characters
            if column and (value or column not in values):
                values[column] = value
        row_plan = RowPlan(number=row.number, values=values)
        _check_row(row_plan)
        for column in IDENTIFIER_COLUMNS:
            header = next((h for h, c in columns.items() if c == column), None)
            if header and (row.number, header) in table.numeric_cells:
                row_plan.warn(
                    column,
                    _(
                        "This cell was a number in the spreadsheet, so leading zeros may have been "
                        "lost; format the column as text."
                    ),
                )
        plan.rows.append(row_plan)
    for note_row, header, message in table.notes:
        plan.file_problems.append(
            Problem(note_row, columns.get(header) or header, str(message), WARNING)
        )
    _match_identifiers(plan)
    for row_plan in plan.rows:
        if row_plan.is_valid:
            _check_model(row_plan)
    return plan


def _check_row(row: RowPlan) -> None:
    values = row.values
    fields = row.fields
    for column in ("name", "name_zh", "name_en", "region", "city", "notes"):
        if values.get(column):
            fields[column] = values[column]
    if values.get("kind"):
        kind = _kinds().get(_key(values["kind"]))
        if kind:
            fields["kind"] = kind
        else:
            row.error(
                "kind",
                _("“%(value)s” is not a kind of institution; use one of: %(choices)s.")
                % {"value": values["kind"], "choices": ", ".join(InstitutionKind.values)},
            )
    _normalise_into(row, "country", vocab.normalise_country, normalise_country_cell)
    _normalise_into(row, "time_zone", vocab.normalise_time_zone)
    for column, normalise in (
        ("languages", vocab.normalise_language),
        ("currencies", vocab.normalise_currency),
    ):
        if values.get(column):
            codes = []
            for part in split_list(values[column]):
                try:
                    code = normalise(part)
                except ValidationError as error:
                    row.error(column, " ".join(error.messages))
                    continue
                if code not in codes:
                    codes.append(code)
            fields[column] = codes
    if values.get("website"):
        url = values["website"]
        if "://" not in url:
            url = "https://" + url
        try:
            URLValidator(schemes=["http", "https"])(url)
            fields["website"] = url
        except ValidationError:
            row.error(
                "website", _("“%(value)s” is not a web address.") % {"value": values["website"]}
            )
    for scheme in IDENTIFIER_COLUMNS:
        for raw in (
            split_list(values.get(scheme, "")) if scheme != "local" else _split_local(values)
        ):
            try:
                row.identifiers.append((scheme, services.normalise_identifier(scheme, raw)))
            except ValidationError as error:
                row.error(scheme, " ".join(error.messages))
    if "tags" in values and values["tags"]:
        row.tags = split_list(values["tags"])
    if values.get("contact_name") or values.get("contact_email"):
        contact = {"name": values.get("contact_name", ""), "email": values.get("contact_email", "")}
        if contact["email"]:
            try:
                EmailValidator()(contact["email"])
            except ValidationError:
                row.error(
                    "contact_email",
                    _("“%(value)s” is not an e-mail address.") % {"value": contact["email"]},
                )
        if not contact["name"]:
            contact["name"] = contact["email"]
        role = values.get("contact_role", "")
        contact["role"] = _roles().get(_key(role), "") if role else ContactRole.COOPERATION.value
        if not contact["role"]:
            row.error(
                "contact_role",
                _("“%(value)s” is not a contact role; use one of: %(choices)s.")
                % {"value": role, "choices": ", ".join(ContactRole.values)},
            )
        row.contact = contact
    if not (
        fields.get("name") or fields.get("name_zh") or fields.get("name_en") or row.identifiers
    ):
        row.error("name", _("Each row needs a name or an identifier."))


def _split_local(values: dict[str, str]) -> list[str]:
    # Local codes may contain commas; only ";" separates several.
    return [p.strip() for p in (values.get("local") or "").split(";") if p.strip()]


def _normalise_into(row: RowPlan, column: str, normalise: Any, lenient: Any = None) -> None:
    value = row.values.get(column)
    if not value:
        return
    try:
        row.fields[column] = (lenient or normalise)(value)
    except ValidationError as error:
        row.error(column, " ".join(error.messages))


def _match_identifiers(plan: ImportPlan) -> None:
    """Find which rows update an existing institution; flag identifiers used twice."""
    wanted = {key for row in plan.rows for key in row.identifiers}
    holders: dict[tuple[str, str], int] = {}
    by_scheme: dict[str, list[str]] = {}
    for scheme, value in wanted:
        by_scheme.setdefault(scheme, []).append(value)
    for scheme, values in by_scheme.items():
        for start in range(0, len(values), 500):
            for value, institution_id in Identifier.objects.filter(
                scheme=scheme, value__in=values[start : start + 500]
            ).values_list("value", "institution_id"):
                holders[(scheme, value)] = institution_id
    institutions = Institution.objects.prefetch_related("contacts", "tags", "identifiers").in_bulk(
        set(holders.values())
    )
    seen_identifier: dict[tuple[str, str], int] = {}
    seen_institution: dict[int, int] = {}
    for row in plan.rows:
        matched: dict[int, tuple[str, str]] = {}
        for key in row.identifiers:
            scheme, value = key
            label = IdentifierScheme(scheme).label
            if key in seen_identifier:
                row.error(
                    scheme,
                    _("%(scheme)s %(value)s is also in row %(row)d.")
                    % {"scheme": label, "value": value, "row": seen_identifier[key]},
                )
                continue
            seen_identifier[key] = row.number
            if key in holders:
                matched.setdefault(holders[key], key)
        if len(matched) > 1:
            (first_id, first), (_second_id, second) = list(matched.items())[:2]
            row.error(
                second[0],
                _(
                    "%(scheme)s %(value)s belongs to %(holder)s, but %(other)s %(other_value)s to %(other_holder)s."
                )
                % {
                    "scheme": IdentifierScheme(second[0]).label,
                    "value": second[1],
                    "holder": institutions[_second_id],
                    "other": IdentifierScheme(first[0]).label,
                    "other_value": first[1],
                    "other_holder": institutions[first_id],
                },
            )
        elif matched:
            institution_id, key = next(iter(matched.items()))
            if institution_id in seen_institution:
                row.error(
                    key[0],
                    _(
                        "Row %(row)d already updates %(holder)s, the institution with %(scheme)s %(value)s."
                    )
                    % {
                        "row": seen_institution[institution_id],
                        "holder": institutions[institution_id],
                        "scheme": IdentifierScheme(key[0]).label,
                        "value": key[1],
                    },
                )
            else:
                seen_institution[institution_id] = row.number
                row.institution = institutions[institution_id]


def _check_model(row: RowPlan) -> None:
    """The model's own checks (lengths, required fields) on what the row would save."""
    fields = row.fields
    if row.institution is None:
        fields.setdefault("kind", InstitutionKind.OTHER.value)
        if not fields.get("name"):
            fields["name"] = fields.get("name_zh") or fields.get("name_en") or ""
        if not fields.get("name"):
            row.error("name", _("A new institution needs a name."))
        if not fields.get("country"):
            row.error(
                "country", _("A new institution needs a country (ISO 3166 code, such as CN).")
            )
            return
        if not fields.get("time_zone"):
            fields["time_zone"] = guess_time_zone(fields["country"])
        candidate = Institution(
            **{k: v for k, v in fields.items() if k in services.INSTITUTION_FIELDS}
        )
    else:
        candidate = copy.copy(row.institution)
        for name, value in fields.items():
            setattr(candidate, name, value)
    try:
        candidate.full_clean(exclude=["search_text", "parent"], validate_unique=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            row.error(name if name in COLUMNS else "name", " ".join(messages))
    if row.contact:
        contact = Contact(institution=candidate, **row.contact)
        try:
            contact.full_clean(exclude=["institution"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                row.error(
                    f"contact_{name}" if f"contact_{name}" in COLUMNS else "contact_name",
                    " ".join(messages),
                )


# ---------------------------------------------------------------- applying it


@transaction.atomic
def import_rows(actor: User | None, plan: ImportPlan, valid_only: bool = False) -> ImportResult:
    """Apply the plan through the partner services, all or nothing.

    With errors in the plan this raises ImportBlocked unless valid_only, which applies the
    valid rows and skips the others.
    """
    if plan.has_errors and not valid_only:
        raise ImportBlocked(_("The file has errors; nothing was imported."))
    result = ImportResult(skipped=len(plan.invalid_rows))
    for row in plan.valid_rows:
        try:
            _apply_row(actor, row, result)
        except ValidationError as error:
            # Only a change made since the check (another user, another import) gets here.
            raise ImportBlocked(
                _("Row %(row)d could not be imported: %(reason)s Nothing was imported.")
                % {"row": row.number, "reason": " ".join(error.messages)}
            ) from error
    return result


def _apply_row(actor: User | None, row: RowPlan, result: ImportResult) -> None:
    if row.institution is None:
        institution = services.create_institution(
            actor, row.fields, identifiers=row.identifiers, tags=row.tags or ()
        )
        result.created.append(institution)
    else:
        institution = Institution.objects.get(pk=row.institution.pk)
        services.update_institution(actor, institution, row.fields)
        have = set(institution.identifiers.values_list("scheme", "value"))
        for scheme, value in row.identifiers:
            if (scheme, value) not in have:
                services.add_identifier(actor, institution, scheme, value)
        if row.tags is not None:
            services.set_tags(actor, institution, row.tags)
        result.updated.append(institution)
    if row.contact:
        _save_contact(actor, institution, row.contact)


def _save_contact(actor: User | None, institution: Institution, values: dict[str, str]) -> None:
    contacts = institution.contacts.all()
    match = None
    if values["email"]:
        match = next((c for c in contacts if c.email.lower() == values["email"].lower()), None)
    if match is None:
        match = next((c for c in contacts if c.name == values["name"]), None)
    contact = match or Contact(institution=institution)
    if match is not None and all(getattr(match, k) == v for k, v in values.items()):
        return
    for name, value in values.items():
        setattr(contact, name, value)
    services.save_part(actor, contact)


def plan_file(upload: Any) -> ImportPlan:
    """Read an uploaded CSV or XLSX file and check its rows."""
    from .tabular import read_table

    return plan_rows(read_table(upload, is_header=looks_like_header))


def problems_as_text(problems: Iterable[Problem]) -> list[str]:
    return [f"{p.row}\t{p.column}\t{p.level}\t{p.message}" for p in problems]
