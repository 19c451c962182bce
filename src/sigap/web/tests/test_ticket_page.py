"""The ticket page: the procedure run through its forms, errors that keep the input,
canned responses, approvals, settings, and a constant number of queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sigap.accounts.middleware import forget_here
from sigap.accounts.models import Team, User
from sigap.accounts.system import system_user
from sigap.tickets import services
from sigap.tickets.models import Apology, CannedResponse, Message, Proposal, Ticket

pytestmark = pytest.mark.django_db


def logged(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def page(c: Client, ticket: Ticket) -> str:
    response = c.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_procedure_through_the_forms(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    url = f"/tickets/{ticket.pk}"
    assert "Simak keluhannya" in page(c, ticket)
    r = c.post(f"{url}/record/", {"facts": "Resi BLJ-2026-104233, dikirim 3 Nov via JNE."})
    assert r.status_code == 302
    assert "Konfirmasi: nyatakan ulang" in page(c, ticket)
    r = c.post(
        f"{url}/confirm/",
        {"restatement": "Paket belum sampai 7 hari.", "customer_confirmed": "on"},
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "confirmed"
    parts = {
        "recognition": "Kami paham paket Kakak terlambat.",
        "responsibility": "Ini tanggung jawab kami.",
        "remorse": "Kami mohon maaf.",
        "restitution": "Kami kirim ulang hari ini.",
        "repetition": "Kami evaluasi kurir.",
    }
    assert c.post(f"{url}/apology/", parts).status_code == 302
    assert Apology.objects.filter(ticket=ticket).count() == 1
    r = c.post(
        f"{url}/proposal/",
        {
            "summary": "Kirim ulang + voucher",
            "compensation_type": "voucher",
            "compensation_amount": "50000",
        },
    )
    assert r.status_code == 302
    proposal = Proposal.objects.get(ticket=ticket)
    assert proposal.status == "offered" and proposal.compensation_amount == 50000
    html = page(c, ticket)
    assert "Rp 50.000" in html
    assert "Menunggu pelanggan menerima atau menolak usulan." in html


def test_a_refused_step_keeps_what_was_typed(agent: User, ticket: Ticket) -> None:
    """Confirming before recording is refused; the restatement typed stays in the form."""
    response = logged(agent).post(
        f"/tickets/{ticket.pk}/confirm/",
        {"restatement": "Teks yang tidak boleh hilang", "customer_confirmed": "on"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Catat fakta dan kronologi dulu sebelum konfirmasi." in html
    assert "Teks yang tidak boleh hilang" in html


def test_an_empty_reply_is_a_field_error(agent: User, ticket: Ticket) -> None:
    response = logged(agent).post(f"/tickets/{ticket.pk}/reply/", {"kind": "reply", "body": ""})
    assert response.status_code == 422
    assert 'id="reply-body"' in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_reply_note_and_attachment(agent: User, ticket: Ticket, settings: object) -> None:
    c = logged(agent)
    upload = SimpleUploadedFile("bukti.txt", b"resi BLJ-2026-104233", content_type="text/plain")
    r = c.post(
        f"/tickets/{ticket.pk}/reply/",
        {"kind": "note", "body": "Cek gudang Cakung", "attachments": [upload]},
    )
    assert r.status_code == 302
    note = Message.objects.get(ticket=ticket, kind="note")
    assert note.attachments.get().filename == "bukti.txt"
    html = page(c, ticket)
    assert "Cek gudang Cakung" in html
    assert "bukti.txt" in html  # the page reads attachments once the ticket has one


def test_the_page_skips_the_proposals_and_attachments_a_ticket_does_not_have(
    agent: User, ticket: Ticket
) -> None:
    """Most tickets have neither: the ticket's own statement says so, and the page does not
    ask; once the ticket has one, it is read and shown."""
    c = logged(agent)
    page(c, ticket)
    forget_here()
    with CaptureQueriesContext(connection) as bare:
        page(c, ticket)
    read = " ".join(q["sql"] for q in bare.captured_queries)
    assert '"tickets_proposal"."' not in read and '"tickets_attachment"."' not in read
    Proposal.objects.create(
        ticket=ticket, summary="Kirim ulang paket ke alamat baru.", status="offered"
    )
    c.post(
        f"/tickets/{ticket.pk}/reply/",
        {
            "kind": "note",
            "body": "Foto kardus",
            "attachments": [SimpleUploadedFile("kardus.txt", b"penyok", "text/plain")],
        },
    )
    forget_here()
    with CaptureQueriesContext(connection) as full:
        html = page(c, ticket)
    read = " ".join(q["sql"] for q in full.captured_queries)
    assert '"tickets_proposal"."' in read and '"tickets_attachment"."' in read
    assert "Kirim ulang paket ke alamat baru." in html and "kardus.txt" in html


def test_oversized_attachment_is_refused_and_nothing_is_stored(
    agent: User, ticket: Ticket, settings: object
) -> None:
    settings.SIGAP_MAX_ATTACHMENT_BYTES = 10  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("besar.txt", b"x" * 11, content_type="text/plain")
    response = logged(agent).post(
        f"/tickets/{ticket.pk}/reply/",
        {"kind": "reply", "body": "Lampiran terlalu besar", "attachments": [upload]},
    )
    assert response.status_code == 413
    assert "besar.txt" in response.content.decode()
    assert "Lampiran terlalu besar" in response.content.decode()  # the text is kept
    assert not Message.objects.filter(body="Lampiran terlalu besar").exists()


def test_user_content_is_escaped(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    c.post(f"/tickets/{ticket.pk}/reply/", {"kind": "note", "body": "<script>alert(1)</script>"})
    html = page(c, ticket)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_canned_responses_are_filled_for_the_ticket(agent: User, ticket: Ticket) -> None:
    html = page(logged(agent), ticket)
    assert CannedResponse.objects.count() >= 8  # seeded by the data migration
    assert "Halo Kak Budi," in html
    assert ticket.reference in html
    assert "{nama_depan}" not in html


def test_canned_responses_come_from_memory_and_follow_edits(
    agent: User, ticket: Ticket, other_team: Team
) -> None:
    c = logged(agent)
    page(c, ticket)
    with CaptureQueriesContext(connection) as queries:
        html = page(c, ticket)
    assert "Halo Kak Budi," in html
    assert not any('"web_cannedresponse"' in q["sql"] for q in queries.captured_queries)
    mine = CannedResponse.objects.create(title="Khusus tim ini", body="Hai {nama_depan}")
    theirs = CannedResponse.objects.create(title="Khusus tim lain", body="Halo", team=other_team)
    html = page(c, ticket)
    assert "Khusus tim ini" in html and "Hai Budi" in html and "Khusus tim lain" not in html
    mine.active = False
    mine.save()
    assert "Khusus tim ini" not in page(c, ticket)
    theirs.team = ticket.team
    theirs.save()
    assert "Khusus tim lain" in page(c, ticket)
    theirs.delete()
    assert "Khusus tim lain" not in page(c, ticket)


def test_transfer_records_the_reason(agent: User, ticket: Ticket, other_team: Team) -> None:
    r = logged(agent).post(
        f"/tickets/{ticket.pk}/transfer/", {"team": other_team.pk, "reason": "Masalah saldo"}
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.team == other_team and ticket.assignee is None  # not a member there
    event = ticket.events.get(kind="team_changed")
    assert event.data == {"reason": "Masalah saldo"}


def test_assign_to_me(supervisor: User, ticket: Ticket) -> None:
    services.ticket_update(
        actor=supervisor, ticket=ticket, version=ticket.version, changes={"assignee": None}
    )
    ticket.refresh_from_db()
    assert logged(supervisor).post(f"/tickets/{ticket.pk}/assign-me/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == supervisor


def _to_confirmed(agent: User, ticket: Ticket) -> None:
    services.ticket_record(actor=agent, ticket=ticket, facts="Fakta")
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Ulang", customer_confirmed=True
    )


def test_complex_proposal_waits_for_the_supervisor(
    agent: User, supervisor: User, ticket: Ticket
) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(severity="kompleks")
    ticket.refresh_from_db()
    _to_confirmed(agent, ticket)
    logged(agent).post(
        f"/tickets/{ticket.pk}/proposal/",
        {"summary": "Refund penuh", "compensation_type": "refund", "compensation_amount": "249000"},
    )
    proposal = Proposal.objects.get(ticket=ticket)
    assert proposal.status == "pending_approval"
    queue = logged(supervisor).get("/approvals/").content.decode()
    assert "Refund penuh" in queue and "Rp 249.000" in queue
    # An agent cannot approve, even by posting directly.
    logged(agent).post(f"/proposals/{proposal.pk}/approve/")
    proposal.refresh_from_db()
    assert proposal.status == "pending_approval"
    logged(supervisor).post(f"/proposals/{proposal.pk}/approve/", {"next": "/approvals/"})
    proposal.refresh_from_db()
    assert proposal.status == "offered" and proposal.approved_by == supervisor


def test_ticket_page_query_count_is_constant(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    # one of each first: a kind of message may bring its own (single) query
    services.message_add(actor=agent, ticket=ticket, kind="reply", body="Balasan pertama")
    services.message_add(actor=agent, ticket=ticket, kind="note", body="Catatan pertama")
    page(c, ticket)  # a session's first page records it (sessions, the 2FA state): not counted
    # the signed-in user is kept for a few seconds per process (accounts.middleware): read
    # it each time, or the counts would depend on how long the messages took to write
    forget_here()
    with CaptureQueriesContext(connection) as few:
        page(c, ticket)
    for i in range(10):
        services.message_add(actor=agent, ticket=ticket, kind="reply", body=f"Balasan {i}")
        services.message_add(actor=agent, ticket=ticket, kind="note", body=f"Catatan {i}")
    forget_here()
    with CaptureQueriesContext(connection) as many:
        page(c, ticket)
    assert len(many.captured_queries) == len(few.captured_queries)
    # the session, the user, the ticket with its contacts (selectors.ticket_read), the
    # messages, the timeline's page, the deliveries (no proposals or attachments to read)
    assert len(many.captured_queries) <= 6


def test_an_english_reader_sees_the_system_users_name_in_english(
    agent: User, ticket: Ticket
) -> None:
    """The system user's name is stored once in Indonesian; the page shows it in the
    reader's language, with no query of its own (the count above holds with it)."""
    robot = system_user()
    services.message_add(actor=robot, ticket=ticket, kind="note", body="Dirutekan otomatis")
    assert robot.first_name == "Otomasi"  # as stored
    c = logged(agent)
    assert "Otomasi Sigap" in page(c, ticket)
    c.cookies["django_language"] = "en"
    forget_here()
    with CaptureQueriesContext(connection) as read:
        html = c.get(f"/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sigap Automation" in html and "Otomasi Sigap" not in html
    assert len(read.captured_queries) <= 8


# The first paint and the parts it loads after (issue 16: only what it must at first).


def test_the_first_paint_leaves_the_side_column_and_the_other_steps_to_load(
    agent: User, ticket: Ticket
) -> None:
    c = logged(agent)
    html = page(c, ticket)
    assert 'id="form-reply"' in html and 'id="form-record"' in html  # composer, current step
    for later in ("form-classify", "form-assign", "form-transfer", "form-escalate", "calls-h"):
        assert f'id="{later}"' not in html, later
    assert f'hx-get="/tickets/{ticket.pk}/?part=side" hx-trigger="load"' in html
    # the other steps: a details that loads its form when opened
    assert "?part=step&amp;step=confirm" in html and 'id="form-confirm"' not in html
    side = c.get(f"/tickets/{ticket.pk}/?part=side").content.decode()
    assert side.startswith('<div id="ticket-side" data-side>')
    for form in ("form-classify", "form-assign", "form-transfer", "form-escalate"):
        assert f'id="{form}"' in side, form
    assert ticket.customer.name in side and "Riwayat panggilan" in side
    step = c.get(f"/tickets/{ticket.pk}/?part=step&step=confirm").content.decode()
    assert 'id="form-confirm"' in step and f'action="/tickets/{ticket.pk}/confirm/"' in step
    # a step the ticket does not offer now, or no such step: not found
    assert c.get(f"/tickets/{ticket.pk}/?part=step&step=reopen").status_code == 404
    assert c.get(f"/tickets/{ticket.pk}/?part=step&step=classify").status_code == 404


def test_a_side_form_shown_again_with_its_error_comes_drawn(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    r = c.post(f"/tickets/{ticket.pk}/escalate/", {"reason": ""})
    html = r.content.decode()
    assert r.status_code == 422
    assert 'id="form-escalate"' in html and "data-side-loading" not in html
    assert html.count('role="alert"') >= 1


def test_the_parts_are_for_who_may_see_the_ticket(
    outsider_agent: User, customer_user: User, ticket: Ticket
) -> None:
    for query in ("part=side", "part=step&step=record", "part=timeline&before=1"):
        assert logged(outsider_agent).get(f"/tickets/{ticket.pk}/?{query}").status_code == 404
        r = logged(customer_user).get(f"/tickets/{ticket.pk}/?{query}")
        assert r.status_code in (302, 403), query  # not a staff page


def test_a_long_timeline_shows_its_newest_part_and_loads_the_rest(
    agent: User, ticket: Ticket
) -> None:
    from sigap.tickets.selectors import TIMELINE_PAGE

    services.ticket_record(actor=agent, ticket=ticket, facts="Resi BLJ-2026-104233.")
    services.ticket_confirm(
        actor=agent, ticket=ticket, restatement="Paket belum sampai.", customer_confirmed=True
    )
    services.apology_create(
        actor=agent, ticket=ticket, parts=dict.fromkeys(services.APOLOGY_PARTS, "Maaf.")
    )
    for i in range(TIMELINE_PAGE + 5):
        services.message_add(actor=agent, ticket=ticket, kind="note", body=f"Catatan nomor {i}.")
    c = logged(agent)
    html = page(c, ticket)
    assert f"Catatan nomor {TIMELINE_PAGE + 4}." in html  # the newest
    assert "Catatan nomor 4." not in html and "Tampilkan kronologi sebelumnya" in html
    assert html.count('<li class="item ') == TIMELINE_PAGE
    # the apology is in the part not drawn: the page still knows the step was done
    assert 'id="proposal" class="step-form current"' in html
    assert 'id="apology" class="step-form current"' not in html
    cursor = int(html.split("part=timeline&amp;before=")[1].split('"')[0])
    earlier = c.get(f"/tickets/{ticket.pk}/?part=timeline&before={cursor}").content.decode()
    assert "Catatan nomor 4." in earlier and "Catatan nomor 0." in earlier
    assert f"Catatan nomor {TIMELINE_PAGE + 4}." not in earlier
    assert "Tampilkan kronologi sebelumnya" not in earlier  # nothing before these
    assert earlier.index("Catatan nomor 0.") < earlier.index("Catatan nomor 4.")  # in order


def test_live_fragment_is_the_changing_part_only(agent: User, ticket: Ticket) -> None:
    html = logged(agent).get(f"/tickets/{ticket.pk}/?part=live").content.decode()
    assert html.startswith('<div id="ticket-live"')
    assert "Kronologi" in html and "reply-body" not in html


def test_settings_canned_create_and_error(supervisor: User, team: Team) -> None:
    c = logged(supervisor)
    bad = c.post("/settings/canned/", {"title": "", "purpose": "thanks", "body": "Isi tersimpan"})
    assert bad.status_code == 422
    assert "Isi tersimpan" in bad.content.decode()
    ok = c.post(
        "/settings/canned/",
        {
            "title": "Terima kasih singkat",
            "purpose": "thanks",
            "team": team.pk,
            "body": "Makasih {nama_depan}!",
            "active": "on",
        },
    )
    assert ok.status_code == 302
    assert CannedResponse.objects.get(title="Terima kasih singkat").created_by == supervisor


def test_settings_team_members(supervisor: User, team: Team, outsider_agent: User) -> None:
    c = logged(supervisor)
    r = c.post(
        f"/settings/teams/{team.pk}/",
        {
            "name": team.name,
            "slug": team.slug,
            "supervisor": supervisor.pk,
            "members": [outsider_agent.pk],
        },
    )
    assert r.status_code == 302
    assert list(team.members.all()) == [outsider_agent]


def test_customer_pages(agent: User, ticket: Ticket) -> None:
    c = logged(agent)
    listing = c.get("/customers/?q=Budi").content.decode()
    assert "Budi Santoso" in listing
    detail = c.get(f"/customers/{ticket.customer_id}/").content.decode()
    assert ticket.reference in detail and "+6281234567890" in detail


def test_settings_categories_lists_the_four_and_counts(supervisor: User, ticket: Ticket) -> None:
    html = logged(supervisor).get("/settings/categories/").content.decode()
    for label in ("Mekanis", "Sikap", "Layanan", "Tidak biasa"):
        assert label in html
    assert "?view=all&category=service" in html
