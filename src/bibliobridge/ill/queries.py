"""Reads for the ILL pages: the worklists and a request with what its page shows."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from .enums import Role, State
from .models import IllMessage, IllRequest, RotaEntry
from .states import TERMINAL

# States in which an item is away from its owner, so its due date matters.
OUT = (State.SHIPPED, State.RECEIVED, State.ON_LOAN, State.RENEW_PENDING,
       State.RENEW_REQUESTED, State.HOLD_RETURN, State.RECALLED)  # fmt: skip


def worklist(name: str, q: str = "") -> QuerySet[IllRequest]:
    """One of the lists (forms.LISTS), newest first, with the partner loaded."""
    requests = IllRequest.objects.select_related("partner")
    if name == "attention":
        closed = Q()
        for role, states in TERMINAL.items():
            closed |= Q(role=role, state__in=states)
        requests = requests.filter(attention=True).exclude(closed)
    elif name == "borrowing":
        requests = requests.filter(role=Role.REQUESTER)
    elif name == "lending":
        requests = requests.filter(role=Role.SUPPLIER)
    elif name == "incoming":
        requests = requests.filter(role=Role.SUPPLIER, state=State.NEW)
    elif name == "overdue":
        requests = requests.filter(
            Q(state=State.OVERDUE) | Q(state__in=OUT, due_date__lt=timezone.localdate())
        )
    if q.strip():
        text = q.strip()
        requests = requests.filter(
            Q(title__icontains=text) | Q(author__icontains=text) | Q(patron_name__icontains=text)
            | Q(our_id=text) | Q(their_id=text) | Q(article_title__icontains=text)
        )  # fmt: skip
    return requests.order_by("-created_at", "-id")


def to_fetch() -> QuerySet[IllRequest]:
    """Partners' requests we have not shipped or answered no to: their items are on our shelves."""
    return (
        IllRequest.objects.filter(
            role=Role.SUPPLIER, state__in=(State.NEW, State.EXPECT_TO_SUPPLY, State.WILL_SUPPLY)
        )
        .select_related("partner")
        .order_by("created_at", "id")
    )


def request_detail(pk: int) -> IllRequest:
    return (
        IllRequest.objects.select_related("partner", "created_by")
        .prefetch_related(
            Prefetch("rota", queryset=RotaEntry.objects.select_related("institution")),
            "copies",
            Prefetch(
                "messages",
                queryset=IllMessage.objects.select_related("partner").defer("body").order_by("id"),
            ),
        )
        .get(pk=pk)
    )


def message_for(request_pk: int, pk: int) -> IllMessage:
    return IllMessage.objects.get(request_id=request_pk, pk=pk)


__all__ = ["message_for", "request_detail", "worklist"]
