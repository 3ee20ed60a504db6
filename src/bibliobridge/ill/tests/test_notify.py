"""Mail about ILL requests: readers and staff, each in their own language."""

import datetime as dt

from django.core import mail

from bibliobridge.ill import services
from bibliobridge.ill.enums import Role, Service

from .conftest import partner_request, supplier_says
from .test_flows import deliver


def borrowing(network, ill_staff, language="en", service=Service.LOAN):
    request = services.create_request(
        ill_staff, Role.REQUESTER, service=service, title="Der Zauberberg",
        patron_name="Wang Xiaoming", patron_email="reader@example.org", patron_language=language,
    )  # fmt: skip
    services.add_lender(ill_staff, request, network.lenders[0], "test")
    services.transition(request, "submit", ill_staff)
    return request


def test_the_reader_hears_the_loan_has_arrived_in_english(
    network, ill_staff, django_capture_on_commit_callbacks
):
    request = borrowing(network, ill_staff)
    due = dt.datetime(2027, 1, 15, tzinfo=dt.UTC)
    deliver(network, supplier_says(request.our_id, "DE-1", "Loaned", due_date=due))
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(request, "receive", ill_staff)
    (sent,) = [m for m in mail.outbox if m.to == ["reader@example.org"]]
    assert sent.subject.startswith("Your inter-library loan has arrived")
    assert "collect it at the inter-library loan desk" in sent.body and "2027" in sent.body


def test_and_in_chinese(network, ill_staff, django_capture_on_commit_callbacks):
    request = borrowing(network, ill_staff, language="zh-hans")
    deliver(network, supplier_says(request.our_id, "DE-1", "Loaned"))
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(request, "receive", ill_staff)
    (sent,) = mail.outbox
    assert sent.subject.startswith("您的馆际互借文献已到馆")


def test_a_copy_link_reaches_the_reader(network, ill_staff, django_capture_on_commit_callbacks):
    request = borrowing(network, ill_staff, service=Service.COPY)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(network, supplier_says(request.our_id, "DE-1", "CopyCompleted",
                                       note="https://ill.example.org/c/1"))  # fmt: skip
    (sent,) = mail.outbox
    assert "Your copy is ready" in sent.subject and "https://ill.example.org/c/1" in sent.body


def test_nobody_could_supply_it(network, ill_staff, django_capture_on_commit_callbacks):
    request = borrowing(network, ill_staff)
    for lender in ("DE-1", "FR-2"):
        who = network.lenders[0 if lender == "DE-1" else 1]
        deliver(network, supplier_says(request.our_id, lender, "Unfilled", "RequestResponse"),
                lender=who, version="1.2")  # fmt: skip
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(request, "close", ill_staff)
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["We could not obtain your request"]


def test_staff_hear_of_a_partners_request(network, ill_staff, viewer,
                                          django_capture_on_commit_callbacks):  # fmt: skip
    ill_staff.language = "en"
    ill_staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(network, partner_request("their-9", "DE-1")).ok
    assert [m.to for m in mail.outbox] == [[ill_staff.email]]
    assert "needs you" in mail.outbox[0].subject


def test_staff_are_mailed_once_while_a_request_needs_attention(
    network, ill_staff, django_capture_on_commit_callbacks
):
    request = borrowing(network, ill_staff)
    mail.outbox.clear()
    for status in ("LoanCompleted", "LoanCompleted", "CopyCompleted"):
        with django_capture_on_commit_callbacks(execute=True):
            answer = deliver(network, supplier_says(request.our_id, "DE-1", status))
        assert answer.error_type == "UnrecognisedDataValue"
    request.refresh_from_db()
    assert request.attention and "CopyCompleted" in request.attention_note  # the latest
    assert [m.to for m in mail.outbox] == [[ill_staff.email]]
