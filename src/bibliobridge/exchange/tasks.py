"""Background work of publication exchange: letters mailed to partners after commit, and
matching run from the web page (at a million offers it takes longer than a request may)."""

from django.core.mail import EmailMessage
from django_tasks import task

from bibliobridge.core.models import User

from . import documents, letters, services
from .enums import LetterKind
from .models import Claim, ExchangeList, Shipment


@task()
def task_exchange_letter_mail(kind: str, pk: int, recipient: str) -> int:
    """Mail a letter (the acknowledgement of a shipment, a claim) to the partner's exchange
    contact in the partner's language, its PDF attached; returns how many mails went out."""
    if kind == "acknowledgement":
        shipment = Shipment.objects.select_related("partner").filter(pk=pk).first()
        if shipment is None:
            return 0
        language = documents.partner_language(shipment.partner)
        values = documents.shipment_values(shipment, language)
        pdf = documents.acknowledgement_pdf(shipment, language)
        name = f"{shipment.number}-acknowledgement.pdf"
        letter = letters.render(LetterKind.ACKNOWLEDGEMENT, language, values)
    else:
        claim = Claim.objects.select_related("partner").filter(pk=pk).first()
        if claim is None:
            return 0
        language = documents.partner_language(claim.partner)
        pdf = documents.claim_pdf(claim, language)
        name = f"claim-{claim.pk}.pdf"
        letter = letters.render(LetterKind.CLAIM, language, documents.claim_values(claim, language))
    message = EmailMessage(" ".join(letter.subject.split()), letter.body, None, [recipient])
    message.attach(name, pdf, "application/pdf")
    message.send()
    return 1


@task()
def task_exchange_match(list_id: int | None, user_id: int | None) -> dict[str, int]:
    """Match one list (or every list) for the user who asked; returns the counts."""
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    exchange_list = ExchangeList.objects.filter(pk=list_id).first() if list_id else None
    if list_id and exchange_list is None:
        return {"new": 0, "refreshed": 0, "dropped": 0}  # the list went meanwhile
    return services.find_matches(actor, exchange_list).as_dict()
