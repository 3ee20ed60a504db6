from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import identifiers


class InstitutionKind(models.TextChoices):
    NATIONAL_LIBRARY = "national_library", _("National library")
    UNIVERSITY_LIBRARY = "university_library", _("University library")
    PUBLIC_LIBRARY = "public_library", _("Public library")
    RESEARCH_LIBRARY = "research_library", _("Research library")
    CONSORTIUM = "consortium", _("Consortium")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    VENDOR = "vendor", _("Vendor")
    OTHER = "other", pgettext_lazy("institution kind", "Other")


class IdentifierScheme(models.TextChoices):
    ISIL = "isil", _("ISIL")
    ROR = "ror", _("ROR")
    OCLC = "oclc", _("OCLC symbol")
    CALIS = "calis", _("CALIS code")
    LOCAL = "local", _("Local code")


# Each scheme's normaliser; the one place identifier syntax is checked.
IDENTIFIER_NORMALISERS = {
    IdentifierScheme.ISIL: identifiers.normalise_isil,
    IdentifierScheme.ROR: identifiers.normalise_ror,
    IdentifierScheme.OCLC: identifiers.normalise_oclc_symbol,
    IdentifierScheme.CALIS: identifiers.normalise_calis_code,
    IdentifierScheme.LOCAL: identifiers.normalise_local_code,
}


class NameKind(models.TextChoices):
    VARIANT = "variant", _("Variant name")
    FORMER = "former", _("Former name")
    ACRONYM = "acronym", _("Acronym")
    ROMANISED = "romanised", _("Romanised name")
    TRANSLATED = "translated", _("Translated name")


class AddressKind(models.TextChoices):
    POSTAL = "postal", _("Postal")
    SHIPPING = "shipping", _("Shipping")
    BILLING = "billing", _("Billing")


class ContactRole(models.TextChoices):
    DIRECTOR = "director", _("Director")
    COOPERATION = "cooperation", _("International cooperation")
    ILL = "ill", _("Inter-library loan")
    DOCUMENT_DELIVERY = "document_delivery", _("Document delivery")
    EXCHANGE = "exchange", _("Publication exchange")
    ERESOURCES = "eresources", _("Electronic resources")
    OTHER = "other", pgettext_lazy("contact role", "Other")


class EndpointKind(models.TextChoices):
    ISO18626 = "iso18626", _("ISO 18626")
    SRU = "sru", _("SRU")
    OAI_PMH = "oai_pmh", _("OAI-PMH")
    SUSHI = "sushi", _("SUSHI")
    WEB = "web", _("Web site")


class Iso18626Version(models.TextChoices):
    V1_2 = "1.2", _("1.2 (2017)")
    V2021_2 = "2021-2", _("2021-2")


class PaymentMethod(models.TextChoices):
    FREE = "free", _("Free or reciprocal")
    INVOICE = "invoice", _("Invoice")
    IFLA_VOUCHER = "ifla_voucher", _("IFLA voucher")
    OCLC_IFM = "oclc_ifm", _("OCLC IFM")
