"""The incident pages: supervisors and admins only (agents get 403 and change nothing),
confirm or dismiss a suggestion, link a ticket, answer all, resolve, the report, and the
pages' query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.relations import incidents
from sigap.relations.models import Incident, IncidentStatus, IncidentTicket, LinkHow
from sigap.tickets import services as ticket_services
from sigap.tickets.models import Message, MessageKind, Status, Ticket

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _ticket(agent: User, team: Team, customer: Customer, channel: str = "email") -> Ticket:
    return ticket_services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel=channel,
        subject="Gagal bayar GoPay",
        description="Pembayaran GoPay gagal terus",
        team=team,
    )


@pytest.fixture
def suggested(agent: User, team: Team, customer: Customer) -> Incident:
    now = timezone.now()
    incident = Incident.objects.create(
        title="Dugaan insiden: 2 tiket tentang 'gagal bayar gopay' sejak 10:05",
        status=IncidentStatus.SUGGESTED,
        keywords=["gagal", "bayar", "gopay"],
        label="gagal bayar gopay",
        since=now - timedelta(minutes=20),
        detected_count=2,
        created_at=now,
    )
    for _ in range(2):
        IncidentTicket.objects.create(
            incident=incident, ticket=_ticket(agent, team, customer), how="detected", linked_at=now
        )
    return incident


def _urls(incident: Incident) -> list[tuple[str, str]]:
    i = incident.pk
    return [
        ("get", reverse("web:incidents")),
        ("get", reverse("web:incident", args=[i])),
        ("get", reverse("web:incident_report", args=[i])),
        ("post", reverse("web:incident_confirm", args=[i])),
        ("post", reverse("web:incident_dismiss", args=[i])),
        ("post", reverse("web:incident_answer", args=[i])),
        ("post", reverse("web:incident_link", args=[i])),
        ("post", reverse("web:incident_new")),
    ]


def test_agents_get_403_and_change_nothing(agent: User, suggested: Incident) -> None:
    c = client_for(agent)
    for method, url in _urls(suggested):
        response = getattr(c, method)(url, {"body": "x", "ticket": "1", "title": "x"})
        assert response.status_code == 403, url
    suggested.refresh_from_db()
    assert suggested.status == IncidentStatus.SUGGESTED
    assert Incident.objects.count() == 1
    assert not Message.objects.filter(kind=MessageKind.REPLY).exists()


def test_customers_and_strangers_are_sent_away(customer_user: User, suggested: Incident) -> None:
    assert client_for(customer_user).get(reverse("web:incidents")).url == reverse("portal:home")
    response = Client().get(reverse("web:incident", args=[suggested.pk]))
    assert response.status_code == 302
    assert response.url == f"{settings.LOGIN_URL}?next=/incidents/{suggested.pk}/"


def test_a_supervisor_sees_the_suggestion_and_confirms_it(
    supervisor: User, suggested: Incident
) -> None:
    c = client_for(supervisor)
    page = c.get(reverse("web:incidents")).content.decode()
    assert "gagal bayar gopay" in page and 'data-status="suggested"' in page

    response = c.post(
        reverse("web:incident_confirm", args=[suggested.pk]), {"title": "GoPay gangguan"}
    )

    assert response.status_code == 302
    suggested.refresh_from_db()
    assert (suggested.status, suggested.title, suggested.owner) == (
        "open",
        "GoPay gangguan",
        supervisor,
    )
    again = c.post(reverse("web:incident_confirm", args=[suggested.pk]), follow=True)
    assert "Hanya dugaan insiden yang dapat dikonfirmasi" in again.content.decode()


def test_an_admin_dismisses_a_suggestion(admin: User, suggested: Incident) -> None:
    response = client_for(admin).post(
        reverse("web:incident_dismiss", args=[suggested.pk]), {"reason": "Uji coba"}
    )
    assert response.status_code == 302 and response.url == reverse("web:incidents")
    suggested.refresh_from_db()
    assert suggested.status == IncidentStatus.DISMISSED
    assert not IncidentTicket.objects.filter(incident=suggested).exists()


def test_link_answer_all_and_resolve_from_the_page(
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    other_customer: Customer,
    suggested: Incident,
    django_capture_on_commit_callbacks: Any,
) -> None:
    c = client_for(supervisor)
    c.post(reverse("web:incident_confirm", args=[suggested.pk]))
    extra = _ticket(agent, team, other_customer, channel="portal")
    IncidentTicket.objects.filter(ticket=extra).delete()  # the hook did not run: no commit

    bad = c.post(reverse("web:incident_link", args=[suggested.pk]), {"ticket": "SGP-99999"})
    assert "Tiket tidak ditemukan" in c.get(bad.url).content.decode()
    c.post(reverse("web:incident_link", args=[suggested.pk]), {"ticket": extra.reference})
    assert IncidentTicket.objects.get(ticket=extra).how == LinkHow.MANUAL

    with django_capture_on_commit_callbacks(execute=True):
        c.post(
            reverse("web:incident_answer", args=[suggested.pk]),
            {"body": "Halo Kak {nama_depan}, GoPay sedang gangguan."},
        )
    linked = list(Ticket.objects.filter(incident_link__incident=suggested))
    replies = Message.objects.filter(kind=MessageKind.REPLY, ticket__in=linked)
    assert sorted(replies.values_list("body", flat=True)) == [
        "Halo Kak Budi, GoPay sedang gangguan.",
        "Halo Kak Budi, GoPay sedang gangguan.",
        "Halo Kak Siti, GoPay sedang gangguan.",
    ]

    empty = c.post(reverse("web:incident_resolve", args=[suggested.pk]), {"cause": ""})
    assert "Catat penyebab insiden" in c.get(empty.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("web:incident_resolve", args=[suggested.pk]), {"cause": "Server GoPay"})
    assert {t.status for t in Ticket.objects.filter(pk__in=[t.pk for t in linked])} == {
        Status.CLOSED
    }


def test_the_report_page(
    supervisor: User, agent: User, team: Team, customer: Customer, other_customer: Customer
) -> None:
    incident = incidents.incident_open(actor=supervisor, title="GoPay gangguan")
    for cust, channel in ((customer, "email"), (other_customer, "whatsapp")):
        incidents.incident_link(
            actor=supervisor, incident=incident, ticket=_ticket(agent, team, cust, channel)
        )
    incidents.incident_step(actor=supervisor, incident=incident, text="Menghubungi GoPay")
    incidents.incident_update(
        actor=supervisor,
        incident=incident,
        version=incident.version,
        title="GoPay gangguan",
        owner=supervisor,
        cause="Sertifikat kedaluwarsa",
        follow_up="Pantau sertifikat tiap bulan",
    )
    incident.refresh_from_db()
    incidents.incident_resolve(actor=supervisor, incident=incident)

    page = client_for(supervisor).get(reverse("web:incident_report", args=[incident.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "<td data-tickets>2</td>" in html and "<td data-customers>2</td>" in html
    assert "Sertifikat kedaluwarsa" in html and "Pantau sertifikat tiap bulan" in html
    assert "Menghubungi GoPay" in html
    assert "<dd data-status>Selesai</dd>" in html
    assert "<dd data-duration>0 menit</dd>" in html
    for kind in ("opened", "linked", "step", "updated", "resolved"):
        assert f'data-kind="{kind}"' in html


def test_pages_keep_their_query_count(
    supervisor: User,
    agent: User,
    team: Team,
    customer: Customer,
    django_assert_max_num_queries: Any,
) -> None:
    incident = incidents.incident_open(actor=supervisor, title="GoPay gangguan")
    for _ in range(25):
        incidents.incident_link(
            actor=supervisor, incident=incident, ticket=_ticket(agent, team, customer)
        )
        incidents.incident_step(actor=supervisor, incident=incident, text="Langkah")
    for n in range(20):
        incidents.incident_open(actor=supervisor, title=f"Insiden {n}")
    c = client_for(supervisor)
    c.get(reverse("web:incidents"))  # warm the session
    with django_assert_max_num_queries(6):  # session, user, the active, the closed, ...
        assert c.get(reverse("web:incidents")).status_code == 200
    with django_assert_max_num_queries(12):
        assert c.get(reverse("web:incident", args=[incident.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert c.get(reverse("web:incident_report", args=[incident.pk])).status_code == 200
