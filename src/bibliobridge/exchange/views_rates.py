"""The table of currency rates staff keep, at which exchange values are converted
(core.money). Exchange staff keep it because the exchange ledger is its first user."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bibliobridge.core import services
from bibliobridge.core.access import require_perm
from bibliobridge.core.forms import add_service_errors
from bibliobridge.core.models import CurrencyRate, User
from bibliobridge.core.queries import activity_for

from .forms import RateFilterForm, RateForm

PAGE_SIZE = 50
VIEW = "core.view_currencyrate"


def _rate(pk: int) -> CurrencyRate:
    try:
        return CurrencyRate.objects.get(pk=pk)
    except CurrencyRate.DoesNotExist as error:
        raise Http404 from error


@require_perm(VIEW)
def rates(request: HttpRequest) -> HttpResponse:
    filters = RateFilterForm(request.GET or None)
    rows = CurrencyRate.objects.all()
    if filters.is_valid() and filters.cleaned_data["currency"]:
        code = filters.cleaned_data["currency"].upper()
        rows = rows.filter(Q(currency=code) | Q(quote_currency=code))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "form": RateForm() if request.user.has_perm("core.add_currencyrate") else None,
    }
    return render(request, "exchange/rates.html", context)


@require_perm(VIEW, "core.add_currencyrate")
def rate_add(request: HttpRequest) -> HttpResponse:
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_rate(cast(User, request.user), form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The rate was recorded."))
            return redirect("exchange:rates")
    return render(request, "exchange/rate_form.html", {"form": form, "rate": None})


@require_perm(VIEW, "core.change_currencyrate")
def rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rate = _rate(pk)
    form = RateForm(request.POST or None, instance=rate)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rate(cast(User, request.user), _rate(pk), form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("exchange:rates")
    context = {"form": form, "rate": rate, "activity": activity_for(rate)}
    return render(request, "exchange/rate_form.html", context)


@require_POST
@require_perm(VIEW, "core.delete_currencyrate")
def rate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.delete_rate(cast(User, request.user), _rate(pk))
    messages.success(request, _("The rate was deleted."))
    return redirect("exchange:rates")
