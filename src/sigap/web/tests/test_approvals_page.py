"""The approvals queue (only what this supervisor may decide, with the case's context, in a
constant number of queries), the three decisions with a note, the agent's resubmission
and the compensation's fulfilment on the ticket page, the approval rules in the settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sigap.accounts.models import Team, User
from sigap.customers.models import Customer
from sigap.customers.services import ContactIn, customer_create
from sigap.tickets import services
from sigap.tickets.models import ApprovalRule, EventKind, Proposal, Ticket, TimelineEvent
from sigap.tickets.tests.steps import drive_to

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def confirmed(agent: User, customer: Customer, team: Team | None, **extra: object) -> Ticket:
    ticket = services.ticket_create(
        actor=agent,
        customer=customer,
        kind="complaint",
        channel="phone",
        subject=str(extra.pop("subject", "Paket rusak saat diterima")),
        description="Kardus penyok, isi pecah. Pelanggan minta ganti rugi.",
        severity="sederhana",
        team=team,
        assignee=agent,
    )
    return drive_to(agent, ticket, "confirmed")


def pending(agent: User, ticket: Ticket, amount: int = 500_000) -> Proposal:
    return services.proposal_create(
        actor=agent,
        ticket=ticket,
        summary=f"Voucher belanja Rp {amount}",
        compensation_type="voucher",
        compensation_amount=amount,
    )


@pytest.fixture
def ours(agent: User, team: Team, customer: Customer) -> Proposal:
    return pending(agent, confirmed(agent, customer, team))


@pytest.fixture
def theirs(outsider_agent: User, other_team: Team, other_customer: Customer) -> Proposal:
    return pending(outsider_agent, confirmed(outsider_agent, other_customer, other_team))


# --- the queue --------------------------------------------------------------------------------


def test_the_queue_shows_only_my_teams_proposals_with_the_case(
    agent: User,
    supervisor: User,
    team: Team,
    customer: Customer,
    customer_user: User,
    ours: Proposal,
    theirs: Proposal,
) -> None:
    # the customer's history: an earlier ticket whose Rp 75.000 voucher they accepted
    before = confirmed(agent, customer, team, subject="Keluhan lama")
    old = pending(agent, before, amount=75_000)
    services.proposal_accept(actor=customer_user, proposal=old)
    services.ticket_record(actor=agent, ticket=ours.ticket, facts="Resi JNE 12345, foto ada.")

    html = logged(supervisor).get("/approvals/").content.decode()

    assert f'data-proposal="{ours.pk}"' in html
    assert f'data-proposal="{theirs.pk}"' not in html
    assert "Resi JNE 12345, foto ada." in html  # the facts
    assert "Kardus penyok, isi pecah." in html  # the case
    assert "<strong data-tier>Gold</strong>" in html
    assert "1 tiket lain sebelumnya" in html
    assert "1 kompensasi diterima (Rp 75.000)" in html
    assert "butuh persetujuan: nilai kompensasi ≥ Rp 250.000" in html
    assert "Rp 500.000" in html and "Rina" in html  # the amount, who proposed


def test_an_admin_sees_every_team_and_an_agent_none(
    admin: User, agent: User, ours: Proposal, theirs: Proposal
) -> None:
    html = logged(admin).get("/approvals/").content.decode()
    assert f'data-proposal="{ours.pk}"' in html and f'data-proposal="{theirs.pk}"' in html
    assert logged(agent).get("/approvals/").status_code == 403


def test_the_queue_counts_queries_not_proposals(
    agent: User, supervisor: User, team: Team, customer: Customer
) -> None:
    c = logged(supervisor)
    pending(agent, confirmed(agent, customer, team))

    def count() -> int:
        """The fewer of two reads: a cache that expired on the way (seconds, which a loaded
        machine can spend between two reads) adds statements to one read; a statement per
        proposal would be in both."""
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                assert c.get("/approvals/").status_code == 200
            counts.append(len(queries.captured_queries))
        return min(counts)

    c.get("/approvals/")  # the session's first page records it: not counted
    few = count()
    for i in range(8):
        someone = customer_create(
            name=f"Pelanggan {i}", contacts=[ContactIn("email", f"p{i}@contoh.id")]
        )
        pending(agent, confirmed(agent, someone, team))
    html = c.get("/approvals/").content.decode()  # the new proposals notified the supervisor:
    assert html.count("data-decide=") == 9  # their menu is read again
    many = count()
    assert many == few
    assert many <= 12


# --- the decisions ----------------------------------------------------------------------------


def test_ask_for_changes_resubmit_then_approve_with_notes(
    agent: User, supervisor: User, ours: Proposal
) -> None:
    boss, worker = logged(supervisor), logged(agent)
    url = f"/proposals/{ours.pk}"
    r = boss.post(f"{url}/changes/", {"note": "Turunkan ke Rp 200.000.", "next": "/approvals/"})
    assert (r.status_code, r["Location"]) == (302, "/approvals/")
    ours.refresh_from_db()
    assert (ours.status, ours.review_note) == ("changes_requested", "Turunkan ke Rp 200.000.")
    assert f'data-proposal="{ours.pk}"' in boss.get("/approvals/?tab=changes").content.decode()

    page = worker.get(f"/tickets/{ours.ticket_id}/").content.decode()
    assert "Turunkan ke Rp 200.000." in page and "Ajukan ulang ke supervisor" in page
    assert "Supervisor meminta perubahan usulan" in page  # the next step says so

    # a mistake keeps what the agent typed
    bad = worker.post(
        f"/tickets/{ours.ticket_id}/proposal/resubmit/",
        {"summary": "Voucher Rp 200.000 saja", "compensation_type": "voucher"},
    )
    assert bad.status_code == 422
    assert "Voucher Rp 200.000 saja" in bad.content.decode()
    assert "Nilai pengembalian dana/voucher wajib diisi." in bad.content.decode()

    ok = worker.post(
        f"/tickets/{ours.ticket_id}/proposal/resubmit/",
        {
            "summary": "Voucher Rp 200.000 saja",
            "compensation_type": "voucher",
            "compensation_amount": "200000",
        },
    )
    assert ok.status_code == 302
    ours.refresh_from_db()
    assert (ours.status, ours.compensation_amount) == ("pending_approval", 200_000)

    boss.post(f"{url}/approve/", {"note": "Oke."})
    ours.refresh_from_db()
    assert (ours.status, ours.review_note, ours.approved_by) == ("offered", "Oke.", supervisor)
    kinds = TimelineEvent.objects.filter(ticket=ours.ticket_id).values_list("kind", flat=True)
    assert {"proposal_changes", "proposal_resubmitted", "proposal_review_note"} <= set(kinds)


def test_decline_without_a_note_is_refused_once_and_changes_nothing(
    supervisor: User, ours: Proposal
) -> None:
    c = logged(supervisor)
    r = c.post(f"/proposals/{ours.pk}/decline/", {"note": " "}, follow=True)
    html = r.content.decode()
    assert html.count("Sebutkan alasan penolakan agar agen dapat memperbaikinya.") == 1
    assert Proposal.objects.get(pk=ours.pk).status == "pending_approval"

    c.post(f"/proposals/{ours.pk}/decline/", {"note": "Tidak sesuai kebijakan."})
    declined = Proposal.objects.get(pk=ours.pk)
    assert (declined.status, declined.review_note) == ("declined", "Tidak sesuai kebijakan.")
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_DECLINED)
    assert event.data["reason"] == "Tidak sesuai kebijakan."


@pytest.mark.parametrize("decision", ["approve", "decline", "changes"])
def test_another_teams_supervisor_and_an_agent_may_not_decide(
    agent: User, other_supervisor: User, ours: Proposal, decision: str
) -> None:
    for user in (other_supervisor, agent):
        r = logged(user).post(f"/proposals/{ours.pk}/{decision}/", {"note": "Saya putuskan."})
        assert r.status_code == 403
    assert Proposal.objects.get(pk=ours.pk).status == "pending_approval"


def test_an_agent_of_another_team_does_not_find_the_proposal(
    outsider_agent: User, ours: Proposal
) -> None:
    r = logged(outsider_agent).post(f"/proposals/{ours.pk}/withdraw/", {"reason": "x"})
    assert r.status_code == 404
    other = logged(outsider_agent).post(f"/tickets/{ours.ticket_id}/proposal/fulfil/", {})
    assert other.status_code in (404, 422)
    assert Proposal.objects.get(pk=ours.pk).status == "pending_approval"


def test_the_ticket_page_offers_the_decision_only_to_who_may_take_it(
    supervisor: User, other_supervisor: User, agent: User, ours: Proposal
) -> None:
    assert "data-decide=" in logged(supervisor).get(f"/tickets/{ours.ticket_id}/").content.decode()
    for user in (other_supervisor, agent):
        page = logged(user).get(f"/tickets/{ours.ticket_id}/").content.decode()
        assert "data-decide=" not in page
        assert "Butuh persetujuan: nilai kompensasi ≥ Rp 250.000" in page


# --- fulfilment -------------------------------------------------------------------------------


def test_fulfilment_on_the_ticket_page_and_the_unfulfilled_list(
    agent: User, supervisor: User, customer_user: User, ours: Proposal
) -> None:
    services.proposal_approve(actor=supervisor, proposal=ours)
    services.proposal_accept(actor=customer_user, proposal=ours)
    Proposal.objects.filter(pk=ours.pk).update(answered_at=timezone.now() - timedelta(days=3))
    boss, worker = logged(supervisor), logged(agent)
    listing = boss.get("/approvals/?tab=unfulfilled").content.decode()
    assert f'data-proposal="{ours.pk}" class="overdue"' in listing
    assert "1 kompensasi lewat 2 hari sejak diterima pelanggan." in listing

    url = f"/tickets/{ours.ticket_id}/proposal/fulfil/"
    bad = worker.post(url, {"proposal": ours.pk, "given": "yes", "note": "Dikirim via WA"})
    assert bad.status_code == 422
    assert "Isi kode voucher atau nomor referensi pengembalian dana." in bad.content.decode()
    assert "Dikirim via WA" in bad.content.decode()

    ok = worker.post(url, {"proposal": ours.pk, "given": "yes", "reference": "VCR-77"})
    assert ok.status_code == 302
    ours.refresh_from_db()
    assert (ours.compensation_given, ours.compensation_reference) == (True, "VCR-77")
    assert ours.compensation_recorded_by == agent
    page = worker.get(f"/tickets/{ours.ticket_id}/").content.decode()
    assert 'data-fulfilment="given"' in page and "VCR-77" in page
    listing = boss.get("/approvals/?tab=unfulfilled").content.decode()
    assert f'data-proposal="{ours.pk}"' not in listing


# --- the rules in the settings ----------------------------------------------------------------


def test_a_team_rule_and_the_default_rule_from_the_settings(
    supervisor: User, team: Team, admin: User
) -> None:
    c = logged(supervisor)
    form = {"name": team.name, "slug": team.slug, "supervisor": supervisor.pk}
    bad = c.post(
        f"/settings/teams/{team.pk}/",
        form | {"rule-own_rule": "on", "rule-amount_threshold": "0"},
    )
    assert bad.status_code == 422
    assert not ApprovalRule.objects.exists()

    ok = c.post(
        f"/settings/teams/{team.pk}/",
        form
        | {
            "rule-own_rule": "on",
            "rule-severities": ["kompleks", "penting"],
            "rule-amount_threshold": "100000",
        },
    )
    assert ok.status_code == 302
    rule = ApprovalRule.objects.get(team=team)
    assert (rule.severities, rule.amount_threshold, rule.updated_by) == (
        ["kompleks", "penting"],
        100_000,
        supervisor,
    )
    page = c.get("/settings/teams/").content.decode()
    assert (
        "perlu persetujuan bila tingkat kompleks atau tingkat penting atau kompensasi ≥ Rp 100.000"
        in page
    )

    # the default is every team's: only an admin changes it
    default_rule = {"default-own_rule": "on", "default-amount_threshold": ""}
    assert c.post("/settings/approval-rule/", default_rule).status_code == 403
    assert not ApprovalRule.objects.filter(team=None).exists()
    logged(admin).post("/settings/approval-rule/", default_rule)
    default = ApprovalRule.objects.get(team=None)
    assert (default.severities, default.amount_threshold) == ([], None)
    # back to the built-in default for the team
    c.post(f"/settings/teams/{team.pk}/", form | {"rule-amount_threshold": ""})
    assert not ApprovalRule.objects.filter(team=team).exists()


def test_an_agent_may_not_change_the_default_rule(agent: User) -> None:
    r = logged(agent).post("/settings/approval-rule/", {"default-own_rule": "on"})
    assert r.status_code == 403
    assert not ApprovalRule.objects.exists()


def test_the_django_admin_edits_the_rules_and_lists_proposals(admin: User, ours: Proposal) -> None:
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    c = logged(admin)
    r = c.post(
        "/admin/tickets/approvalrule/add/",
        {"team": "", "severities": ["penting"], "amount_threshold": "1000000"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    rule = ApprovalRule.objects.get(team=None)
    assert (rule.severities, rule.amount_threshold, rule.updated_by) == (
        ["penting"],
        1_000_000,
        admin,
    )
    again = c.post("/admin/tickets/approvalrule/add/", {"team": "", "amount_threshold": "5"})
    assert again.status_code == 200  # a second default row is refused with the form's error
    assert ApprovalRule.objects.count() == 1
    listing = c.get("/admin/tickets/proposal/").content.decode()
    assert "nilai kompensasi ≥ Rp 250.000" in listing
