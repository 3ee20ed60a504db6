"""Every write to the partner directory. Each takes the acting user and is audited.

Changes to an institution's parts (names, identifiers, contacts, addresses, endpoints,
policy, closures, tags) are logged on the institution itself, so its page shows one
history.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from bibliobridge.core.enums import Action
from bibliobridge.core.models import User
from bibliobridge.core.services import changes_between, log_activity, snapshot, update_fields

from .enums import IDENTIFIER_NORMALISERS, IdentifierScheme
from .models import (
    Address,
    Closure,
    Contact,
    Endpoint,
    Identifier,
    IllPolicy,
    Institution,
    InstitutionName,
    Tag,
)
from .search import fold

INSTITUTION_FIELDS = (
    "kind", "parent", "name", "name_zh", "name_en", "country", "region", "city",
    "time_zone", "languages", "currencies", "website", "notes", "is_active",
)  # fmt: skip


class DuplicateIdentifier(ValidationError):
    """The identifier already belongs to another institution."""


def normalise_identifier(scheme: str, value: str) -> str:
    return IDENTIFIER_NORMALISERS[IdentifierScheme(scheme)](value)


def check_identifier_free(scheme: str, value: str, institution: Institution | None = None) -> None:
    holder = (
        Identifier.objects.filter(scheme=scheme, value=value).select_related("institution").first()
    )
    if holder is not None and (institution is None or holder.institution_id != institution.pk):
        raise DuplicateIdentifier(
            _("%(scheme)s %(value)s already belongs to %(holder)s.")
            % {
                "scheme": IdentifierScheme(scheme).label,
                "value": value,
                "holder": holder.institution,
            }
        )


def refresh_search_text(institution: Institution) -> None:
    """Fold every name and identifier into one column for search in any script."""
    parts = [institution.name, institution.name_zh, institution.name_en, institution.city]
    parts += list(institution.names.values_list("value", flat=True))
    parts += list(institution.identifiers.values_list("value", flat=True))
    institution.search_text = fold(" | ".join(p for p in parts if p))
    Institution.objects.filter(pk=institution.pk).update(search_text=institution.search_text)


@transaction.atomic
def create_institution(
    actor: User | None,
    fields: dict[str, Any],
    identifiers: Iterable[tuple[str, str]] = (),
    names: Iterable[tuple[str, str, str]] = (),
    tags: Iterable[str] = (),
) -> Institution:
    """A new institution with its identifiers ((scheme, value)), further names
    ((value, language, kind)) and tags. Raises ValidationError naming the field at fault."""
    institution = Institution(**{k: v for k, v in fields.items() if k in INSTITUTION_FIELDS})
    institution.full_clean(exclude=["search_text"])
    institution.save()
    for scheme, value in identifiers:
        _add_identifier(institution, scheme, value)
    for value, language, kind in names:
        InstitutionName.objects.create(
            institution=institution, value=value, language=language, kind=kind
        )
    _set_tags(institution, tags)
    refresh_search_text(institution)
    log_activity(
        actor,
        Action.CREATED,
        institution,
        {
            **snapshot(
                institution, [f for f in INSTITUTION_FIELDS if fields.get(f) not in (None, "", [])]
            ),
            "identifiers": [
                f"{s} {v}" for s, v in institution.identifiers.values_list("scheme", "value")
            ],
        },
    )
    return institution


@transaction.atomic
def update_institution(actor: User, institution: Institution, fields: dict[str, Any]) -> dict:
    values = {k: v for k, v in fields.items() if k in INSTITUTION_FIELDS}
    if "parent" in values and values["parent"] is not None:
        _check_not_own_ancestor(institution, values["parent"])
    changes = update_fields(institution, actor, values)
    if {"name", "name_zh", "name_en", "city"} & set(changes):
        refresh_search_text(institution)
    return changes


def _check_not_own_ancestor(institution: Institution, parent: Institution) -> None:
    node: Institution | None = parent
    while node is not None:
        if node.pk == institution.pk:
            raise ValidationError({"parent": _("An institution cannot be a unit of itself.")})
        node = node.parent


@transaction.atomic
def delete_institution(actor: User, institution: Institution) -> None:
    """Delete an institution that nothing refers to (agreements and units protect it)."""
    if institution.units.exists():
        raise ValidationError(_("This institution has units; move or delete them first."))
    if institution.agreement_parties.exists():
        raise ValidationError(_("This institution is a party to agreements and cannot be deleted."))
    with transaction.atomic():
        log_activity(actor, Action.DELETED, institution, snapshot(institution, ["name", "country"]))
        try:
            institution.delete()
        except (models.ProtectedError, models.RestrictedError) as error:
            # Kept by what other modules hold of it (ILL requests, catalogue records,
            # exchange lists): say what, rather than fail.
            held = getattr(error, "protected_objects", None) or error.restricted_objects
            kinds = sorted({str(obj._meta.verbose_name_plural) for obj in held})
            raise ValidationError(
                _("Other records refer to this institution (%(kinds)s); it cannot be deleted.")
                % {"kinds": ", ".join(kinds)}
            ) from error


def _add_identifier(institution: Institution, scheme: str, value: str) -> Identifier:
    try:
        value = normalise_identifier(scheme, value)
    except ValidationError as error:
        raise ValidationError({"identifiers": error.messages}) from error
    check_identifier_free(scheme, value, institution)
    identifier, _created = Identifier.objects.get_or_create(
        institution=institution, scheme=scheme, value=value
    )
    return identifier


@transaction.atomic
def add_identifier(actor: User, institution: Institution, scheme: str, value: str) -> Identifier:
    identifier = _add_identifier(institution, scheme, value)
    refresh_search_text(institution)
    log_activity(actor, Action.UPDATED, institution, {"identifiers": [None, str(identifier)]})
    return identifier


@transaction.atomic
def remove_identifier(actor: User, identifier: Identifier) -> None:
    institution = identifier.institution
    log_activity(actor, Action.UPDATED, institution, {"identifiers": [str(identifier), None]})
    identifier.delete()
    refresh_search_text(institution)


@transaction.atomic
def add_name(
    actor: User, institution: Institution, value: str, language: str, kind: str
) -> InstitutionName:
    name = InstitutionName(institution=institution, value=value, language=language, kind=kind)
    name.full_clean()
    name.save()
    refresh_search_text(institution)
    log_activity(actor, Action.UPDATED, institution, {"names": [None, value]})
    return name


@transaction.atomic
def remove_name(actor: User, name: InstitutionName) -> None:
    institution = name.institution
    log_activity(actor, Action.UPDATED, institution, {"names": [name.value, None]})
    name.delete()
    refresh_search_text(institution)


def _set_tags(institution: Institution, names: Iterable[str]) -> None:
    tags = [Tag.objects.get_or_create(name=n.strip())[0] for n in names if n and n.strip()]
    institution.tags.set(tags)


@transaction.atomic
def set_tags(actor: User, institution: Institution, names: Iterable[str]) -> None:
    before = sorted(institution.tags.values_list("name", flat=True))
    _set_tags(institution, names)
    after = sorted(institution.tags.values_list("name", flat=True))
    if before != after:
        log_activity(actor, Action.UPDATED, institution, {"tags": [before, after]})


# Contacts, addresses, endpoints and closures are the institution's parts: one pair of
# services saves or deletes any of them and logs the change on the institution.
PART_MODELS = (Contact, Address, Endpoint, Closure)


@transaction.atomic
def save_part(actor: User, part: models.Model) -> models.Model:
    assert isinstance(part, PART_MODELS)
    institution = part.institution
    is_new = part.pk is None
    before = {} if is_new else snapshot(type(part).objects.get(pk=part.pk))
    part.full_clean()
    part.save()
    label = str(part._meta.verbose_name)
    if is_new:
        changes = {label: [None, str(part)]}
    else:
        changes = {f"{label}.{k}": v for k, v in changes_between(before, snapshot(part)).items()}
    if changes:
        log_activity(actor, Action.UPDATED, institution, changes)
    return part


@transaction.atomic
def delete_part(actor: User, part: models.Model) -> None:
    assert isinstance(part, PART_MODELS)
    log_activity(
        actor, Action.UPDATED, part.institution, {str(part._meta.verbose_name): [str(part), None]}
    )
    part.delete()


@transaction.atomic
def save_ill_policy(actor: User, institution: Institution, values: dict[str, Any]) -> IllPolicy:
    policy, created = IllPolicy.objects.get_or_create(institution=institution)
    before = snapshot(policy)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    changes = {f"ill_policy.{k}": v for k, v in changes_between(before, snapshot(policy)).items()}
    if changes or created:
        log_activity(actor, Action.UPDATED, institution, changes)
    return policy


@transaction.atomic
def set_home_institution(actor: User | None, institution: Institution) -> None:
    Institution.objects.filter(is_home=True).exclude(pk=institution.pk).update(is_home=False)
    if not institution.is_home:
        institution.is_home = True
        institution.save(update_fields=["is_home"])
        log_activity(actor, Action.UPDATED, institution, {"is_home": [False, True]})
