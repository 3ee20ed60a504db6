import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from bibliobridge.agreements import services
from bibliobridge.agreements.enums import (
    AgreementStatus,
    AgreementType,
    ConditionKind,
    DocumentKind,
    PartyRole,
    Unit,
)
from bibliobridge.agreements.models import Agreement, AgreementVersion
from bibliobridge.agreements.queries import version_view
from bibliobridge.agreements.services import (
    AgreementNotEditable,
    DuplicateParty,
    InvalidDocument,
    TransitionNotAllowed,
    TransitionNotPermitted,
)
from bibliobridge.agreements.workflow import TRANSITIONS
from bibliobridge.core.enums import Action
from bibliobridge.core.models import ActivityLog

from .factories import HomeInstitutionFactory, InstitutionFactory

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def history(agreement: Agreement) -> list[tuple[str, dict]]:
    entries = ActivityLog.objects.filter(object_id=str(agreement.pk)).order_by("id")
    return [(e.action, e.changes) for e in entries]


def make(officer, status: str = AgreementStatus.DRAFT, parties: int = 2, **fields) -> Agreement:
    institutions = [InstitutionFactory() for _ in range(parties)]
    agreement = services.create_agreement(
        officer,
        {"type": AgreementType.ILL_RECIPROCAL, "title": "ILL with Göttingen", "owner": officer,
         "effective_date": dt.date(2026, 1, 1), "expiry_date": dt.date(2028, 12, 31), **fields},
        [{"institution": i, "role": PartyRole.PARTNER} for i in institutions],
    )  # fmt: skip
    Agreement.objects.filter(pk=agreement.pk).update(status=status)
    agreement.refresh_from_db()
    return agreement


@pytest.mark.django_db
class TestCreate:
    def test_creates_with_parties_and_conditions_and_logs(self, officer):
        home = HomeInstitutionFactory()
        partner = InstitutionFactory(name_en="Göttingen State and University Library")
        agreement = services.create_agreement(
            officer,
            {
                "type": AgreementType.STAFF_EXCHANGE,
                "title": "Staff exchange with Göttingen",
                "owner": officer,
                "effective_date": dt.date(2026, 1, 1),
                "expiry_date": dt.date(2030, 12, 31),
                "notice_days": 180,
            },
            [
                {"institution": home, "role": PartyRole.OUR_LIBRARY, "reference": "PKU-2026-7"},
                {"institution": partner, "role": PartyRole.PARTNER, "reference": "SUB-44"},
            ],
            [
                {"kind": ConditionKind.STAFF_EXCHANGE, "quantity": Decimal("2"), "unit": Unit.PERSONS,
                 "per_quantity": Decimal("14"), "per_unit": Unit.DAYS},
            ],
        )  # fmt: skip
        assert agreement.status == AgreementStatus.DRAFT
        assert agreement.version == 1
        assert [(p.institution, p.role, p.reference) for p in agreement.parties.all()] == [
            (home, "our_library", "PKU-2026-7"),
            (partner, "partner", "SUB-44"),
        ]
        condition = agreement.conditions.get()
        assert condition.describe() == "2 persons × 14 days per year"
        assert agreement.notice_deadline == dt.date(2030, 7, 4)
        [(action, changes)] = history(agreement)
        assert action == Action.CREATED
        assert changes["title"] == "Staff exchange with Göttingen"
        assert changes["parties"] == [
            "Peking University Library (Our library)",
            "Göttingen State and University Library (Partner)",
        ]

    def test_needs_a_party(self, officer):
        with pytest.raises(ValidationError) as caught:
            services.create_agreement(officer, {"type": "conference", "title": "X"}, [])
        assert caught.value.message_dict == {"parties": ["An agreement needs at least one party."]}
        assert Agreement.objects.count() == 0

    def test_invalid_field_is_named_and_nothing_saved(self, officer):
        with pytest.raises(ValidationError) as caught:
            services.create_agreement(
                officer,
                {"type": "nonsense", "title": "X"},
                [{"institution": InstitutionFactory(), "role": "partner"}],
            )
        assert list(caught.value.message_dict) == ["type"]
        assert Agreement.objects.count() == 0

    def test_expiry_before_effective_is_refused(self, officer):
        with pytest.raises(ValidationError):
            make(officer, effective_date=dt.date(2027, 1, 1), expiry_date=dt.date(2026, 1, 1))
        assert Agreement.objects.count() == 0

    def test_duplicate_party_in_the_list(self, officer):
        partner = InstitutionFactory()
        with pytest.raises(DuplicateParty) as caught:
            services.create_agreement(
                officer,
                {"type": "conference", "title": "X"},
                [
                    {"institution": partner, "role": "partner"},
                    {"institution": partner, "role": "host"},
                ],
            )
        assert caught.value.message_dict == {
            "institution": [f"{partner} is listed twice as a party."]
        }
        assert Agreement.objects.count() == 0

    def test_money_condition_needs_currency(self, officer):
        with pytest.raises(ValidationError) as caught:
            services.create_agreement(
                officer,
                {"type": "ill_charged", "title": "X"},
                [{"institution": InstitutionFactory(), "role": "partner"}],
                [{"kind": ConditionKind.ILL_FEE, "quantity": Decimal("12.50"), "unit": Unit.MONEY}],
            )
        assert list(caught.value.message_dict) == ["currency"]


@pytest.mark.django_db
class TestUpdate:
    def test_update_draft_logs_changes(self, officer):
        agreement = make(officer)
        changes = services.update_agreement(
            officer, agreement, {"title": "New title", "notice_days": 90}
        )
        assert changes == {"notice_days": [None, 90], "title": ["ILL with Göttingen", "New title"]}
        assert Agreement.objects.get().title == "New title"
        assert history(agreement)[-1] == (Action.UPDATED, changes)

    @pytest.mark.parametrize("status", ["signed", "in_effect", "expired", "terminated"])
    def test_signed_or_closed_cannot_be_edited(self, officer, status):
        agreement = make(officer, status)
        with pytest.raises(AgreementNotEditable):
            services.update_agreement(officer, agreement, {"title": "New title"})
        assert Agreement.objects.get().title == "ILL with Göttingen"


ALLOWED = [
    (action, source, transition.target)
    for action, transition in TRANSITIONS.items()
    for source in transition.sources
]
REFUSED = [
    (action, source)
    for action, transition in TRANSITIONS.items()
    for source in AgreementStatus.values
    if source not in transition.sources
]


@pytest.mark.django_db
class TestTransitions:
    @pytest.mark.parametrize(("action", "source", "target"), ALLOWED)
    def test_allowed(self, officer, action, source, target):
        agreement = make(officer, source)
        before = agreement.status_changed_at
        services.transition_agreement(officer, agreement, action, note="per phone call")
        stored = Agreement.objects.get()
        assert (agreement.status, stored.status) == (target, target)
        assert stored.status_changed_at > before
        entry = ActivityLog.objects.filter(action=Action.TRANSITIONED).get()
        assert (entry.changes, entry.message, entry.actor) == (
            {"status": [source, target]},
            "per phone call",
            officer,
        )

    @pytest.mark.parametrize(("action", "source"), REFUSED)
    def test_refused(self, officer, action, source):
        agreement = make(officer, source)
        with pytest.raises(TransitionNotAllowed) as caught:
            services.transition_agreement(officer, agreement, action)
        label = AgreementStatus(source).label
        assert caught.value.messages == [
            f"This agreement is “{label}”, so “{TRANSITIONS[action].label}” is not possible."
        ]
        assert Agreement.objects.get().status == source
        assert not ActivityLog.objects.filter(action=Action.TRANSITIONED).exists()

    def test_sign_needs_two_parties(self, officer):
        agreement = make(officer, parties=1)
        with pytest.raises(TransitionNotAllowed) as caught:
            services.transition_agreement(officer, agreement, "sign")
        assert caught.value.messages == [
            "An agreement needs at least two parties before it can be signed; this one has 1."
        ]
        assert Agreement.objects.get().status == "draft"

    def test_bring_into_effect_needs_effective_date(self, officer):
        agreement = make(officer, "signed", effective_date=None)
        with pytest.raises(TransitionNotAllowed) as caught:
            services.transition_agreement(officer, agreement, "bring_into_effect")
        assert caught.value.messages == [
            "Enter the effective date before bringing the agreement into effect."
        ]

    def test_unknown_action(self, officer):
        agreement = make(officer)
        with pytest.raises(TransitionNotAllowed):
            services.transition_agreement(officer, agreement, "publish")

    def test_viewer_may_not(self, officer, viewer):
        agreement = make(officer)
        with pytest.raises(TransitionNotPermitted):
            services.transition_agreement(viewer, agreement, "negotiate")
        assert Agreement.objects.get().status == "draft"

    def test_system_task_needs_no_permission(self, officer):
        agreement = make(officer, "in_effect")
        services.transition_agreement(None, agreement, "expire")
        entry = ActivityLog.objects.filter(action=Action.TRANSITIONED).get()
        assert (entry.actor, entry.actor_name) == (None, "system")

    def test_stale_object_cannot_transition_twice(self, officer):
        agreement = make(officer)
        stale = Agreement.objects.get(pk=agreement.pk)
        services.transition_agreement(officer, agreement, "negotiate")
        with pytest.raises(TransitionNotAllowed):
            services.transition_agreement(officer, stale, "negotiate")
        assert ActivityLog.objects.filter(action=Action.TRANSITIONED).count() == 1


@pytest.mark.django_db
class TestAmend:
    def test_amendment_keeps_old_version_readable(self, officer):
        agreement = make(officer, "in_effect", notice_days=90)
        services.amend_agreement(
            officer,
            agreement,
            {"expiry_date": dt.date(2030, 12, 31)},
            "Extended by two years (letter of 3 March)",
            conditions=[
                {
                    "kind": ConditionKind.ILL_FREE_REQUESTS,
                    "quantity": Decimal("200"),
                    "unit": Unit.REQUESTS,
                }
            ],
        )
        stored = Agreement.objects.get()
        assert (stored.version, stored.expiry_date, stored.status) == (
            2,
            dt.date(2030, 12, 31),
            "in_effect",
        )
        assert [c.describe() for c in stored.conditions.all()] == ["200 requests per year"]
        old = AgreementVersion.objects.get()
        assert (old.number, old.reason, old.created_by) == (
            1,
            "Extended by two years (letter of 3 March)",
            officer,
        )
        shown = version_view(old)
        assert shown.fields["expiry_date"] == dt.date(2028, 12, 31)
        assert shown.fields["title"] == "ILL with Göttingen"
        assert shown.conditions == []
        assert len(shown.parties) == 2
        entry = ActivityLog.objects.filter(action=Action.AMENDED).get()
        assert entry.changes == {
            "expiry_date": ["2028-12-31", "2030-12-31"],
            "version": [1, 2],
            "conditions": [0, 1],
        }
        assert entry.message == "Extended by two years (letter of 3 March)"

    def test_second_amendment_numbers_versions(self, officer):
        agreement = make(officer, "signed")
        services.amend_agreement(officer, agreement, {"title": "B"}, "one")
        services.amend_agreement(officer, agreement, {"title": "C"}, "two")
        assert [
            (v.number, v.content["fields"]["title"]) for v in AgreementVersion.objects.all()
        ] == [
            (2, "B"),
            (1, "ILL with Göttingen"),
        ]
        assert Agreement.objects.get().version == 3

    def test_needs_reason(self, officer):
        agreement = make(officer, "signed")
        with pytest.raises(ValidationError) as caught:
            services.amend_agreement(officer, agreement, {"title": "B"}, "  ")
        assert list(caught.value.message_dict) == ["reason"]

    @pytest.mark.parametrize("status", ["draft", "negotiating", "expired", "terminated"])
    def test_only_signed_or_in_effect(self, officer, status):
        agreement = make(officer, status)
        with pytest.raises(AgreementNotEditable):
            services.amend_agreement(officer, agreement, {"title": "B"}, "why")
        assert AgreementVersion.objects.count() == 0

    def test_renew_extends_by_term(self, officer):
        agreement = make(
            officer,
            "in_effect",
            auto_renew=True,
            renewal_months=12,
            expiry_date=dt.date(2028, 2, 29),
        )
        services.renew_agreement(None, agreement)
        stored = Agreement.objects.get()
        assert (stored.expiry_date, stored.version) == (dt.date(2029, 2, 28), 2)
        assert AgreementVersion.objects.get().reason == "Renewed for 12 months, until 2029-02-28."


@pytest.mark.django_db
class TestPartiesAndConditions:
    def test_add_update_remove_party(self, officer):
        agreement = make(officer, parties=1)
        other = InstitutionFactory(name_en="British Library")
        party = services.add_party(
            officer, agreement, {"institution": other, "role": PartyRole.PARTNER}
        )
        services.update_party(officer, party, {"reference": "BL/7", "signatory_name": "Jane Doe"})
        party.refresh_from_db()
        assert (party.reference, party.signatory_name) == ("BL/7", "Jane Doe")
        services.remove_party(officer, party)
        assert agreement.parties.count() == 1
        assert [h for h in history(agreement)[1:]] == [
            (Action.UPDATED, {"parties": [None, "British Library (Partner)"]}),
            (
                Action.UPDATED,
                {
                    "British Library.reference": ["", "BL/7"],
                    "British Library.signatory_name": ["", "Jane Doe"],
                },
            ),
            (Action.UPDATED, {"parties": ["British Library (Partner)", None]}),
        ]

    def test_duplicate_party(self, officer):
        agreement = make(officer, parties=1)
        existing = agreement.parties.get().institution
        with pytest.raises(DuplicateParty) as caught:
            services.add_party(
                officer, agreement, {"institution": existing, "role": PartyRole.HOST}
            )
        assert caught.value.message_dict == {
            "institution": [f"{existing} is already a party to this agreement."]
        }
        assert agreement.parties.count() == 1

    def test_signed_party_record_may_be_completed_but_not_replaced(self, officer):
        agreement = make(officer, "signed")
        party = agreement.parties.first()
        services.update_party(officer, party, {"signed_on": dt.date(2026, 3, 1)})
        with pytest.raises(AgreementNotEditable):
            services.update_party(officer, party, {"institution": InstitutionFactory()})
        with pytest.raises(AgreementNotEditable):
            services.add_party(
                officer, agreement, {"institution": InstitutionFactory(), "role": "partner"}
            )

    def test_add_and_remove_condition(self, officer):
        agreement = make(officer)
        condition = services.add_condition(
            officer,
            agreement,
            {"kind": ConditionKind.MEMBERSHIP_FEE, "quantity": Decimal("1500.00"), "unit": Unit.MONEY,
             "currency": "eur", "period": "year"},
        )  # fmt: skip
        assert (condition.currency, condition.quantity) == ("EUR", Decimal("1500.00"))
        assert condition.describe() == "1500 EUR per year"
        services.remove_condition(officer, condition)
        assert agreement.conditions.count() == 0
        assert [a for a, _ in history(agreement)] == [
            Action.CREATED,
            Action.UPDATED,
            Action.UPDATED,
        ]


@pytest.mark.django_db
class TestDocuments:
    def test_good_pdf(self, officer, settings):
        agreement = make(officer)
        upload = SimpleUploadedFile("Signed copy 2026.pdf", PDF, content_type="application/pdf")
        document = services.upload_document(
            officer, agreement, upload, DocumentKind.SIGNED_COPY, "Signed"
        )
        digest = hashlib.sha256(PDF).hexdigest()
        assert (document.sha256, document.size, document.original_name, document.version) == (
            digest, len(PDF), "Signed copy 2026.pdf", 1,
        )  # fmt: skip
        assert document.file.name == f"agreements/{agreement.pk}/{digest}.pdf"
        with document.file.open("rb") as stored:
            assert stored.read() == PDF
        assert history(agreement)[-1] == (
            Action.UPLOADED, {"document": [None, "Signed copy 2026.pdf"], "sha256": [None, digest]},
        )  # fmt: skip

    def test_fake_pdf(self, officer):
        agreement = make(officer)
        upload = SimpleUploadedFile(
            "contract.pdf", b"MZ\x90\x00 an executable, not a PDF", content_type="application/pdf"
        )
        with pytest.raises(InvalidDocument) as caught:
            services.upload_document(officer, agreement, upload, DocumentKind.SIGNED_COPY)
        assert caught.value.message_dict == {
            "file": [
                "“contract.pdf” is not a PDF file (or is incomplete). Upload the agreement as PDF."
            ]
        }
        assert agreement.documents.count() == 0

    def test_truncated_pdf(self, officer):
        agreement = make(officer)
        upload = SimpleUploadedFile("cut.pdf", PDF[:30])
        with pytest.raises(InvalidDocument):
            services.upload_document(officer, agreement, upload, DocumentKind.DRAFT)

    def test_oversize(self, officer, settings):
        settings.MAX_DOCUMENT_BYTES = 50
        agreement = make(officer)
        upload = SimpleUploadedFile("big.pdf", PDF)
        with pytest.raises(InvalidDocument) as caught:
            services.upload_document(officer, agreement, upload, DocumentKind.ANNEX)
        assert caught.value.message_dict == {
            "file": ["“big.pdf” is 77\xa0bytes; documents may be at most 50\xa0bytes."]
        }
        assert agreement.documents.count() == 0
