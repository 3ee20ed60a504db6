from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bibliobridge.core.access import check_perm, require_perm
from bibliobridge.core.forms import add_service_errors
from bibliobridge.core.links import url_for_id
from bibliobridge.core.models import User
from bibliobridge.core.queries import activity_for

from . import queries, services
from .exports import agreements_ical, agreements_xlsx
from .forms import (
    AgreementCreateForm,
    AgreementFilterForm,
    AgreementForm,
    AmendForm,
    ConditionForm,
    DocumentForm,
    PartyForm,
    TransitionForm,
)
from .models import Agreement, AgreementDocument, AgreementParty, Condition
from .services import AGREEMENT_FIELDS
from .workflow import AMENDABLE_STATES, EDITABLE_STATES, actions_from

PAGE_SIZE = 50
VIEW = "agreements.view_agreement"
CHANGE = "agreements.change_agreement"


def _user(request: HttpRequest) -> User:
    # Every view is behind require_perm, so the user is signed in.
    return cast(User, request.user)


def get_agreement_for_user(user: Any, pk: int, *perms: str) -> Agreement:
    """The agreement with what its page needs, if user may see it (and holds perms)."""
    check_perm(user, VIEW, *perms)
    try:
        return queries.agreement_detail(pk)
    except Agreement.DoesNotExist as error:
        raise Http404 from error


def _flash_form_errors(request: HttpRequest, form: BaseForm) -> None:
    """Errors of a small form posted from the detail page, shown there as messages."""
    for field, errors in form.errors.items():
        for error in errors:
            text = str(error)
            if field in form.fields:
                text = _("%(field)s: %(error)s") % {"field": form[field].label, "error": text}
            messages.error(request, text)


@require_perm(VIEW)
def agreement_list(request: HttpRequest) -> HttpResponse:
    form = AgreementFilterForm(request.GET or None)
    agreements = queries.filtered_agreements(form.filters())
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = queries.listed_agreements(cast(QuerySet[Agreement], page.object_list))
    detail_url = url_for_id("agreements:detail")
    for row in rows:
        row.url = detail_url(row.pk)
    query = request.GET.copy()
    query.pop("page", None)
    # htmx filtering replaces only the rows.
    template = (
        "agreements/list.html#rows" if request.headers.get("HX-Request") else "agreements/list.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@require_perm(VIEW)
def agreement_calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    months = queries.deadline_counts_by_month(today)
    selected = months[0].start
    wanted = request.GET.get("month", "")
    for month in months:
        if month.start.strftime("%Y-%m") == wanted:
            selected = month.start
    month = queries.expiry_calendar(today, selected, request.GET.get("page"))
    context = {
        "months": months,
        "month": month,
        "month_query": urlencode({"month": selected.strftime("%Y-%m")}),
        "today": today,
    }
    return render(request, "agreements/calendar.html", context)


@require_perm(VIEW)
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk)
    user = _user(request)
    can_transition = user.has_perm("agreements.transition_agreement")
    can_change = user.has_perm(CHANGE)
    return render(
        request,
        "agreements/detail.html",
        {
            "agreement": agreement,
            "activity": activity_for(agreement, limit=200),
            "transitions": actions_from(agreement.status) if can_transition else [],
            "can_edit": can_change and agreement.status in EDITABLE_STATES,
            "can_amend": can_change and agreement.status in AMENDABLE_STATES,
            "can_upload": user.has_perm("agreements.add_agreementdocument"),
            "condition_form": ConditionForm()
            if can_change and agreement.status in EDITABLE_STATES
            else None,
            "party_form": PartyForm()
            if can_change and agreement.status in EDITABLE_STATES
            else None,
        },
    )


@require_perm(VIEW, "agreements.add_agreement")
def agreement_create(request: HttpRequest) -> HttpResponse:
    home = queries.home_institution()
    form = AgreementCreateForm(request.POST or None, initial={"owner": _user(request).pk})
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data.get(k) for k in AGREEMENT_FIELDS}
        try:
            agreement = services.create_agreement(_user(request), fields, form.parties(home))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The agreement was created as a draft."))
            return redirect("agreements:detail", agreement.pk)
    return render(
        request,
        "agreements/form.html",
        {"form": form, "title": _("New agreement"), "home": home, "creating": True},
    )


@require_perm(VIEW, CHANGE)
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk, CHANGE)
    if agreement.status not in EDITABLE_STATES:
        messages.error(request, _("This agreement is signed; change it by an amendment."))
        return redirect("agreements:detail", pk)
    form = AgreementForm(request.POST or None, instance=Agreement.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data.get(k) for k in AGREEMENT_FIELDS}
        try:
            services.update_agreement(_user(request), agreement, fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect("agreements:detail", pk)
    return render(
        request,
        "agreements/form.html",
        {"form": form, "agreement": agreement, "title": _("Edit agreement")},
    )


@require_perm(VIEW, CHANGE)
def agreement_amend(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk, CHANGE)
    if agreement.status not in AMENDABLE_STATES:
        messages.error(request, _("Only a signed or in-effect agreement is amended."))
        return redirect("agreements:detail", pk)
    form = AmendForm(request.POST or None, instance=Agreement.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data.get(k) for k in AGREEMENT_FIELDS}
        try:
            services.amend_agreement(_user(request), agreement, fields, form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The amendment was recorded as version %(number)d.")
                % {"number": agreement.version},
            )
            return redirect("agreements:detail", pk)
    return render(
        request,
        "agreements/form.html",
        {"form": form, "agreement": agreement, "title": _("Amend agreement")},
    )


@require_perm(VIEW)
def agreement_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk)
    version = next((v for v in agreement.versions.all() if v.number == number), None)
    if version is None:
        raise Http404
    return render(
        request,
        "agreements/version.html",
        {"agreement": agreement, "version": version, "shown": queries.version_view(version)},
    )


@require_POST
@require_perm(VIEW, "agreements.transition_agreement")
def agreement_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk)
    form = TransitionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.transition_agreement(_user(request), agreement, action, note)
    except services.TransitionNotPermitted as error:
        raise PermissionDenied from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The agreement is now “%(status)s”.") % {"status": agreement.get_status_display()},
        )
    return redirect("agreements:detail", pk)


@require_perm(VIEW, "agreements.add_agreementdocument")
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.upload_document(
                _user(request), agreement, data["file"], data["kind"], data["title"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The document was uploaded."))
            return redirect("agreements:detail", pk)
    return render(
        request,
        "agreements/form.html",
        {"form": form, "agreement": agreement, "title": _("Upload a document"), "multipart": True},
    )


@require_perm(VIEW)
def document_download(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    document = get_object_or_404(AgreementDocument, pk=document_pk, agreement_id=pk)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@require_perm(VIEW, CHANGE)
def condition_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk)
    form = ConditionForm(request.POST)
    if form.is_valid():
        try:
            services.add_condition(_user(request), agreement, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    _flash_form_errors(request, form)
    return redirect("agreements:detail", pk)


@require_POST
@require_perm(VIEW, CHANGE)
def condition_remove(request: HttpRequest, pk: int, condition_pk: int) -> HttpResponse:
    condition = get_object_or_404(
        Condition.objects.select_related("agreement"), pk=condition_pk, agreement_id=pk
    )
    try:
        services.remove_condition(_user(request), condition)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("agreements:detail", pk)


@require_POST
@require_perm(VIEW, CHANGE)
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk)
    form = PartyForm(request.POST)
    if form.is_valid():
        try:
            services.add_party(_user(request), agreement, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
    _flash_form_errors(request, form)
    return redirect("agreements:detail", pk)


@require_perm(VIEW, CHANGE)
def party_edit(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(_user(request), pk)
    party = get_object_or_404(
        AgreementParty.objects.select_related("agreement", "institution"),
        pk=party_pk,
        agreement_id=pk,
    )
    form = PartyForm(request.POST or None, instance=AgreementParty.objects.get(pk=party_pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_party(_user(request), party, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("agreements:detail", pk)
    return render(
        request,
        "agreements/form.html",
        {"form": form, "agreement": agreement, "title": _("Edit party")},
    )


@require_POST
@require_perm(VIEW, CHANGE)
def party_remove(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    party = get_object_or_404(
        AgreementParty.objects.select_related("agreement", "institution"),
        pk=party_pk,
        agreement_id=pk,
    )
    try:
        services.remove_party(_user(request), party)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("agreements:detail", pk)


def _filtered(request: HttpRequest) -> list[Agreement]:
    form = AgreementFilterForm(request.GET or None)
    return list(queries.agreements_for_list(form.filters()))


@require_perm(VIEW, "agreements.export_agreements")
def export_xlsx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        agreements_xlsx(_filtered(request)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="agreements-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


@require_perm(VIEW, "agreements.export_agreements")
def export_ical(request: HttpRequest) -> HttpResponse:
    host = urlsplit(settings.SITE_URL).hostname or "bibliobridge"
    body = agreements_ical(_filtered(request), settings.SITE_URL, host, timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="agreements.ics"'
    return response
