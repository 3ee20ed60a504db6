from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bibliobridge.core import vocab
from bibliobridge.core.access import check_perm, require_perm
from bibliobridge.core.links import url_for_id
from bibliobridge.core.models import User
from bibliobridge.core.queries import activity_for

from . import queries, services
from .forms import (
    AddressForm,
    ClosureForm,
    ContactForm,
    EndpointForm,
    IdentifierForm,
    IllPolicyForm,
    InstitutionForm,
    ListFilterForm,
    NameForm,
)
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

PAGE_SIZE = 50
# An institution page lists this many of its agreements (by status, then expiry); the agreement
# list filtered by the partner has the rest.
DETAIL_AGREEMENTS = 20

# An institution's parts: model, form, the permission that edits them.
PARTS = {
    "contact": (Contact, ContactForm, "partners.change_contact"),
    "address": (Address, AddressForm, "partners.change_institution"),
    "endpoint": (Endpoint, EndpointForm, "partners.change_illpolicy"),
    "closure": (Closure, ClosureForm, "partners.change_illpolicy"),
}


def get_institution_for_user(user: User, pk: int) -> Institution:
    check_perm(user, "partners.view_institution")
    try:
        return queries.institution_detail(pk)
    except Institution.DoesNotExist as error:
        raise Http404 from error


@require_perm("partners.view_institution")
def institution_list(request: HttpRequest) -> HttpResponse:
    filters = ListFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    institutions = queries.filtered_institutions(**{k: v or "" for k, v in values.items()})
    page = Paginator(institutions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = queries.listed_partners(cast(QuerySet[Institution], page.object_list))
    detail_url = url_for_id("partners:detail")
    for row in rows:
        row.url = detail_url(row.pk)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "countries": [(c, vocab.country_name(c)) for c in queries.used_countries()],
        # A list, not a QuerySet: the cached filter form varies on its every item.
        "tags": list(Tag.objects.order_by("name").values_list("name", flat=True)),
    }
    template = (
        "partners/list.html#rows" if request.headers.get("HX-Request") else "partners/list.html"
    )
    return render(request, template, context)


@require_perm("partners.view_institution")
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk)
    policy = IllPolicy.objects.filter(institution=institution).first()
    total = institution.agreement_parties.count()
    return render(
        request,
        "partners/detail.html",
        {
            "institution": institution,
            "policy": policy,
            "agreement_parties": queries.agreement_parties_of(
                institution, total, DETAIL_AGREEMENTS
            ),
            "agreement_total": total,
            "activity": activity_for(institution),
            "country_name": vocab.country_name(institution.country),
            "language_names": [vocab.language_name(code) for code in institution.languages],
            "local_today": institution.local_date(),
            "identifier_form": IdentifierForm(institution=institution),
            "name_form": NameForm(),
        },
    )


@require_perm("partners.add_institution")
def institution_create(request: HttpRequest) -> HttpResponse:
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.create_institution(
                request.user,
                {k: v for k, v in form.cleaned_data.items() if k in services.INSTITUTION_FIELDS},
                identifiers=form.identifier_pairs(),
                tags=form.cleaned_data["tags"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The institution was created."))
            return redirect("partners:detail", pk=institution.pk)
    return render(request, "partners/form.html", {"form": form, "institution": None})


@require_perm("partners.change_institution")
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_institution_for_user(request.user, pk)
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.update_institution(
                    request.user,
                    Institution.objects.get(pk=pk),
                    {
                        k: v
                        for k, v in form.cleaned_data.items()
                        if k in services.INSTITUTION_FIELDS
                    },
                )
                _sync_identifiers(request.user, institution, dict(form.identifier_pairs()))
                services.set_tags(request.user, institution, form.cleaned_data["tags"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("partners:detail", pk=pk)
    return render(request, "partners/form.html", {"form": form, "institution": institution})


def _sync_identifiers(user: User, institution: Institution, wanted: dict[str, str]) -> None:
    """The edit form holds one ISIL, ROR, OCLC and CALIS value each; local codes stay."""
    for identifier in institution.identifiers.filter(scheme__in=["isil", "ror", "oclc", "calis"]):
        if wanted.get(identifier.scheme) != identifier.value:
            services.remove_identifier(user, identifier)
    existing = set(institution.identifiers.values_list("scheme", "value"))
    for scheme, value in wanted.items():
        if (scheme, value) not in existing:
            services.add_identifier(user, institution, scheme, value)


@require_POST
@require_perm("partners.delete_institution")
def institution_delete(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=pk)
    try:
        services.delete_institution(request.user, institution)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("partners:detail", pk=pk)
    messages.success(request, _("The institution was deleted."))
    return redirect("partners:list")


@require_POST
@require_perm("partners.change_institution")
def identifier_add(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=pk)
    form = IdentifierForm(request.POST, institution=institution)
    if form.is_valid():
        services.add_identifier(
            request.user, institution, form.cleaned_data["scheme"], form.cleaned_data["value"]
        )
        messages.success(request, _("The identifier was added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("partners:detail", pk=pk)


@require_POST
@require_perm("partners.change_institution")
def identifier_remove(request: HttpRequest, pk: int, identifier_id: int) -> HttpResponse:
    identifier = get_object_or_404(Identifier, pk=identifier_id, institution_id=pk)
    services.remove_identifier(request.user, identifier)
    return redirect("partners:detail", pk=pk)


@require_POST
@require_perm("partners.change_institution")
def name_add(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=pk)
    form = NameForm(request.POST)
    if form.is_valid():
        services.add_name(request.user, institution, **form.cleaned_data)
        messages.success(request, _("The name was added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("partners:detail", pk=pk)


@require_POST
@require_perm("partners.change_institution")
def name_remove(request: HttpRequest, pk: int, name_id: int) -> HttpResponse:
    name = get_object_or_404(InstitutionName, pk=name_id, institution_id=pk)
    services.remove_name(request.user, name)
    return redirect("partners:detail", pk=pk)


def _part_spec(user: User, part: str):
    if part not in PARTS:
        raise Http404
    model, form_class, perm = PARTS[part]
    check_perm(user, perm)
    return model, form_class


@require_perm("partners.view_institution")
def part_edit(request: HttpRequest, pk: int, part: str, part_id: int | None = None) -> HttpResponse:
    model, form_class = _part_spec(request.user, part)
    institution = get_object_or_404(Institution, pk=pk)
    instance = (
        get_object_or_404(model, pk=part_id, institution=institution)
        if part_id
        else model(institution=institution)
    )
    if part == "address" and not part_id:
        instance.country = institution.country
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_part(request.user, form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("partners:detail", pk=pk)
    return render(
        request,
        "partners/part_form.html",
        {
            "form": form,
            "institution": institution,
            "part_label": model._meta.verbose_name,
            "is_new": not part_id,
        },
    )


@require_POST
@require_perm("partners.view_institution")
def part_delete(request: HttpRequest, pk: int, part: str, part_id: int) -> HttpResponse:
    model, _form = _part_spec(request.user, part)
    services.delete_part(request.user, get_object_or_404(model, pk=part_id, institution_id=pk))
    messages.success(request, _("Deleted."))
    return redirect("partners:detail", pk=pk)


@require_perm("partners.change_illpolicy")
def ill_policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=pk)
    policy = IllPolicy.objects.filter(institution=institution).first() or IllPolicy(
        institution=institution
    )
    form = IllPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        services.save_ill_policy(
            request.user, institution, {f: form.cleaned_data[f] for f in IllPolicyForm.Meta.fields}
        )
        messages.success(request, _("The ILL policy was saved."))
        return redirect("partners:detail", pk=pk)
    return render(
        request,
        "partners/part_form.html",
        {
            "form": form,
            "institution": institution,
            "part_label": IllPolicy._meta.verbose_name,
            "is_new": False,
        },
    )


@require_perm("partners.view_institution")
def partner_map(request: HttpRequest) -> HttpResponse:
    rows = queries.partners_by_country()
    data = [{"name": code, "value": n, "label": vocab.country_name(code)} for code, n in rows]
    return render(
        request,
        "partners/map.html",
        {"rows": [(code, vocab.country_name(code), n) for code, n in rows], "map_data": data},
    )


def map_data(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated or not request.user.has_perm("partners.view_institution"):
        raise PermissionDenied
    rows = queries.partners_by_country()
    return JsonResponse(
        {"countries": [{"code": c, "name": vocab.country_name(c), "count": n} for c, n in rows]}
    )
