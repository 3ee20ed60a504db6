import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bibliobridge.agreements.enums import AgreementStatus
from bibliobridge.agreements.models import Agreement, AgreementVersion, Reminder
from bibliobridge.agreements.tasks import schedule_next_run, task_agreement_reminders
from bibliobridge.core.enums import Action
from bibliobridge.core.models import ActivityLog

from .factories import AgreementFactory

EXPIRY = dt.date(2027, 6, 30)


def run(day: dt.date, capture) -> dict | None:
    with capture(execute=True):
        result = task_agreement_reminders.enqueue(today=day.isoformat())
    assert result.status == TaskResultStatus.SUCCESSFUL
    return result.return_value


def reminders() -> list[tuple[str, dt.date, int, str]]:
    return list(
        Reminder.objects.order_by("sent_at", "id").values_list(
            "kind", "deadline", "days_before", "recipient"
        )
    )


@pytest.fixture
def live(officer):
    officer.language = "en"
    officer.save()
    return AgreementFactory(
        title="Exchange with the British Library",
        status=AgreementStatus.IN_EFFECT,
        expiry_date=EXPIRY,
        owner=officer,
    )


@pytest.mark.django_db
class TestReminders:
    def test_at_90_and_30_days_and_not_twice(self, live, django_capture_on_commit_callbacks):
        assert (
            run(EXPIRY - dt.timedelta(days=91), django_capture_on_commit_callbacks)["reminders"]
            == 0
        )
        assert (
            run(EXPIRY - dt.timedelta(days=90), django_capture_on_commit_callbacks)["reminders"]
            == 1
        )
        assert (
            run(EXPIRY - dt.timedelta(days=90), django_capture_on_commit_callbacks)["reminders"]
            == 0
        )
        assert (
            run(EXPIRY - dt.timedelta(days=60), django_capture_on_commit_callbacks)["reminders"]
            == 0
        )
        assert (
            run(EXPIRY - dt.timedelta(days=30), django_capture_on_commit_callbacks)["reminders"]
            == 1
        )
        assert (
            run(EXPIRY - dt.timedelta(days=1), django_capture_on_commit_callbacks)["reminders"] == 0
        )
        assert reminders() == [
            ("expiry", EXPIRY, 90, "officer@example.org"),
            ("expiry", EXPIRY, 30, "officer@example.org"),
        ]
        assert [m.subject for m in mail.outbox] == [
            "Agreement expires June 30, 2027: Exchange with the British Library",
            "Agreement expires June 30, 2027: Exchange with the British Library",
        ]
        assert mail.outbox[0].to == ["officer@example.org"]
        assert "expires on June 30, 2027, in 90 days." in mail.outbox[0].body
        assert f"http://127.0.0.1:8000/agreements/{live.pk}/" in mail.outbox[0].body
        assert ActivityLog.objects.filter(action=Action.REMINDED).count() == 2

    def test_late_entry_gets_only_the_nearest_reminder(
        self, live, django_capture_on_commit_callbacks
    ):
        run(EXPIRY - dt.timedelta(days=20), django_capture_on_commit_callbacks)
        run(EXPIRY - dt.timedelta(days=19), django_capture_on_commit_callbacks)
        assert reminders() == [("expiry", EXPIRY, 30, "officer@example.org")]
        assert len(mail.outbox) == 1

    def test_notice_deadline(self, live, django_capture_on_commit_callbacks):
        Agreement.objects.filter(pk=live.pk).update(notice_days=60)
        notice = EXPIRY - dt.timedelta(days=60)
        run(notice - dt.timedelta(days=90), django_capture_on_commit_callbacks)
        assert reminders() == [("notice", notice, 90, "officer@example.org")]
        assert (
            mail.outbox[0].subject
            == "Notice deadline May 1, 2027: Exchange with the British Library"
        )
        assert "Give notice by then" in mail.outbox[0].body

    def test_mail_in_owners_language(self, live, officer, django_capture_on_commit_callbacks):
        officer.language = "zh-hans"
        officer.save()
        run(EXPIRY - dt.timedelta(days=30), django_capture_on_commit_callbacks)
        [message] = mail.outbox
        # Chinese date format whatever the strings' translation state.
        assert "2027年6月30日" in message.subject
        assert "2027年6月30日" in message.body

    def test_mail_in_english_for_english_owner(
        self, live, officer, django_capture_on_commit_callbacks, settings
    ):
        settings.LANGUAGE_CODE = "zh-hans"
        officer.language = "en"
        officer.save()
        run(EXPIRY - dt.timedelta(days=30), django_capture_on_commit_callbacks)
        assert (
            mail.outbox[0].subject
            == "Agreement expires June 30, 2027: Exchange with the British Library"
        )

    def test_drafts_and_closed_agreements_get_none(
        self, officer, django_capture_on_commit_callbacks
    ):
        for status in ("draft", "negotiating", "expired", "terminated"):
            AgreementFactory(status=status, expiry_date=EXPIRY, owner=officer)
        run(EXPIRY - dt.timedelta(days=30), django_capture_on_commit_callbacks)
        assert reminders() == []
        assert mail.outbox == []

    def test_no_owner_records_without_mail(self, django_capture_on_commit_callbacks):
        AgreementFactory(status="signed", expiry_date=EXPIRY, owner=None)
        run(EXPIRY - dt.timedelta(days=30), django_capture_on_commit_callbacks)
        assert reminders() == [("expiry", EXPIRY, 30, "")]
        assert mail.outbox == []


@pytest.mark.django_db
class TestExpiryAndRenewal:
    def test_expires_lapsed_agreement(self, live, django_capture_on_commit_callbacks):
        result = run(EXPIRY + dt.timedelta(days=1), django_capture_on_commit_callbacks)
        assert result == {"reminders": 0, "expired": 1, "renewed": 0}
        assert Agreement.objects.get().status == AgreementStatus.EXPIRED
        entry = ActivityLog.objects.get(action=Action.TRANSITIONED)
        assert (entry.actor_name, entry.changes) == ("system", {"status": ["in_effect", "expired"]})

    def test_not_on_the_expiry_day_itself(self, live, django_capture_on_commit_callbacks):
        run(EXPIRY, django_capture_on_commit_callbacks)
        assert Agreement.objects.get().status == AgreementStatus.IN_EFFECT

    def test_renews_auto_renewing_agreement(self, live, django_capture_on_commit_callbacks):
        Agreement.objects.filter(pk=live.pk).update(auto_renew=True, renewal_months=24)
        result = run(EXPIRY + dt.timedelta(days=1), django_capture_on_commit_callbacks)
        assert result == {"reminders": 0, "expired": 0, "renewed": 1}
        stored = Agreement.objects.get()
        assert (stored.status, stored.expiry_date, stored.version) == (
            "in_effect",
            dt.date(2029, 6, 30),
            2,
        )
        assert AgreementVersion.objects.get().content["fields"]["expiry_date"] == "2027-06-30"

    def test_signed_not_in_effect_is_left(self, officer, django_capture_on_commit_callbacks):
        AgreementFactory(status="signed", expiry_date=EXPIRY)
        run(EXPIRY + dt.timedelta(days=5), django_capture_on_commit_callbacks)
        assert Agreement.objects.get().status == "signed"


@pytest.mark.django_db
class TestScheduling:
    def test_immediate_backend_does_not_recurse(self):
        assert schedule_next_run() is False
        assert DBTaskResult.objects.count() == 0

    def test_database_backend_queues_once(self, settings):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        assert schedule_next_run() is True
        assert schedule_next_run() is False
        queued = DBTaskResult.objects.get()
        assert queued.status == TaskResultStatus.READY
        assert queued.task_path == "bibliobridge.agreements.tasks.task_agreement_reminders"
        assert queued.run_after.astimezone(dt.UTC).hour == 22  # 06:00 in Asia/Shanghai

    def test_schedule_daily_command(self, settings, capsys):
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
        call_command("schedule_daily")
        call_command("schedule_daily")
        assert capsys.readouterr().out == (
            "Queued the daily agreement run.\nThe daily agreement run is already queued.\n"
        )
        assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
