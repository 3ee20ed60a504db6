from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bibliobridge.core.access import check_perm, require_perm
from bibliobridge.core.models import User

from . import copies, copyright, openurl, queries, rota, services, slips, stats, views_reader
from . import iso18626 as proto
from .enums import Role
from .forms import (
    LISTS,
    ActionForm,
    AddLenderForm,
    CopyForm,
    ListForm,
    PeriodForm,
    RequestForm,
)
from .models import IllMessage, IllRequest, RotaEntry
from .states import PERMISSION, staff_steps

PAGE_SIZE = 50
VIEW = "ill.view_illrequest"
ADD = "ill.add_illrequest"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def get_request_for_user(user: Any, pk: int, *perms: str) -> IllRequest:
    check_perm(user, VIEW, *perms)
    try:
        return queries.request_detail(pk)
    except IllRequest.DoesNotExist as error:
        raise Http404 from error


@require_perm(VIEW)
def request_list(request: HttpRequest) -> HttpResponse:
    form = ListForm(request.GET or None)
    chosen = form.cleaned_data.get("list") if form.is_valid() else ""
    name = chosen or "attention"
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    page = Paginator(queries.worklist(name, q), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ill/list.html",
        {"form": form, "page": page, "lists": LISTS, "current": name, "query": query.urlencode()},
    )


@require_perm(VIEW, ADD)
def request_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            declared = bool(fields.pop("declaration", False))
            created = services.ask(_user(request), fields, declared)
            messages.success(request, _("The request is saved. Check it and choose the lenders."))
            return redirect("ill:detail", pk=created.pk)
    else:
        form = RequestForm(initial=request.GET.dict())
    return render(request, "ill/form.html", {"form": form, "title": _("New ILL request")})


def openurl_intake(request: HttpRequest) -> HttpResponse:
    """/openurl: a discovery system's link opens the request form, filled in (a reader who
    is not signed in as staff gets the reader's form)."""
    if not request.user.has_perms([VIEW, ADD]):
        if request.user.is_authenticated:
            raise PermissionDenied
        if settings.ILL_READER_REQUESTS_PER_HOUR > 0:
            return views_reader.ask(request)
        return redirect_to_login(request.get_full_path())
    fields = openurl.request_fields(dict(request.GET.lists()))
    form = RequestForm(initial=fields)
    return render(
        request,
        "ill/form.html",
        {"form": form, "title": _("New ILL request"), "from_openurl": bool(fields)},
    )


@require_perm(VIEW)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ill = get_request_for_user(request.user, pk)
    can_act = request.user.has_perm(PERMISSION)
    steps = staff_steps(ill.role, ill.state, ill.service) if can_act else []
    context: dict[str, Any] = {
        "ill": ill,
        "steps": [s for s in steps if s.event != "deliver_copy"],
        "action_form": ActionForm(),
        "can_act": can_act,
        "lender_form": AddLenderForm() if can_act and ill.role == Role.REQUESTER else None,
        "copy_form": CopyForm() if any(s.event == "deliver_copy" for s in steps) else None,
        "duplicates": _duplicates(ill),
        "copyright_records": list(ill.copyright_records.all()),
        "reciprocal": ill.partner_id is not None and ill.partner_id in rota.reciprocal_partners(),
        "copyright_profile": copyright.profile(),
        # Each message with the note it carries, whichever side wrote it.
        "iso_messages": [(m, proto.note_of(m.body.encode())) for m in ill.messages.all()],
    }
    if can_act and ill.role == Role.REQUESTER and ill.state == "new":
        context["suggested"] = rota.build(ill)
    return render(request, "ill/detail.html", context)


def _duplicates(ill: IllRequest) -> list[IllRequest]:
    """Other open borrowing requests for the same item (same ISBN, ISSN or title)."""
    if ill.role != Role.REQUESTER:
        return []
    same = IllRequest.objects.filter(role=Role.REQUESTER).exclude(pk=ill.pk)
    if ill.isbn:
        same = same.filter(isbn=ill.isbn)
    elif ill.issn:
        same = same.filter(issn=ill.issn, volume=ill.volume, issue=ill.issue)
    else:
        same = same.filter(title__iexact=ill.title, article_title__iexact=ill.article_title)
    return list(same.exclude(state__in=("completed", "cancelled"))[:5])


@require_POST
@require_perm(VIEW, PERMISSION)
def request_act(request: HttpRequest, pk: int, event: str) -> HttpResponse:
    ill = get_request_for_user(request.user, pk, PERMISSION)
    form = ActionForm(request.POST)
    if event == "deliver_copy":
        messages.error(request, _("Upload the copy to deliver it."))
        return redirect("ill:detail", pk=pk)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form[field].label if field in form.fields else ''}: {' '.join(errors)}"
            )
        return redirect("ill:detail", pk=pk)
    try:
        services.transition(ill, event, _user(request), form.details())
    except services.TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, _("Done: the request is now “%(state)s”.") % {"state": ill.get_state_display()}
        )
    return redirect("ill:detail", pk=pk)


@require_POST
@require_perm(VIEW, PERMISSION)
def copy_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the scan of a copy we supply and send the partner its link."""
    ill = get_request_for_user(request.user, pk, PERMISSION)
    form = CopyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the PDF of the copy."))
        return redirect("ill:detail", pk=pk)
    try:
        copies.deliver(_user(request), ill, form.cleaned_data["file"], form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except services.TransitionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The copy is delivered: the partner has its link."))
    return redirect("ill:detail", pk=pk)


def copy_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """A copy's link (no account): the copyright notice, then one view of the PDF."""
    link = copies.open_link(token)
    if link is None:
        return render(request, "ill/copy_ended.html", status=410)
    if request.method != "POST":
        return render(request, "ill/copy_notice.html", {"link": link})
    if request.POST.get("agree") != "yes" or not copies.use_view(link):
        return render(request, "ill/copy_notice.html", {"link": link, "must_agree": True})
    handle = link.file.storage.open(link.file.name, "rb")
    response = FileResponse(handle, as_attachment=True, filename=link.original_name,
                            content_type="application/pdf")  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    if link.views_left <= 1:
        copies.purge(link)  # the open handle still serves this last view
    return response


@require_POST
@require_perm(VIEW, PERMISSION)
def rota_suggest(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the suggested lenders as the rota (replacing those not asked yet)."""
    ill = get_request_for_user(request.user, pk, PERMISSION)
    built = rota.build(ill)
    services.set_rota(_user(request), ill, [(c.institution, c.reason) for c in built.candidates])
    if not built.candidates:
        messages.warning(request, _("No partner that holds it can be asked."))
    return redirect("ill:detail", pk=pk)


@require_POST
@require_perm(VIEW, PERMISSION)
def rota_add(request: HttpRequest, pk: int) -> HttpResponse:
    ill = get_request_for_user(request.user, pk, PERMISSION)
    form = AddLenderForm(request.POST)
    if form.is_valid():
        services.add_lender(_user(request), ill, form.cleaned_data["institution"],
                            form.cleaned_data["reason"] or _("added by staff"))  # fmt: skip
    else:
        messages.error(request, _("Choose a partner with an ISO 18626 service."))
    return redirect("ill:detail", pk=pk)


@require_POST
@require_perm(VIEW, PERMISSION)
def rota_remove(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    ill = get_request_for_user(request.user, pk, PERMISSION)
    entry = ill.rota.filter(pk=entry_pk, outcome=RotaEntry.Outcome.WAITING).first()
    if entry is None:
        messages.error(request, _("Only a lender not asked yet can be removed."))
    else:
        services.remove_lender(_user(request), ill, entry)
    return redirect("ill:detail", pk=pk)


@require_perm(VIEW)
def statistics(request: HttpRequest) -> HttpResponse:
    """Fill rate, turnaround, balance and reasons for a period (this year by default)."""
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    report = stats.report(start, end)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            stats.xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="ill-{start}-{end}.xlsx"'
        return response
    labels = stats.dimension_labels()
    tables = [
        (role_label, labels[name], [(value, stats.rows(f)) for value, f in groups.items()])
        for role, role_label in ((Role.REQUESTER, _("Borrowing")), (Role.SUPPLIER, _("Lending")))
        for name, groups in report.by[role].items()
    ]
    chart = {
        "partners": [p for p, _b, _l in report.balance[:15]],
        "borrowed": [b for _p, b, _l in report.balance[:15]],
        "lent": [lent for _p, _b, lent in report.balance[:15]],
        "labels": {"borrowed": _("We borrowed"), "lent": _("It borrowed")},
    }
    summary = [
        (_("Borrowing"), stats.rows(report.borrowing)),
        (_("Lending"), stats.rows(report.lending)),
        (_("Foreign-language borrowing"), stats.rows(report.satisfaction)),
    ]
    reasons = sorted(
        (report.borrowing.reasons + report.lending.reasons).items(), key=lambda kv: -kv[1]
    )
    return render(request, "ill/statistics.html", {
        "form": form, "report": report, "columns": stats.columns(), "summary": summary,
        "tables": tables, "chart": chart, "reasons": reasons,
        "satisfaction": report.satisfaction.fill_rate, "query": request.GET.urlencode(),
    })  # fmt: skip


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_perm(VIEW)
def pull_slip(request: HttpRequest, pk: int) -> HttpResponse:
    ill = get_request_for_user(request.user, pk)
    return _pdf(slips.pull_slips([ill]), f"{ill.our_id}.pdf")


@require_perm(VIEW)
def pull_slips_incoming(request: HttpRequest) -> HttpResponse:
    """A slip for every partner's request still to be fetched from the shelf."""
    waiting = queries.to_fetch()
    return _pdf(slips.pull_slips(waiting), "pull-slips.pdf")


@require_perm(VIEW)
def message_body(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """One ISO 18626 message as it was on the wire (and the confirmation)."""
    get_request_for_user(request.user, pk)
    try:
        message = queries.message_for(pk, message_pk)
    except IllMessage.DoesNotExist as error:
        raise Http404 from error
    return render(request, "ill/message.html", {"message": message, "pk": pk})
