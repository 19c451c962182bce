"""Opening a ticket and adding a customer from the workspace: finding the customer, the
duplicate warnings, who may do it, bad input that keeps what was typed and leaves nothing
half-written, and the number of queries of each new page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer, CustomerContact
from sigap.customers.services import ContactIn, customer_create, customer_merge
from sigap.tickets.models import EventKind, Message, Ticket

pytestmark = pytest.mark.django_db

NEW_URL = "/tickets/new/"


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def ticket_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "phone",
        "kind": "complaint",
        "subject": "Kompor tidak menyala setelah dipasang",
        "description": "Pelanggan menelepon: kompor yang dipasang kemarin tidak mau menyala.",
        "category": "",
        "severity": "",
        "priority": "",
        "team": "",
    }
    data.update(overrides)
    return data


def new_customer(
    name: str = "Wati Lestari", phone: str = "0813-1111-2222", email: str = ""
) -> dict[str, str]:
    return {"customer": "new", "new-name": name, "new-phone": phone, "new-email": email}


def html(response: Any) -> str:
    return str(response.content.decode())


# --- who may ----------------------------------------------------------------------------

PAGES = [NEW_URL, "/customers/new/", "/customers/lookup/?q=budi", "/customers/check/?new-name=x"]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_sign_in(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_customers_are_sent_to_their_portal(
    url: str, customer_user: User, customer: Customer
) -> None:
    response = logged(customer_user).get(url)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_a_customer_cannot_post_a_ticket_or_a_customer(
    customer_user: User, customer: Customer
) -> None:
    c = logged(customer_user)
    r1 = c.post(NEW_URL, {**ticket_data(), "customer": str(customer.pk)})
    r2 = c.post("/customers/new/", {"new-name": "Siluman", "new-phone": "081399998888"})
    assert r1.status_code == r2.status_code == 302
    assert not Ticket.objects.exists()
    assert not Customer.objects.filter(name="Siluman").exists()


def test_an_agent_is_offered_only_their_own_teams(
    agent: User, team: Team, other_team: Team
) -> None:
    page = html(logged(agent).get(NEW_URL))
    assert f'<option value="{team.pk}" selected>Pengiriman</option>' in page  # their only team
    assert "Pembayaran" not in page


def test_a_supervisor_is_offered_every_team(supervisor: User, team: Team, other_team: Team) -> None:
    page = html(logged(supervisor).get(NEW_URL))
    assert "Pengiriman" in page and "Pembayaran" in page


def test_an_agent_cannot_open_in_another_team_and_nothing_is_written(
    agent: User, team: Team, other_team: Team
) -> None:
    response = logged(agent).post(NEW_URL, {**ticket_data(team=other_team.pk), **new_customer()})
    assert response.status_code == 422
    assert "tidak dapat membuat tiket di tim itu" in html(response)
    assert not Ticket.objects.exists()
    assert not Customer.objects.filter(name="Wati Lestari").exists()


# --- creating ---------------------------------------------------------------------------


def test_a_ticket_for_a_known_customer_with_an_attachment(
    agent: User, team: Team, customer: Customer
) -> None:
    upload = SimpleUploadedFile("foto-kompor.txt", b"bukti bau gas", content_type="text/plain")
    response = logged(agent).post(
        NEW_URL,
        {
            **ticket_data(team=team.pk, priority="2", category="mechanical"),
            "customer": str(customer.pk),
            "assign_me": "on",
            "attachments": [upload],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.customer, ticket.channel, ticket.team, ticket.assignee) == (
        customer,
        "phone",
        team,
        agent,
    )
    assert (ticket.priority, ticket.category, ticket.created_by) == (2, "mechanical", agent)
    assert ticket.resolution_due_at is not None  # the SLA ran
    first = Message.objects.get(ticket=ticket)
    assert first.kind == "inbound" and first.author is None  # the customer's words
    assert first.body.startswith("Pelanggan menelepon")
    assert first.attachments.get().filename == "foto-kompor.txt"
    assert ticket.events.filter(kind=EventKind.CREATED).exists()
    page = html(logged(agent).get(response["Location"]))
    assert ticket.reference in page and "dibuat" in page


def test_a_walk_in_ticket_for_a_new_customer(agent: User, team: Team) -> None:
    data = {**ticket_data(channel="walkin", team=team.pk)}
    data.update(
        new_customer(name="Wati Lestari", phone="+62 813 1111 2222", email="Wati@Contoh.ID")
    )
    response = logged(agent).post(NEW_URL, data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    customer = ticket.customer
    assert customer.name == "Wati Lestari"
    assert set(customer.contacts.values_list("kind", "value")) == {
        ("phone", "+6281311112222"),
        ("email", "wati@contoh.id"),
    }
    assert ticket.channel == "walkin"
    page = html(logged(agent).get(f"/tickets/{ticket.pk}/"))
    assert "Datang langsung" in page


def test_a_whatsapp_ticket_stores_the_number_as_whatsapp_too(agent: User, team: Team) -> None:
    data = {**ticket_data(channel="whatsapp", team=team.pk), **new_customer()}
    assert logged(agent).post(NEW_URL, data).status_code == 302
    kinds = set(Ticket.objects.get().customer.contacts.values_list("kind", flat=True))
    assert kinds == {"phone", "whatsapp"}


def test_the_ticket_goes_through_the_service_hooks(
    agent: User, team: Team, customer: Customer
) -> None:
    """Danger to people in the description: the intake hook (triage) makes it P1."""
    data = {
        **ticket_data(team=team.pk, description="Ada anak yang pingsan karena bau gas bocor."),
        "customer": str(customer.pk),
    }
    logged(agent).post(NEW_URL, data)
    ticket = Ticket.objects.get()
    assert ticket.priority == 1 and ticket.severity == "penting"


def test_a_supervisor_may_open_in_any_team(
    supervisor: User, other_team: Team, customer: Customer
) -> None:
    data = {**ticket_data(team=other_team.pk), "customer": str(customer.pk)}
    response = logged(supervisor).post(NEW_URL, data)
    assert response.status_code == 302
    assert Ticket.objects.get().team == other_team


def test_the_customer_page_offers_a_ticket_for_them(agent: User, customer: Customer) -> None:
    c = logged(agent)
    assert f"/tickets/new/?customer={customer.pk}" in html(c.get(f"/customers/{customer.pk}/"))
    page = html(c.get(f"/tickets/new/?customer={customer.pk}"))
    assert f'value="{customer.pk}" id="customer-{customer.pk}" checked' in page


# --- duplicates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "email"),
    [
        ("0812 3456 7890", ""),  # Budi's phone, typed another way
        ("6281234567890", ""),
        ("", "BUDI@contoh.id"),  # Budi's email, in capitals
    ],
)
def test_a_taken_contact_offers_the_owner_and_creates_nothing(
    agent: User, team: Team, customer: Customer, phone: str, email: str
) -> None:
    data = {**ticket_data(team=team.pk), **new_customer(name="Budi S.", phone=phone, email=email)}
    response = logged(agent).post(NEW_URL, data)
    page = html(response)
    assert response.status_code == 422
    assert "sudah terdaftar atas nama Budi Santoso" in page
    assert f'name="customer" value="{customer.pk}"' in page  # offered to pick instead
    assert 'value="Budi S."' in page and "Kompor tidak menyala" in page  # nothing typed is lost
    assert Customer.objects.count() == 1 and not Ticket.objects.exists()


def test_a_number_known_only_as_whatsapp_is_taken_too(agent: User, team: Team) -> None:
    owner = customer_create(
        name="Andi", contacts=[ContactIn("whatsapp", "6281399990000", verified=True)]
    )
    data = {**ticket_data(team=team.pk), **new_customer(name="Andika", phone="0813-9999-0000")}
    response = logged(agent).post(NEW_URL, data)
    assert response.status_code == 422
    assert f"sudah terdaftar atas nama {owner.name}" in html(response)
    assert Customer.objects.count() == 1


def test_a_similar_customer_is_a_warning_the_agent_may_overrule(
    agent: User, team: Team, customer: Customer
) -> None:
    # Budi Santoso has +6281234567890; the same name with a number ending alike
    data = {
        **ticket_data(team=team.pk),
        **new_customer(name="Bapak Budi Santoso", phone="0813-3456-7890"),
    }
    c = logged(agent)
    warned = c.post(NEW_URL, data)
    page = html(warned)
    assert warned.status_code == 422
    assert "Mungkin pelanggan yang sama" in page and "Nama sama dan nomor telepon mirip" in page
    assert f'name="customer" value="{customer.pk}"' in page
    assert not Ticket.objects.exists() and Customer.objects.count() == 1
    done = c.post(NEW_URL, {**data, "new-confirm_new": "on"})
    assert done.status_code == 302
    assert Ticket.objects.get().customer.name == "Bapak Budi Santoso"


def test_picking_the_offered_customer_uses_them(
    agent: User, team: Team, customer: Customer
) -> None:
    data = {**ticket_data(team=team.pk), **new_customer(name="Budi", phone="081234567890")}
    data["customer"] = str(customer.pk)  # the agent picked the owner offered
    assert logged(agent).post(NEW_URL, data).status_code == 302
    assert Ticket.objects.get().customer == customer
    assert Customer.objects.count() == 1


def test_a_merged_customer_cannot_be_chosen(
    agent: User, supervisor: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    customer_merge(actor=supervisor, target=customer, source=other_customer)
    data = {**ticket_data(team=team.pk), "customer": str(other_customer.pk)}
    response = logged(agent).post(NEW_URL, data)
    assert response.status_code == 422
    assert "tidak ditemukan lagi" in html(response)
    assert not Ticket.objects.exists()


# --- bad input --------------------------------------------------------------------------


def test_missing_fields_are_named_and_typed_values_kept(agent: User, team: Team) -> None:
    data = {
        **ticket_data(subject="", description=""),
        **new_customer(name="", phone="0813-1111-2222"),
    }
    response = logged(agent).post(NEW_URL, data)
    page = html(response)
    assert response.status_code == 422
    assert page.count("Bidang ini tidak boleh kosong.") == 2  # subject, description
    assert "Nama pelanggan wajib diisi." in page
    assert 'value="0813-1111-2222"' in page
    assert not Customer.objects.filter(contacts__value="+6281311112222").exists()


def test_no_customer_at_all(agent: User, team: Team) -> None:
    response = logged(agent).post(NEW_URL, {**ticket_data(), "customer": "new"})
    assert response.status_code == 422
    assert "Pilih pelanggan dari hasil pencarian, atau isi data pelanggan baru." in html(response)


def test_a_new_customer_needs_a_phone_or_an_email(agent: User) -> None:
    data = {**ticket_data(), **new_customer(name="Tanpa Kontak", phone="")}
    response = logged(agent).post(NEW_URL, data)
    assert response.status_code == 422
    assert "Isi nomor telepon atau email pelanggan" in html(response)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("new-phone", "12345", "Nomor telepon &#x27;12345&#x27; tidak valid."),
        ("new-email", "wati@", "Alamat email &#x27;wati@&#x27; tidak valid."),
    ],
)
def test_an_invalid_contact_is_named(agent: User, field: str, value: str, message: str) -> None:
    data = {**ticket_data(), **new_customer(), field: value}
    response = logged(agent).post(NEW_URL, data)
    page = html(response)
    assert response.status_code == 422
    assert message in page
    assert f'value="{value}"' in page
    assert not Customer.objects.filter(name="Wati Lestari").exists()


def test_an_oversized_attachment_writes_nothing(agent: User, team: Team, settings: Any) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 10
    upload = SimpleUploadedFile("rekaman.txt", b"x" * 11, content_type="text/plain")
    data = {**ticket_data(team=team.pk), **new_customer(), "attachments": [upload]}
    response = logged(agent).post(NEW_URL, data)
    page = html(response)
    assert response.status_code == 413
    assert "rekaman.txt" in page and "melebihi batas" in page
    assert "Kompor tidak menyala" in page and 'value="Wati Lestari"' in page
    assert not Ticket.objects.exists() and not Customer.objects.filter(name="Wati Lestari").exists()


def test_a_refusal_after_the_customer_is_written_rolls_it_back(
    supervisor: User, other_team: Team
) -> None:
    """The service refuses the assignee (a supervisor not in that team) after the new
    customer was created in the same transaction: neither stays, and the retry makes one."""
    c = logged(supervisor)
    data = {**ticket_data(team=other_team.pk), **new_customer(), "assign_me": "on"}
    refused = c.post(NEW_URL, data)
    assert refused.status_code == 422
    assert "bukan anggota tim Pembayaran" in html(refused)
    assert not Customer.objects.filter(name="Wati Lestari").exists()
    del data["assign_me"]
    assert c.post(NEW_URL, data).status_code == 302
    assert Customer.objects.filter(name="Wati Lestari").count() == 1


def test_the_portal_channel_is_not_offered(agent: User) -> None:
    response = logged(agent).post(NEW_URL, {**ticket_data(channel="portal"), **new_customer()})
    assert response.status_code == 422
    assert not Ticket.objects.exists()
    assert 'value="portal"' not in html(logged(agent).get(NEW_URL))


# --- finding as you type ----------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["0812-3456-7890", "+62 812 3456", "62812345", "budi@CONTOH", "santoso"]
)
def test_lookup_finds_by_phone_email_or_name(
    agent: User, customer: Customer, other_customer: Customer, q: str
) -> None:
    page = html(logged(agent).get("/customers/lookup/", {"q": q}))
    assert "Budi Santoso" in page and "Siti" not in page


def test_lookup_says_when_nobody_matches(agent: User, customer: Customer) -> None:
    page = html(logged(agent).get("/customers/lookup/", {"q": "0899 0000 1111"}))
    assert "Tidak ada pelanggan yang cocok" in page and "0899 0000 1111" in page
    assert 'data-fill="id_new-phone" data-fill-value="0899 0000 1111"' in page
    by_mail = html(logged(agent).get("/customers/lookup/", {"q": "wati@contoh.id"}))
    assert 'data-fill="id_new-email"' in by_mail
    assert "data-fill" not in html(logged(agent).get("/customers/lookup/", {"q": "wati"}))


def test_lookup_skips_merged_customers(agent: User, supervisor: User, customer: Customer) -> None:
    twin = customer_create(
        name="Budi Santoso", contacts=[ContactIn("email", "budi.lain@contoh.id")]
    )
    customer_merge(actor=supervisor, target=customer, source=twin)
    page = html(logged(agent).get("/customers/lookup/", {"q": "budi"}))
    assert page.count('name="customer"') == 1


def test_lookup_keeps_the_chosen_customer_checked(agent: User, customer: Customer) -> None:
    page = html(logged(agent).get("/customers/lookup/", {"q": "zzz", "customer": customer.pk}))
    assert f'value="{customer.pk}" id="customer-{customer.pk}" checked' in page


def test_lookup_escapes_what_was_typed(agent: User) -> None:
    page = html(logged(agent).get("/customers/lookup/", {"q": "<b>x</b>"}))
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_check_names_the_owner_of_a_typed_phone(agent: User, customer: Customer) -> None:
    page = html(
        logged(agent).get("/customers/check/", {"new-phone": "0812 3456 7890", "for": "ticket"})
    )
    assert "Kontak ini sudah terdaftar." in page and "Budi Santoso" in page
    assert f"/customers/lookup/?customer={customer.pk}" in page  # "use this customer"


def test_check_warns_of_a_similar_record(agent: User, customer: Customer) -> None:
    page = html(
        logged(agent).get(
            "/customers/check/", {"new-name": "budi santoso", "new-email": "budi@lain.id"}
        )
    )
    assert "Mungkin pelanggan yang sama" in page and "Nama sama dan email mirip" in page


def test_check_is_quiet_for_a_new_person(agent: User, customer: Customer) -> None:
    page = html(
        logged(agent).get("/customers/check/", {"new-name": "Wati", "new-phone": "0813 1111 2222"})
    )
    assert page.strip() == ""


# --- "Pelanggan baru" -------------------------------------------------------------------


def test_the_customers_list_links_to_a_new_customer(agent: User) -> None:
    assert "/customers/new/" in html(logged(agent).get("/customers/"))


def test_a_new_customer_page_creates_one(agent: User) -> None:
    response = logged(agent).post(
        "/customers/new/", {"new-name": " Wati ", "new-phone": "0813-1111-2222"}
    )
    wati = Customer.objects.get(name="Wati")
    assert response.status_code == 302 and response["Location"] == f"/customers/{wati.pk}/"
    assert list(wati.contacts.values_list("value", flat=True)) == ["+6281311112222"]


def test_a_new_customer_page_refuses_a_taken_email(agent: User, customer: Customer) -> None:
    response = logged(agent).post(
        "/customers/new/", {"new-name": "Budi", "new-email": "Budi@Contoh.id"}
    )
    page = html(response)
    assert response.status_code == 422
    assert "Email budi@contoh.id sudah terdaftar atas nama Budi Santoso." in page
    assert f"/tickets/new/?customer={customer.pk}" in page
    assert CustomerContact.objects.filter(value="budi@contoh.id").count() == 1


def test_a_new_customer_page_keeps_an_invalid_phone(agent: User) -> None:
    response = logged(agent).post("/customers/new/", {"new-name": "Wati", "new-phone": "0000"})
    assert response.status_code == 422
    assert 'value="0000"' in html(response)
    assert not Customer.objects.filter(name="Wati").exists()


# --- queries ----------------------------------------------------------------------------


def _queries(c: Client, url: str, data: dict[str, Any] | None = None) -> int:
    c.get("/customers/")  # a session's first page records it (sessions, 2FA): not counted
    with CaptureQueriesContext(connection) as captured:
        response = c.get(url, data or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_new_ticket_page_query_count(agent: User, team: Team, customer: Customer) -> None:
    c = logged(agent)
    assert _queries(c, NEW_URL) <= 8
    assert _queries(c, NEW_URL, {"customer": customer.pk}) <= 10


def test_lookup_query_count_does_not_grow_with_the_results(agent: User) -> None:
    c = logged(agent)
    customer_create(name="Pelanggan 0", contacts=[ContactIn("phone", "081300000100")])
    few = _queries(c, "/customers/lookup/", {"q": "pelanggan"})
    for i in range(1, 10):
        customer_create(name=f"Pelanggan {i}", contacts=[ContactIn("phone", f"08130000010{i}")])
    many = _queries(c, "/customers/lookup/", {"q": "pelanggan"})
    assert many == few <= 6


def test_check_and_new_customer_query_counts(agent: User, customer: Customer) -> None:
    c = logged(agent)
    assert (
        _queries(
            c,
            "/customers/check/",
            {"new-name": "Budi Santoso", "new-phone": "0813 3456 7890", "new-email": "budi@x.id"},
        )
        <= 10
    )
    assert _queries(c, "/customers/new/") <= 6


def test_the_new_ticket_page_in_english(agent: User) -> None:
    c = logged(agent)
    c.cookies["django_language"] = "en"
    page = html(c.get(NEW_URL))
    assert "<h1>New ticket</h1>" in page and "Create ticket" in page and "Walk-in" in page
