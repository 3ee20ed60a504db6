"""The agreement workflow as a table: action → (from-states, to-state, permission, label).

`services.transition_agreement` is the one function that reads it; the UI, the API and
the daily task all go through that function.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .enums import AgreementStatus as S


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    permission: str
    label: str | Promise


PERMISSION = "agreements.transition_agreement"

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("negotiate", (S.DRAFT,), S.NEGOTIATING, PERMISSION, _("Start negotiating")),
        Transition("return_to_draft", (S.NEGOTIATING,), S.DRAFT, PERMISSION, _("Return to draft")),
        Transition("sign", (S.DRAFT, S.NEGOTIATING), S.SIGNED, PERMISSION, _("Record as signed")),
        Transition(
            "bring_into_effect", (S.SIGNED,), S.IN_EFFECT, PERMISSION, _("Bring into effect")
        ),
        Transition("expire", (S.SIGNED, S.IN_EFFECT), S.EXPIRED, PERMISSION, _("Mark as expired")),
        Transition(
            "terminate",
            (S.NEGOTIATING, S.SIGNED, S.IN_EFFECT),
            S.TERMINATED,
            PERMISSION,
            _("Terminate"),
        ),
    )
}

# Only these states allow plain edits; later ones change through amendments.
EDITABLE_STATES = (S.DRAFT, S.NEGOTIATING)
AMENDABLE_STATES = (S.SIGNED, S.IN_EFFECT)


def actions_from(status: str) -> list[Transition]:
    """The transitions the table allows from status, in table order."""
    return [t for t in TRANSITIONS.values() if status in t.sources]
