from enum import nonmember

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AgreementType(models.TextChoices):
    FRAMEWORK_MOU = "framework_mou", _("Framework memorandum of understanding")
    PUBLICATION_EXCHANGE = "publication_exchange", _("Publication exchange")
    ILL_RECIPROCAL = "ill_reciprocal", _("ILL and document delivery (reciprocal)")
    ILL_CHARGED = "ill_charged", _("ILL and document delivery (charged)")
    ERESOURCE_SHARING = "eresource_sharing", _("E-resource sharing")
    STAFF_EXCHANGE = "staff_exchange", _("Staff exchange")
    ALLIANCE_MEMBERSHIP = "alliance_membership", _("Alliance membership")
    CONFERENCE = "conference", _("Conference co-organisation")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    IN_EFFECT = "in_effect", _("In effect")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")

    # Agreements whose dates still matter: reminders, expiry calendar.
    live_states = nonmember(("signed", "in_effect"))
    closed_states = nonmember(("expired", "terminated"))


class PartyRole(models.TextChoices):
    OUR_LIBRARY = "our_library", _("Our library")
    PARTNER = "partner", _("Partner")
    LEAD = "lead", _("Lead party")
    MEMBER = "member", _("Member")
    HOST = "host", _("Host")
    CO_ORGANISER = "co_organiser", _("Co-organiser")
    FUNDER = "funder", _("Funder")


class ConditionKind(models.TextChoices):
    ILL_FREE_REQUESTS = "ill_free_requests", _("Free ILL requests")
    ILL_FEE = "ill_fee", _("ILL fee per request")
    EXCHANGE_ITEMS = "exchange_items", _("Exchange items")
    EXCHANGE_VALUE = "exchange_value", _("Exchange value")
    STAFF_EXCHANGE = "staff_exchange", _("Staff exchange")
    ERESOURCE_ACCESS = "eresource_access", _("E-resource access")
    MEMBERSHIP_FEE = "membership_fee", _("Membership fee")
    OTHER = "other", pgettext_lazy("condition kind", "Other")


class Unit(models.TextChoices):
    REQUESTS = "requests", _("requests")
    ITEMS = "items", _("items")
    PERSONS = "persons", _("persons")
    DAYS = "days", _("days")
    TITLES = "titles", _("titles")
    MONEY = "money", _("amount")


class Period(models.TextChoices):
    YEAR = "year", _("per year")
    TERM = "term", _("for the whole term")


class Direction(models.TextChoices):
    EACH_WAY = "each_way", _("each way")
    TO_PARTNER = "to_partner", _("from us to the partner")
    FROM_PARTNER = "from_partner", _("from the partner to us")


class DocumentKind(models.TextChoices):
    SIGNED_COPY = "signed_copy", _("Signed copy")
    DRAFT = "draft", pgettext_lazy("document kind", "Draft")
    ANNEX = "annex", _("Annex")
    AMENDMENT = "amendment", _("Amendment")
    CORRESPONDENCE = "correspondence", _("Correspondence")


class DeadlineKind(models.TextChoices):
    EXPIRY = "expiry", _("Expiry")
    NOTICE = "notice", _("Notice deadline")
