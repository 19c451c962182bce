"""A customer's personal data (UU PDP): the export holds everything Sigap keeps about the
person and only supervisors and admins get it; erasure (admins) removes or redacts it in
every table that holds it, in one transaction, once, and leaves the tickets' numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.accounts import audit
from sigap.accounts.models import SecurityEvent, SecurityKind, Team, User, UserSession
from sigap.connectors.email.inbound import ingest
from sigap.connectors.livechat.models import Chat
from sigap.connectors.phone.models import Call
from sigap.core.errors import Conflict, PermissionDenied
from sigap.customers import services as customer_services
from sigap.customers.matching import search as matching_search
from sigap.customers.models import Customer, CustomerChange, CustomerContact
from sigap.customers.selectors import customers_for
from sigap.kb.models import BotConversation
from sigap.relations import loyalty
from sigap.relations.consent import consent_set
from sigap.relations.models import Campaign, CampaignRecipient, Consent, PointsEntry, RewardPool
from sigap.surveys.models import Survey
from sigap.tickets import events
from sigap.tickets import services as ticket_services
from sigap.tickets.attachments import Upload
from sigap.tickets.models import (
    Attachment,
    EventKind,
    Message,
    Proposal,
    Ticket,
    TicketSearchDocument,
    TimelineEvent,
)
from sigap.triage.models import Example
from sigap.webhooks.models import Webhook, WebhookDelivery
from tests.api_client import Api

pytestmark = pytest.mark.django_db

WORDS = "Alamat saya Jl. Melati 7, Bandung"


@pytest.fixture
def history(agent: User, team: Team, customer: Customer, ticket: Ticket) -> Ticket:
    """Something of the customer in every table the export and erasure cover."""
    now = timezone.now()
    ticket_services.message_add(
        actor=None,
        ticket=ticket,
        kind="inbound",
        body=WORDS,
        uploads=[Upload("ktp.txt", b"NIK 3273xxxxxxxx")],
        sender_address="budi@contoh.id",
    )
    ticket_services.message_add(actor=agent, ticket=ticket, kind="note", body="Pelanggan VIP.")
    Proposal.objects.create(
        ticket=ticket,
        summary="Kirim ulang ke Jl. Melati 7.",
        compensation_type="voucher",
        compensation_amount=50_000,
        status="offered",
    )
    Survey.objects.create(
        kind="csat",
        customer=customer,
        ticket=ticket,
        sent_via="email",
        sent_at=now,
        expires_at=now + timedelta(days=7),
        csat=2,
        comment="Kurirnya kasar ke ibu saya",
        answered_at=now,
    )
    Call.objects.create(
        customer=customer,
        ticket=ticket,
        agent=agent,
        started_at=now,
        duration=95,
        from_number="+6281234567890",
        notes="Menelepon dari kantor.",
    )
    consent_set(customer=customer, purpose="marketing", granted=True, source="agent", actor=agent)
    Example.objects.create(task="category", text=WORDS, label="service", ticket=ticket)
    BotConversation.objects.create(ticket=ticket, state={"last": WORDS})
    PointsEntry.objects.create(
        customer=customer, at=now, kind="manual", points=120, reason="Kompensasi"
    )
    customer_services.customer_update(
        customer=customer,
        version=customer.version,
        changes={"birthday": "1990-04-01", "region": "Jawa Barat", "notes": "Suka telepon."},
        actor=agent,
    )
    return ticket


# --- the export ---------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_person(
    supervisor: User, customer: Customer, history: Ticket
) -> None:
    customer.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        data = customer_services.customer_export(supervisor, customer)
    assert len(queries) <= 12, [q["sql"] for q in queries.captured_queries]  # fixed
    json.dumps(data)  # plain JSON
    assert data["customer"]["name"] == "Budi Santoso"
    assert data["customer"]["region"] == "Jawa Barat"
    assert {(c["kind"], c["value"]) for c in data["contacts"]} == {
        ("email", "budi@contoh.id"),
        ("phone", "+6281234567890"),
    }
    (exported,) = data["tickets"]
    bodies = [m["body"] for m in exported["messages"]]
    assert WORDS in bodies and "Pelanggan VIP." in bodies
    assert ["ktp.txt"] in [m["attachments"] for m in exported["messages"]]
    assert exported["proposals"][0]["summary"] == "Kirim ulang ke Jl. Melati 7."
    assert data["surveys"][0]["comment"] == "Kurirnya kasar ke ibu saya"
    assert data["calls"][0]["from_number"] == "+6281234567890"
    assert data["consents"][0]["purpose"] == "marketing"
    assert data["loyalty"]["points"][0]["points"] == 120
    assert {c["field"] for c in data["profile_changes"]} >= {"birthday", "region"}
    event = SecurityEvent.objects.get(kind=SecurityKind.EXPORT)
    assert event.actor_id == supervisor.pk and event.data["customer"] == customer.pk


def test_the_export_page_and_api_only_for_supervisors_and_admins(
    admin: User,
    supervisor: User,
    agent: User,
    customer_user: User,
    customer: Customer,
    other_customer: Customer,
    history: Ticket,
) -> None:
    ok = Api(admin).get(f"/customers/{customer.pk}/export")
    assert ok.status_code == 200, ok.content
    assert ok.json()["customer"]["id"] == customer.pk
    assert Api(agent).get(f"/customers/{customer.pk}/export").status_code == 403
    assert Api(customer_user).get(f"/customers/{customer.pk}/export").status_code == 403
    assert Api(customer_user).get(f"/customers/{other_customer.pk}/export").status_code == 403
    assert Api(admin).get("/customers/999999/export").status_code == 404
    with pytest.raises(PermissionDenied):
        customer_services.customer_export(agent, customer)

    page = Client()
    page.force_login(supervisor)
    download = page.get(f"/customers/{customer.pk}/export/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert json.loads(download.content)["tickets"][0]["id"] == history.pk
    assert page.post(f"/customers/{customer.pk}/export/").status_code == 405
    page.force_login(agent)
    assert page.get(f"/customers/{customer.pk}/export/").status_code == 403
    assert SecurityEvent.objects.filter(kind=SecurityKind.EXPORT).count() == 2


# --- erasure --------------------------------------------------------------------------------------


def test_erasure_removes_the_personal_data_everywhere(
    admin: User,
    customer_user: User,
    customer: Customer,
    history: Ticket,
    django_capture_on_commit_callbacks: Any,
) -> None:
    attachment = Attachment.objects.get(ticket=history)
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    status_before = Ticket.objects.get(pk=history.pk).status
    with django_capture_on_commit_callbacks(execute=True):
        erased = customer_services.customer_erase(admin, customer, "Permintaan lewat email")

    row = Customer.objects.get(pk=customer.pk)
    assert row.erased_at is not None and erased.erased_at == row.erased_at
    assert row.name == "Pelanggan dihapus"
    assert (row.notes, row.birthday, row.region, row.user_id) == ("", None, "", None)
    assert not CustomerContact.objects.filter(customer=customer).exists()
    assert not CustomerChange.objects.filter(customer=customer, new_value__isnull=False).exists()
    ticket = Ticket.objects.get(pk=history.pk)
    assert ticket.status == status_before and ticket.created_at is not None  # kept for metrics
    assert "paket" not in ticket.subject.lower() and "BLJ" not in ticket.description
    assert Message.objects.filter(ticket=ticket).count() >= 3  # the rows stay, the words go
    assert not Message.objects.filter(body__icontains="melati").exists()
    assert not Message.objects.filter(body__icontains="VIP").exists()
    assert not Message.objects.exclude(sender_address="").filter(ticket=ticket).exists()
    assert not Attachment.objects.filter(ticket=ticket).exists()
    assert not storage.exists(name)
    assert TicketSearchDocument.objects.get(ticket=ticket).staff_text == ""
    assert not Proposal.objects.filter(summary__icontains="melati").exists()
    survey = Survey.objects.get(customer=customer)
    assert (survey.comment, survey.csat) == ("", 2)
    call = Call.objects.get(customer=customer)
    assert (call.from_number, call.notes, call.duration) == ("", "", 95)
    assert not Consent.objects.filter(customer=customer).exists()
    assert PointsEntry.objects.filter(customer=customer).count() == 1
    assert not Example.objects.filter(text=WORDS).exists()
    assert BotConversation.objects.get(ticket=ticket).state == {}
    portal = User.objects.get(pk=customer_user.pk)
    assert not portal.is_active and portal.email == "" and "budi" not in portal.username

    event = SecurityEvent.objects.get(kind=SecurityKind.DATA_ERASED)
    assert event.actor_id == admin.pk
    assert event.data == {"customer": customer.pk, "reason": "Permintaan lewat email"}
    assert "Budi" not in event.detail and "budi" not in json.dumps(event.data)


def test_after_erasure_search_does_not_find_them_and_their_mail_makes_a_new_customer(
    admin: User, agent: User, customer: Customer, history: Ticket
) -> None:
    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")
    assert not customers_for(user=agent, q="Pelanggan dihapus").filter(pk=customer.pk).exists()
    assert not customers_for(user=agent, q="budi@contoh.id").exists()
    for q in ("Pelanggan dihapus", "budi@contoh.id", "0812-3456-7890"):
        assert customer.pk not in [c.pk for c in matching_search(q)]
    assert customer_services.customer_by_reference(f"#{customer.pk}") is None
    assert customer_services.customer_by_reference("budi@contoh.id") is None

    m = EmailMessage()
    m["From"] = "Budi Santoso <budi@contoh.id>"
    m["To"] = "cs@belanjaku.contoh.id"
    m["Subject"] = "Pesanan baru"
    m["Date"] = format_datetime(timezone.now())
    m["Message-ID"] = make_msgid(domain="contoh.id")
    m.set_content("Halo lagi.")
    result = ingest(bytes(m))
    assert result.status == "created" and result.ticket is not None
    assert result.ticket.customer_id != customer.pk
    assert Customer.objects.get(pk=result.ticket.customer_id).erased_at is None


def test_only_admins_erase_and_twice_is_refused(
    admin: User, supervisor: User, customer: Customer, history: Ticket
) -> None:
    Webhook.objects.create(name="CRM", url="http://127.0.0.1:9/", events=["customer.erased"])
    assert (
        Api(supervisor).post(f"/customers/{customer.pk}/erase", {"reason": "x"}).status_code == 403
    )
    assert Api(admin).post(f"/customers/{customer.pk}/erase", {"reason": ""}).status_code == 422
    first = Api(admin).post(f"/customers/{customer.pk}/erase", {"reason": "Permintaan"})
    assert first.status_code == 200, first.content
    erased_at = Customer.objects.get(pk=customer.pk).erased_at
    again = Api(admin).post(f"/customers/{customer.pk}/erase", {"reason": "Permintaan"})
    assert again.status_code == 409
    assert "sudah dihapus" in again.json()["error"]["message"]
    assert Customer.objects.get(pk=customer.pk).erased_at == erased_at
    assert SecurityEvent.objects.filter(kind=SecurityKind.DATA_ERASED).count() == 1
    (sent,) = WebhookDelivery.objects.filter(event="customer.erased")
    assert sent.payload["customer_id"] == customer.pk and "Budi" not in json.dumps(sent.payload)
    with pytest.raises(Conflict):
        customer_services.customer_erase(admin, customer, "lagi")


@pytest.fixture
def crashing() -> Iterator[None]:
    def crash(customer: Customer) -> None:
        raise RuntimeError("crash half-way")

    customer_services.on_erase(crash)  # after relations' handler, which has run by then
    try:
        yield
    finally:
        customer_services._erase_handlers.remove(crash)


def test_a_crash_half_way_changes_nothing(
    admin: User, customer: Customer, history: Ticket, crashing: None
) -> None:
    with pytest.raises(RuntimeError):
        customer_services.customer_erase(admin, customer, "Permintaan")
    row = Customer.objects.get(pk=customer.pk)
    assert row.erased_at is None and row.name == "Budi Santoso"
    assert CustomerContact.objects.filter(customer=customer).count() == 2
    assert Message.objects.filter(body=WORDS).exists()
    assert Attachment.objects.filter(ticket=history).exists()
    assert Consent.objects.filter(customer=customer).exists()
    assert Survey.objects.get(customer=customer).comment
    assert not SecurityEvent.objects.filter(kind=SecurityKind.DATA_ERASED).exists()


def test_the_erase_page_asks_for_the_name_and_posts_only(
    admin: User, agent: User, customer: Customer, history: Ticket
) -> None:
    page = Client()
    page.force_login(agent)
    assert page.get(f"/customers/{customer.pk}/erase/").status_code == 403
    assert b"customer-erase" not in page.get(f"/customers/{customer.pk}/").content
    page.force_login(admin)
    assert b'id="customer-erase"' in page.get(f"/customers/{customer.pk}/").content
    form = page.get(f"/customers/{customer.pk}/erase/")
    assert form.status_code == 200 and b"form-customer-erase" in form.content
    assert Customer.objects.get(pk=customer.pk).erased_at is None  # GET changes nothing
    wrong = page.post(
        f"/customers/{customer.pk}/erase/", {"confirm_name": "Budi", "reason": "Permintaan"}
    )
    assert wrong.status_code == 422
    assert Customer.objects.get(pk=customer.pk).erased_at is None
    done = page.post(
        f"/customers/{customer.pk}/erase/",
        {"confirm_name": "Budi Santoso", "reason": "Permintaan"},
    )
    assert done.status_code == 302
    assert Customer.objects.get(pk=customer.pk).erased_at is not None
    after = page.get(f"/customers/{customer.pk}/")
    assert after.status_code == 200
    assert b"Santoso" not in after.content and b"budi@contoh.id" not in after.content
    assert b"Pelanggan dihapus" in after.content
    assert b"cmerge-q" not in after.content  # an erased record merges with nothing
    again = page.get(f"/customers/{customer.pk}/erase/")
    assert b"form-customer-erase" not in again.content


def test_records_merged_into_the_customer_are_erased_with_it(
    admin: User, supervisor: User, customer: Customer, other_customer: Customer
) -> None:
    customer_services.customer_merge(actor=supervisor, target=customer, source=other_customer)
    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")
    merged = Customer.objects.get(pk=other_customer.pk)
    assert merged.name == "Pelanggan dihapus" and merged.erased_at is not None
    assert not Customer.objects.filter(name__icontains="siti").exists()
    assert not Customer.objects.filter(notes__icontains="siti").exists()
    assert not CustomerContact.objects.filter(value__icontains="siti").exists()
    assert not User.objects.filter(is_active=True, role="customer").exists()


# --- every erase path -----------------------------------------------------------------------------


@pytest.fixture
def worded_timeline(agent: User, history: Ticket) -> Ticket:
    """Events whose data or values carry the customer's words (``tickets/events.py``)."""
    ticket = Ticket.objects.get(pk=history.pk)
    events.recorded_event(ticket, agent, facts=WORDS)
    events.confirmation_event(ticket, agent, WORDS, True, "Ya, Jl. Melati 7 betul")
    events.field_changed_event(ticket, agent, "subject", ticket.subject, "Melati 7", "ke Melati")
    events.status_changed_event(ticket, agent, "new", "open", "Budi minta ke Melati")
    events.formal_escalation_event(
        ticket, agent, words="Saya Budi dari Melati 7", deadline=timezone.now(), level=1
    )
    message = Message.objects.filter(ticket=ticket, kind="inbound").first()
    assert message is not None
    events.email_bounced_event(
        message, recipient="budi@contoh.id", reason="mailbox full", status="5.2.2", report_id="r1"
    )
    events.sla_event(ticket, EventKind.CALL_LOGGED, data={"call_id": 1, "notes": "Bu Budi"})
    return ticket


def _timeline_text(ticket: Ticket) -> str:
    rows = TimelineEvent.objects.filter(ticket=ticket).values("old_value", "new_value", "data")
    return json.dumps(list(rows), ensure_ascii=False).lower()


def test_erasure_redacts_the_timeline_and_keeps_its_events(
    admin: User, customer: Customer, worded_timeline: Ticket
) -> None:
    ticket = worded_timeline
    text = _timeline_text(ticket)
    assert "melati" in text and "budi" in text and "paket belum sampai" in text
    before = list(
        TimelineEvent.objects.filter(ticket=ticket)
        .order_by("pk")
        .values_list("pk", "kind", "field", "actor_id", "public", "created_at")
    )

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    after = list(
        TimelineEvent.objects.filter(ticket=ticket, pk__lte=before[-1][0])
        .order_by("pk")
        .values_list("pk", "kind", "field", "actor_id", "public", "created_at")
    )
    assert after == before  # every event stays, with who, what and when
    text = _timeline_text(ticket)
    assert "melati" not in text and "budi" not in text and "paket belum sampai" not in text
    redacted = TimelineEvent.objects.filter(ticket=ticket, redacted_at__isnull=False)
    kinds = set(redacted.values_list("kind", flat=True))
    assert kinds >= {"created", "recorded", "confirmation", "field_changed", "status_changed"}
    assert kinds >= {"formal_escalation", "automation", "call_logged"}
    escalation = TimelineEvent.objects.get(ticket=ticket, kind="formal_escalation")
    assert escalation.data["level"] == 1 and escalation.data["deadline"]  # the facts stay
    confirmation = TimelineEvent.objects.get(ticket=ticket, kind="confirmation")
    assert confirmation.data["customer_confirmed"] is True
    # Nothing else became writable: an ordinary update is still refused.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TimelineEvent.objects.filter(ticket=ticket).update(data={})


def test_erasure_pseudonymises_the_security_log(
    admin: User, customer_user: User, customer: Customer
) -> None:
    page = Client()
    page.force_login(customer_user)
    audit.record(SecurityKind.SIGN_IN_FAILED, user_name="BUDI@contoh.id")  # typed, no account
    audit.record(SecurityKind.PASSWORD_CHANGED, user=customer_user, detail="budi@contoh.id")
    audit.record(SecurityKind.SIGN_IN, user=customer_user, actor=customer_user)
    staff_row = audit.record(SecurityKind.SIGN_IN, user=admin, actor=admin)
    # an admin-site change of their account names it in the detail (accounts.audit)
    LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(customer_user.pk),
        object_repr=str(customer_user),
        action_flag=CHANGE,
        change_message="[]",
    )
    assert "budi" in SecurityEvent.objects.order_by("pk").last().detail.lower()
    rows_before = set(SecurityEvent.objects.values_list("pk", "kind", "at", "user_id"))

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    rows = SecurityEvent.objects.order_by("pk")
    old_ids = {pk for pk, *_ in rows_before}
    kept = {r for r in rows.values_list("pk", "kind", "at", "user_id") if r[0] in old_ids}
    assert kept == rows_before  # every event stays, with its kind, time and ids
    everything = json.dumps(
        list(rows.values("actor_name", "user_name", "detail", "data")), ensure_ascii=False
    ).lower()
    assert "budi" not in everything
    pseudonym = f"erased-{customer_user.pk}"
    mine = rows.filter(user_id=customer_user.pk)
    assert mine.exists() and set(mine.values_list("user_name", flat=True)) == {pseudonym}
    signed_in = rows.filter(kind="sign_in", user_id=customer_user.pk)
    assert set(signed_in.values_list("actor_name", flat=True)) == {pseudonym}
    failed = rows.get(kind="sign_in_failed")
    assert failed.user_id is None and failed.user_name == pseudonym  # the portal name
    assert failed.pseudonymised_at is not None
    assert failed.subject is None  # the digest of the erased address goes with it
    untouched = SecurityEvent.objects.get(pk=staff_row.pk)
    assert (untouched.user_name, untouched.pseudonymised_at) == ("admin", None)


def test_the_security_log_names_a_typed_address_by_digest_only(admin: User) -> None:
    """A row without an account keeps who it concerns as a keyed digest of the typed
    name (any case), which finds it; a row of an account has none (its id finds it)."""
    typed = audit.record(SecurityKind.SIGN_IN_FAILED, user_name="Budi@Contoh.id")
    mine = audit.record(SecurityKind.SIGN_IN, user=admin, actor=admin)
    assert typed.subject and len(typed.subject) == 64 and "budi" not in typed.subject
    assert mine.subject is None
    found = audit.concerning(user_ids=[], names=["budi@contoh.id"])
    assert list(found.values_list("pk", flat=True)) == [typed.pk]
    assert set(audit.concerning(user_ids=[admin.pk], names=[]).values_list("pk", flat=True)) == {
        mine.pk
    }
    assert not audit.concerning(user_ids=[], names=[]).exists()


def test_erasure_redacts_the_names_and_temperament_the_timeline_recorded(
    admin: User, agent: User, customer: Customer, other_customer: Customer, other_ticket: Ticket
) -> None:
    """A ticket filed under the customer from someone else's name, and their temperament
    set from the ticket: both were written old → new on its timeline."""
    ticket = ticket_services.ticket_change_customer(
        actor=admin, ticket=other_ticket, customer=customer, reason="Pelanggan yang sama"
    )
    customer.refresh_from_db()
    ticket_services.ticket_customer_update(
        actor=admin,
        ticket=ticket,
        version=customer.version,
        changes={"temperament": "arrogant"},
    )
    assert "budi" in _timeline_text(ticket) and "arrogant" in _timeline_text(ticket)

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    text = _timeline_text(ticket)
    assert "budi" not in text and "arrogant" not in text
    # the other side of the change of customer is someone else's name: it stays
    assert f"{other_customer.name} (#{other_customer.pk})".lower() in text
    fields = set(
        TimelineEvent.objects.filter(ticket=ticket, redacted_at__isnull=False).values_list(
            "field", flat=True
        )
    )
    assert {"customer", "temperament"} <= fields


def test_erasure_finds_its_security_log_rows_by_index_on_postgresql(
    customer_user: User,
) -> None:
    """The rows of an erased person are looked up through the log's indexes (their
    account's id as concerned or acting account, the digest of a typed address), never by
    reading the log: planned as at a million rows (the table's statistics after ANALYZE
    set to that size, rolled back with the test), no sequential scan."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    now = timezone.now()
    SecurityEvent.objects.bulk_create(
        SecurityEvent(
            at=now - timedelta(minutes=i),
            kind=SecurityKind.SIGN_IN if i % 3 else SecurityKind.SIGN_IN_FAILED,
            actor_id=10_000 + i if i % 3 else None,
            actor_name=f"user{i}" if i % 3 else "",
            user_id=10_000 + i if i % 3 else None,
            user_name=f"user{i}@contoh.id",
            ip="10.0.0.1",
            detail="",
            data={},
            subject=None if i % 3 else f"{i:064x}",
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_securityevent")
        try:
            with transaction.atomic():
                cursor.execute(
                    "UPDATE pg_class SET reltuples = 1000000, relpages = greatest(1, "
                    "pg_relation_size(oid) / current_setting('block_size')::int) "
                    "WHERE oid = 'accounts_securityevent'::regclass"
                )
        except DatabaseError:
            pytest.skip("changing a table's statistics takes a superuser")
    rows = audit.concerning(user_ids=[customer_user.pk], names=["budi@contoh.id"])
    plan = rows.order_by("pk").explain()

    assert "Seq Scan" not in plan, plan
    for index in ("security_user_at", "security_actor_at", "security_subject"):
        assert index in plan, plan


def test_erasure_covers_chats_sessions_campaigns_vouchers_and_the_ledger(
    admin: User, customer_user: User, customer: Customer, history: Ticket
) -> None:
    now = timezone.now()
    portal = Client()
    portal.force_login(customer_user)
    assert portal.get("/portal/").status_code == 200
    chat = Chat.objects.create(
        ticket=history,
        visitor_name="Budi",
        visitor_email="budi@contoh.id",
        visitor_phone="+6281234567890",
        browser_key_hash="a" * 64,
        code_hash="b" * 64,
        code_expires_at=now,
        created_at=now,
    )
    campaign = Campaign.objects.create(
        name="Promo", purpose="marketing", channel="email", body="Halo {nama}"
    )
    recipient = CampaignRecipient.objects.create(
        campaign=campaign,
        customer=customer,
        channel="email",
        address="budi@contoh.id",
        params={"nama": "Budi"},
        error="550 budi@contoh.id unknown",
    )
    pool = RewardPool.objects.create(name="Maaf", value=50_000)
    loyalty.import_codes(pool, "KODE1\n")
    voucher, _ = loyalty.issue_voucher(pool=pool, customer=customer, reason="manual", key="k:1")
    entry = PointsEntry.objects.get(customer=customer)
    message = Attachment.objects.get(ticket=history).message

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    # The portal account: off, nameless, signed out everywhere.
    user = User.objects.get(pk=customer_user.pk)
    assert (user.is_active, user.email, user.username) == (False, "", f"erased-{user.pk}")
    assert not user.has_usable_password()
    assert not UserSession.objects.filter(user=user).exists()
    assert portal.get("/portal/").status_code == 302  # the old cookie opens nothing
    # The chat: no visitor details, no way back in from the old browser.
    chat.refresh_from_db()
    assert (chat.visitor_name, chat.visitor_email, chat.visitor_phone) == (
        "Pelanggan dihapus",
        "",
        "",
    )
    assert (chat.browser_key_hash, chat.code_hash, chat.code_expires_at) == ("", "", None)
    # Survey answers: the score stays, the words go.
    assert list(Survey.objects.filter(customer=customer).values_list("csat", "comment")) == [
        (2, "")
    ]
    # Campaign recipients: the row (counted in the campaign's figures) without the address.
    recipient.refresh_from_db()
    assert (recipient.address, recipient.params, recipient.error) == ("", {}, "")
    # Vouchers and the ledger stay (amounts, codes and references, no personal data).
    voucher.refresh_from_db()
    assert (voucher.code, voucher.issued_to_id, voucher.issue_key) == ("KODE1", customer.pk, "k:1")
    assert list(PointsEntry.objects.filter(customer=customer).values_list("pk", "points")) == [
        (entry.pk, 120)
    ]
    # Attachments on their messages: the rows and the files.
    assert not Attachment.objects.filter(message=message).exists()
    assert Message.objects.filter(pk=message.pk).exists()


def test_erased_customers_leave_the_staff_lists_and_only_admins_may_show_them(
    admin: User, agent: User, customer: Customer, other_customer: Customer
) -> None:
    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    assert list(customers_for(user=agent).values_list("pk", flat=True)) == [other_customer.pk]
    listed = Api(agent).get("/customers")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["items"]] == [other_customer.pk]
    page = Client()
    page.force_login(agent)
    for url in ("/customers/", "/customers/?erased=1"):  # an agent cannot ask for them
        body = page.get(url).content.decode()
        assert f"/customers/{customer.pk}/" not in body and "Pelanggan dihapus" not in body
        assert "customers-erased" not in body
    assert page.get(f"/customers/{customer.pk}/").status_code == 200  # the page still opens

    page.force_login(admin)
    plain = page.get("/customers/").content.decode()
    assert f"/customers/{customer.pk}/" not in plain and 'id="customers-erased"' in plain
    shown = page.get("/customers/?erased=1").content.decode()
    assert f"/customers/{customer.pk}/" in shown and "customer-erased" in shown
    assert "Pelanggan dihapus" in shown
    searched = page.get("/customers/?erased=1&q=dihapus").content.decode()
    assert f"/customers/{customer.pk}/" not in searched  # a search never finds them


def test_the_customer_list_page_runs_a_fixed_number_of_queries(
    admin: User, customer: Customer, other_customer: Customer
) -> None:
    """Erased or not, listed or not: the list page's queries do not grow with its rows."""
    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")
    page = Client()
    page.force_login(admin)

    def queries(url: str) -> int:
        page.get(url)  # a session's first page records it: not counted
        with CaptureQueriesContext(connection) as captured:
            assert page.get(url).status_code == 200
        return len(captured.captured_queries)

    urls = ("/customers/", "/customers/?erased=1")
    few = [queries(url) for url in urls]
    for i in range(25):
        made = customer_services.customer_create(
            name=f"Pelanggan {i}",
            contacts=[customer_services.ContactIn("email", f"p{i}@contoh.id")],
        )
        if i % 5 == 0:
            customer_services.customer_erase(admin, made, "Permintaan pelanggan")
    assert [queries(url) for url in urls] == few


# --- what erasure covers besides the customer's own tickets ---------------------------------


def _signed_in(user: User, ip: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.user = user
    audit.record(SecurityKind.SIGN_IN, user=user, actor=user, request=request)


def test_erasure_redacts_typed_ledger_reasons_and_keeps_the_points(
    admin: User, supervisor: User, customer: Customer
) -> None:
    manual, _ = loyalty.post_points(
        customer=customer, kind="manual", points=150, reason="Maaf untuk Bu Budi, Jl. Melati 7"
    )
    bought, _ = loyalty.post_purchase(customer=customer, external_id="INV-77", amount=200_000)
    override = loyalty.override_tier(
        actor=supervisor, customer=customer, tier="gold", reason="Budi pelanggan lama"
    )
    balance = loyalty.balance(customer.pk)

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    rows = {e.pk: e for e in PointsEntry.objects.filter(customer=customer)}
    assert "Melati" not in rows[manual.pk].reason and rows[manual.pk].redacted_at is not None
    assert (rows[manual.pk].points, rows[manual.pk].kind) == (150, "manual")
    assert rows[bought.pk].reason == bought.reason and rows[bought.pk].redacted_at is None
    assert (rows[bought.pk].external_id, rows[bought.pk].spend) == ("INV-77", 200_000)
    assert loyalty.balance(customer.pk) == balance
    override.refresh_from_db()
    assert "Budi" not in override.reason and override.tier == "gold"
    # The ledger is still append-only for everything else.
    with pytest.raises(PermissionError):
        PointsEntry.objects.filter(pk=manual.pk).update(points=1)


def test_erasure_blanks_the_addresses_of_the_customers_own_sign_ins(
    admin: User, customer_user: User, customer: Customer
) -> None:
    _signed_in(customer_user, "203.0.113.7")
    staff_request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1")
    staff_request.user = admin
    by_staff = audit.record(SecurityKind.DEACTIVATED, user=customer_user, request=staff_request)
    attempt = RequestFactory().get("/", REMOTE_ADDR="192.0.2.66")
    tried = audit.record(SecurityKind.SIGN_IN_FAILED, user_name="budi@contoh.id", request=attempt)
    AccessLog.objects.create(
        username=customer_user.username, ip_address="203.0.113.7", user_agent="Firefox"
    )
    AccessLog.objects.create(username="admin", ip_address="198.51.100.1", user_agent="Firefox")
    AccessAttempt.objects.create(
        username="Budi@contoh.id", ip_address="192.0.2.66", user_agent="x", failures_since_start=1
    )

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    own = SecurityEvent.objects.filter(actor_id=customer_user.pk)
    assert own.exists() and set(own.values_list("ip", flat=True)) == {""}
    # Someone else's address stays: the admin's, and whoever typed the address (an
    # attempt on the account may not be the customer's own).
    assert SecurityEvent.objects.get(pk=by_staff.pk).ip == "198.51.100.1"
    assert SecurityEvent.objects.get(pk=tried.pk).ip == "192.0.2.66"
    assert not SecurityEvent.objects.filter(ip="203.0.113.7").exists()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["admin"]
    assert not AccessAttempt.objects.exists()
    # Only a pseudonymisation may blank an address, and only blank it.
    row = SecurityEvent.objects.get(pk=by_staff.pk)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE accounts_securityevent SET pseudonymised_at = %s, ip = %s WHERE id = %s",
            [timezone.now() + timedelta(days=1), "10.0.0.1", row.pk],
        )


def test_erasure_follows_a_merged_ticket_filed_under_another_customer(
    admin: User, agent: User, customer: Customer, other_customer: Customer, ticket: Ticket
) -> None:
    """A ticket merged into another of the same customer that was then filed under
    someone else: the customer's messages moved there and the copy of their timeline are
    redacted there too; that ticket's own events and messages stay."""
    ticket_services.message_add(
        actor=None, ticket=ticket, kind="inbound", body=WORDS, sender_address="budi@contoh.id"
    )
    target = ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="whatsapp",
        subject="Tanya ongkir",
        description="Berapa ongkir ke Surabaya?",
        category="service",
        team=ticket.team,
        assignee=agent,
    )
    ticket_services.ticket_merge(actor=agent, source=ticket, target=target)
    ticket_services.ticket_change_customer(
        actor=agent, ticket=target, customer=other_customer, reason="Salah pelanggan"
    )
    theirs = ticket_services.message_add(
        actor=None, ticket=target, kind="inbound", body="Pesanan saya yang lain"
    )
    assert Message.objects.filter(ticket=target, body=WORDS).exists()
    assert "melati" in TicketSearchDocument.objects.get(ticket=target).staff_text.lower()

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    assert not Message.objects.filter(body__icontains="melati").exists()
    assert Message.objects.get(pk=theirs.pk).body == "Pesanan saya yang lain"
    copies = TimelineEvent.objects.filter(ticket=target, data__merged_from=ticket.pk)
    assert copies.exists()
    assert "paket belum sampai" not in _timeline_text(target)
    own = TimelineEvent.objects.get(
        ticket=target, kind=EventKind.CREATED, data__merged_from__isnull=True
    )
    assert own.data["subject"] == "Tanya ongkir" and own.redacted_at is None
    document = TicketSearchDocument.objects.get(ticket=target).staff_text.lower()
    assert "melati" not in document and "surabaya" in document


def _ticket_of(agent: User, customer: Customer, team: Team, subject: str) -> Ticket:
    return ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="inquiry",
        channel="whatsapp",
        subject=subject,
        description=subject,
        category="service",
        team=team,
        assignee=agent,
    )


def test_erasure_follows_a_merge_chain_and_the_merge_notice(
    admin: User,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
    ticket: Ticket,
) -> None:
    """Their ticket merged into another of theirs, that one filed under someone else and
    merged on into one of theirs: the customer's messages, the copies of their timeline
    (copied at each hop) and the "tickets merged" notice written to them are redacted
    two hops on; the other customer's own words stay."""
    ticket_services.message_add(
        actor=None, ticket=ticket, kind="inbound", body=WORDS, sender_address="budi@contoh.id"
    )
    middle = _ticket_of(agent, customer, team, "Tanya ongkir ke Surabaya")
    ticket_services.ticket_merge(actor=agent, source=ticket, target=middle)
    ticket_services.ticket_change_customer(
        actor=agent, ticket=middle, customer=other_customer, reason="Salah pelanggan"
    )
    last = _ticket_of(agent, other_customer, team, "Voucher tidak bisa dipakai")
    ticket_services.ticket_merge(actor=agent, source=middle, target=last)
    notice = Message.objects.get(ticket=last, kind="reply", body__contains=ticket.reference)
    assert "budi" in notice.body.lower() and "paket belum sampai" in notice.body.lower()
    assert Message.objects.filter(ticket=last, body=WORDS).exists()
    assert "paket belum sampai" in _timeline_text(last)
    later = Message.objects.get(ticket=last, kind="reply", body__startswith="Halo Kak Siti")

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    assert not Message.objects.filter(body__icontains="melati").exists()
    notice.refresh_from_db()
    assert "budi" not in notice.body.lower() and "paket" not in notice.body.lower()
    assert "paket belum sampai" not in _timeline_text(last)
    assert "paket belum sampai" not in _timeline_text(middle)
    copies = TimelineEvent.objects.filter(ticket=last, redacted_at__isnull=False)
    assert copies.exists() and all("merged_from" in e.data for e in copies)
    own = TimelineEvent.objects.get(
        ticket=last, kind=EventKind.CREATED, data__merged_from__isnull=True
    )
    assert own.data["subject"] == "Voucher tidak bisa dipakai" and own.redacted_at is None
    # The notice of the second merge went to the other customer: theirs, it stays.
    assert Message.objects.get(pk=later.pk).body == later.body
    document = TicketSearchDocument.objects.get(ticket=last).staff_text.lower()
    assert "melati" not in document and "paket belum sampai" not in document
    data = customer_services.customer_export(admin, other_customer)
    text = json.dumps(data, ensure_ascii=False).lower()
    assert "melati" not in text and "paket belum sampai" not in text
    assert "voucher tidak bisa dipakai" in text  # their own words stay


def test_erasure_redacts_their_name_on_a_ticket_filed_away_from_them(
    admin: User,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
) -> None:
    """A ticket moved from the customer to someone else names them in that change:
    their side is redacted, the other customer's name stays."""
    moved = _ticket_of(agent, customer, team, "Saldo Siti terpotong")
    ticket_services.ticket_change_customer(
        actor=agent, ticket=moved, customer=other_customer, reason="Salah pelanggan"
    )
    change = TimelineEvent.objects.get(ticket=moved, field="customer")
    assert change.old_value == f"Budi Santoso (#{customer.pk})"

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")

    change.refresh_from_db()
    assert "budi" not in (change.old_value or "").lower() and change.redacted_at is not None
    assert change.new_value == f"Siti Rahmawati (#{other_customer.pk})"
    assert "budi" not in _timeline_text(moved)
    data = customer_services.customer_export(admin, other_customer)
    assert "budi" not in json.dumps(data, ensure_ascii=False).lower()
    # Nothing else became writable: an ordinary update is still refused.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TimelineEvent.objects.filter(pk=change.pk).update(old_value="Budi")


def test_the_export_after_erasure_works_and_shows_nothing_erased(
    admin: User, supervisor: User, customer_user: User, customer: Customer, history: Ticket
) -> None:
    loyalty.post_points(customer=customer, kind="manual", points=10, reason="Untuk Budi Santoso")
    _signed_in(customer_user, "203.0.113.7")

    customer_services.customer_erase(admin, customer, "Permintaan pelanggan")
    customer.refresh_from_db()
    data = customer_services.customer_export(supervisor, customer)

    text = json.dumps(data, ensure_ascii=False).lower()
    for erased in ("budi", "melati", "6281234567890", "kurirnya", "ktp.txt", "203.0.113.7"):
        assert erased not in text, erased
    assert data["customer"]["erased_at"] is not None
    assert [e["points"] for e in data["loyalty"]["points"]] == [120, 10]
    assert data["tickets"][0]["id"] == history.pk and data["contacts"] == []


def test_the_subject_backfill_digests_typed_names_and_admin_changes_of_users(
    admin: User, customer_user: User
) -> None:
    """accounts/0014's backfill, run again on rows recorded before it (no subject): a typed
    name and an admin-site change of a user get their digest, by primary key in batches;
    a row of an account and one already pseudonymised keep none."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from sigap.accounts.models import subject_digests

    now = timezone.now()
    migration = importlib.import_module("sigap.accounts.migrations.0014_security_event_subject")
    typed = SecurityEvent.objects.create(at=now, kind="sign_in_failed", user_name="Budi@Contoh.id")
    changed = SecurityEvent.objects.create(
        at=now,
        kind="settings_changed",
        actor_id=admin.pk,
        data={"model": "user", "object_id": str(customer_user.pk), "action": "changed"},
    )
    other = SecurityEvent.objects.create(
        at=now, kind="settings_changed", actor_id=admin.pk, data={"model": "team", "object_id": "1"}
    )
    account = SecurityEvent.objects.create(
        at=now, kind="sign_in", user_id=admin.pk, user_name="admin"
    )

    class Editor:  # the part of a schema editor the backfill uses, inside the test's
        connection = connection  # transaction (SQLite's editor refuses to open in one)

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.backfill(apps, Editor())
    subjects = dict(
        SecurityEvent.objects.filter(
            pk__in=[typed.pk, changed.pk, other.pk, account.pk]
        ).values_list("pk", "subject")
    )
    assert subjects == {
        typed.pk: subject_digests("budi@contoh.id")[0],
        changed.pk: subject_digests(customer_user.username)[0],
        other.pk: None,
        account.pk: None,
    }
    # and the database's append-only guard is back: an ordinary update is still refused
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE accounts_securityevent SET detail = 'x' WHERE id = %s", [typed.pk])
