"""The reader's pages: asking for an item without a staff account, and following it.

A reader's request is a borrowing request like any other, in state "new": staff check the
reader and the item before any partner is asked. The reader gets a mail with a private
link to the request's page, signed with the site's secret (no account, nothing to guess).
"""

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from . import notify, openurl, services
from .enums import Service, State
from .forms import ReaderRequestForm

ASKED = gettext_lazy("We have asked a partner library for it.")
# Where the request stands, in the reader's words (the states are staff's).
READER_STATES = {
    State.NEW: gettext_lazy("We have your request; our staff are checking it."),
    State.SENT: ASKED,
    State.EXPECT_TO_SUPPLY: ASKED,
    State.WILL_SUPPLY: gettext_lazy("A partner library will supply it."),
    State.RETRY_POSSIBLE: ASKED,
    State.CONDITIONS_OFFERED: ASKED,
    State.UNFILLED: gettext_lazy("We are asking another library."),
    State.END_OF_ROTA: gettext_lazy("We are looking for another library that can supply it."),
    State.SHIPPED: gettext_lazy("It is on its way to us."),
    State.RECEIVED: gettext_lazy("It has arrived: collect it at the inter-library loan desk."),
    State.ON_LOAN: gettext_lazy("You have it on loan."),
    State.RENEW_PENDING: gettext_lazy("You have it on loan; we have asked to renew it."),
    State.OVERDUE: gettext_lazy("Please bring it back to the inter-library loan desk."),
    State.RECALLED: gettext_lazy("Please bring it back to the inter-library loan desk."),
    State.HOLD_RETURN: gettext_lazy("It is going back to the lending library."),
    State.RETURN_SHIPPED: gettext_lazy("It is going back to the lending library."),
    State.COMPLETED: gettext_lazy("Done."),
    State.CANCEL_PENDING: gettext_lazy("We are cancelling it."),
    State.CANCELLED: gettext_lazy("Cancelled."),
}
COPY_READY = gettext_lazy("Your copy is ready.")


def ask(request: HttpRequest) -> HttpResponse:
    """/ill/ask/: a reader's request (also where /openurl sends readers, filled in)."""
    if settings.ILL_READER_REQUESTS_PER_HOUR <= 0:
        raise Http404
    if request.method == "POST":
        form = ReaderRequestForm(request.POST)
        if form.is_valid():
            if _over_limit(request):
                form.add_error(
                    None, _("Too many requests from here in the last hour; please try again later.")
                )
            else:
                fields = dict(form.cleaned_data)
                declared = bool(fields.pop("declaration", False))
                fields["patron_language"] = _language()
                created = services.ask(None, fields, declared)
                notify.asked_by_reader(created)
                return redirect("ill_reader_status", token=notify.reader_token(created))
    else:
        form = ReaderRequestForm(initial=openurl.request_fields(dict(request.GET.lists())))
    return render(
        request, "ill/reader_form.html", {"form": form, "from_openurl": bool(request.GET)}
    )


def status(request: HttpRequest, token: str) -> HttpResponse:
    """/ill/mine/<token>/: where the reader's request stands."""
    ill = notify.request_for_token(token)
    if ill is None:
        raise Http404
    where = READER_STATES.get(ill.state, ill.get_state_display())
    if ill.service == Service.COPY and ill.delivery_url:
        where = COPY_READY
    return render(request, "ill/reader_status.html", {"ill": ill, "where": where})


def _language() -> str:
    current = get_language() or settings.LANGUAGE_CODE
    codes = [code for code, _name in settings.LANGUAGES]
    return current if current in codes else settings.LANGUAGE_CODE


def _over_limit(request: HttpRequest) -> bool:
    """One more request from this address this hour; True past the limit."""
    key = f"ill-reader-asks:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.ILL_READER_REQUESTS_PER_HOUR
