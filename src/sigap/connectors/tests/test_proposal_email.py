"""An offered proposal on an email ticket is mailed (a real SMTP server on loopback) with
two signed answer links; the link opens a page that asks to confirm (a GET decides
nothing: mail scanners fetch links), the POST records the customer's answer once, and a
tampered, expired or mismatched link decides nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from sigap.accounts.models import User
from sigap.connectors import proposals
from sigap.connectors.email.inbound import ingest
from sigap.connectors.tests.test_email_out import Inbox, incoming, smtp  # noqa: F401
from sigap.tickets import proposal_links, services
from sigap.tickets.models import (
    EventKind,
    Proposal,
    ProposalStatus,
    Status,
    Ticket,
    TimelineEvent,
)

pytestmark = pytest.mark.django_db
LINK = re.compile(r"(https?://\S+/portal/usulan/jawab/\S+)")


@pytest.fixture
def mailed(
    smtp: Inbox,  # noqa: F811
    agent: User,
    customer: object,
    django_capture_on_commit_callbacks: Any,
) -> Proposal:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ingest(incoming()).ticket
    assert ticket is not None
    services.ticket_record(actor=agent, ticket=ticket, facts="Paket belum sampai.")
    services.ticket_confirm(
        actor=agent,
        ticket=Ticket.objects.get(pk=ticket.pk),
        restatement="Paket belum sampai.",
        customer_confirmed=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        return services.proposal_create(
            actor=agent,
            ticket=Ticket.objects.get(pk=ticket.pk),
            summary="Kami kirim ulang paket dengan kurir kilat.",
            compensation_type="voucher",
            compensation_amount=25_000,
        )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_the_offer_is_mailed_with_accept_and_reject_links(
    mailed: Proposal,
    smtp: Inbox,  # noqa: F811
) -> None:
    mail = smtp.messages[-1]
    assert mail["To"] == "budi@contoh.id"
    assert mailed.ticket.reference in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    rich = mail.get_body(preferencelist=("html",)).get_content()
    assert "Kami kirim ulang paket dengan kurir kilat." in text
    accept, reject = LINK.findall(text)
    assert accept.endswith("?jawab=terima") and reject.endswith("?jawab=tolak")
    token = urlsplit(accept).path.rstrip("/").rsplit("/", 1)[1]
    assert proposal_links.read_token(token) == proposal_links.LinkTarget(
        mailed.pk, mailed.ticket_id
    )
    assert 'href="' in rich and "Terima usulan</a>" in rich
    # the ticket shows what was said, without the customer's links
    body = mailed.ticket.messages.get(kind="reply", body__contains="kurir kilat").body
    assert "/portal/usulan/jawab/" not in body


def test_a_get_decides_nothing_and_the_confirming_post_accepts_once(
    mailed: Proposal,
    smtp: Inbox,  # noqa: F811
) -> None:
    text = smtp.messages[-1].get_body(preferencelist=("plain",)).get_content()
    accept, _reject = LINK.findall(text)
    browser = Client()  # not signed in: the link is the proof
    page = browser.get(path_of(accept))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kami kirim ulang paket dengan kurir kilat." in html
    assert 'name="jawab" value="terima"' in html
    assert Proposal.objects.get(pk=mailed.pk).status == ProposalStatus.OFFERED
    done = browser.post(urlsplit(accept).path, {"jawab": "terima"})
    assert done.status_code == 302
    proposal = Proposal.objects.get(pk=mailed.pk)
    assert proposal.status == ProposalStatus.ACCEPTED
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_ACCEPTED)
    assert (event.data["answered_by"], event.data["via"]) == ("customer", "email")
    assert Ticket.objects.get(pk=mailed.ticket_id).status == Status.IN_PROGRESS
    # the second click shows the recorded answer; a second POST changes nothing
    again = browser.get(path_of(accept))
    assert "Anda sudah menerima usulan ini" in again.content.decode()
    assert 'name="jawab"' not in again.content.decode()
    late = browser.post(urlsplit(accept).path, {"jawab": "tolak", "reason": "Berubah pikiran"})
    assert late.status_code == 409
    assert "Anda sudah menerima usulan ini" in late.content.decode()
    assert Proposal.objects.get(pk=mailed.pk).status == ProposalStatus.ACCEPTED
    assert TimelineEvent.objects.filter(kind=EventKind.PROPOSAL_REJECTED).count() == 0


def test_rejecting_by_link_records_the_optional_reason(mailed: Proposal) -> None:
    url = urlsplit(proposals.link(mailed)).path
    assert (
        Client().post(url, {"jawab": "tolak", "reason": "Saya mau uang kembali"}).status_code == 302
    )
    proposal = Proposal.objects.get(pk=mailed.pk)
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.rejection_reason == "Saya mau uang kembali"
    nothing = Client().post(urlsplit(proposals.link(mailed)).path, {"jawab": "entah"})
    assert nothing.status_code == 409  # answered already: nothing else changes


def test_no_answer_chosen_is_refused_with_a_clear_error(mailed: Proposal) -> None:
    response = Client().post(urlsplit(proposals.link(mailed)).path, {"reason": "hmm"})
    assert response.status_code == 422
    assert "Pilih: terima atau tolak usulan." in response.content.decode()
    assert ">hmm</textarea>" in response.content.decode()  # what was typed is kept
    assert Proposal.objects.get(pk=mailed.pk).status == ProposalStatus.OFFERED


def test_a_tampered_or_expired_link_decides_nothing(mailed: Proposal) -> None:
    url = urlsplit(proposals.link(mailed)).path
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert Client().post(tampered, {"jawab": "terima"}).status_code == 404
    with time_machine.travel(timezone.now() + proposal_links.MAX_AGE + timedelta(minutes=1)):
        expired = Client().post(url, {"jawab": "terima"})
    assert expired.status_code == 410
    assert "sudah kedaluwarsa" in expired.content.decode()
    assert Proposal.objects.get(pk=mailed.pk).status == ProposalStatus.OFFERED


def test_a_link_for_one_ticket_cannot_decide_another_tickets_proposal(
    mailed: Proposal, other_ticket: Ticket, outsider_agent: User
) -> None:
    services.ticket_record(actor=outsider_agent, ticket=other_ticket, facts="Saldo terpotong.")
    services.ticket_confirm(
        actor=outsider_agent,
        ticket=Ticket.objects.get(pk=other_ticket.pk),
        restatement="Saldo terpotong dua kali.",
        customer_confirmed=True,
    )
    services.ticket_update(
        actor=outsider_agent,
        ticket=Ticket.objects.get(pk=other_ticket.pk),
        version=Ticket.objects.get(pk=other_ticket.pk).version,
        changes={"severity": "sederhana"},
    )
    theirs = services.proposal_create(
        actor=outsider_agent,
        ticket=Ticket.objects.get(pk=other_ticket.pk),
        summary="Saldo dikembalikan.",
        compensation_type="refund",
        compensation_amount=249_000,
    )
    # a genuinely signed token naming the other proposal with this ticket: refused
    mixed = proposal_links.token_for(theirs.pk, mailed.ticket_id)
    assert Client().post(f"/portal/usulan/jawab/{mixed}/", {"jawab": "terima"}).status_code == 404
    # a token signed for another purpose (another salt) is not an answer link
    other_salt = signing.dumps([theirs.pk, theirs.ticket_id], salt="sigap.survey")
    assert (
        Client().post(f"/portal/usulan/jawab/{other_salt}/", {"jawab": "terima"}).status_code == 404
    )
    assert Proposal.objects.get(pk=theirs.pk).status == ProposalStatus.OFFERED


def test_the_answer_page_costs_a_few_queries(
    mailed: Proposal, django_assert_max_num_queries: Any
) -> None:
    url = path_of(proposals.link(mailed, "a"))
    browser = Client()
    with django_assert_max_num_queries(6):
        assert browser.get(url).status_code == 200


def test_a_rejection_without_a_reason_may_get_one_afterwards_once(mailed: Proposal) -> None:
    url = urlsplit(proposals.link(mailed, "r")).path
    browser = Client()
    assert browser.post(url, {"jawab": "tolak", "reason": ""}).status_code == 302
    page = browser.get(url).content.decode()
    assert "Anda sudah menolak usulan ini" in page
    assert "Boleh kami tahu alasannya?" in page and 'value="alasan"' in page
    assert browser.post(url, {"jawab": "alasan", "reason": " "}).status_code == 422
    assert browser.post(url, {"jawab": "alasan", "reason": "Terlalu lama"}).status_code == 302
    proposal = Proposal.objects.get(pk=mailed.pk)
    assert proposal.rejection_reason == "Terlalu lama"
    event = TimelineEvent.objects.get(kind=EventKind.PROPOSAL_REASON)
    assert (event.data["reason"], event.data["via"]) == ("Terlalu lama", "email")
    after = browser.get(url).content.decode()
    assert 'value="alasan"' not in after and "Alasan: Terlalu lama" in after
    assert browser.post(url, {"jawab": "alasan", "reason": "Lain lagi"}).status_code == 409
    assert Proposal.objects.get(pk=mailed.pk).rejection_reason == "Terlalu lama"


def test_a_withdrawn_proposals_link_says_so_and_leads_to_the_current_one(
    mailed: Proposal, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    old = urlsplit(proposals.link(mailed, "a")).path
    services.proposal_withdraw(actor=agent, proposal=mailed, reason="Salah nominal")
    withdrawn = Client().get(old).content.decode()
    assert "Usulan ini sudah tidak berlaku. Petugas kami menariknya" in withdrawn
    assert 'name="jawab"' not in withdrawn
    with django_capture_on_commit_callbacks(execute=True):
        newer = services.proposal_create(
            actor=agent,
            ticket=Ticket.objects.get(pk=mailed.ticket_id),
            summary="Uang kembali penuh.",
            compensation_type="refund",
            compensation_amount=25_000,
        )
    page = Client().get(old).content.decode()
    assert "Petugas kami menggantinya dengan usulan baru: “Uang kembali penuh.”" in page
    assert urlsplit(proposals.link(newer)).path in page
    late = Client().post(old, {"jawab": "terima"})
    assert late.status_code == 409 and "Usulan ini sudah tidak berlaku" in late.content.decode()
    assert Proposal.objects.get(pk=mailed.pk).status == ProposalStatus.WITHDRAWN
    assert Proposal.objects.get(pk=newer.pk).status == ProposalStatus.OFFERED
