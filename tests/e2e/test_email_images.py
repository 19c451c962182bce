"""A tracking pixel in a customer's mail: opening the ticket in chromium fetches nothing
from the sender's servers; the agent's "Tampilkan gambar" fetches that message's images."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from sigap.accounts.models import User
from sigap.connectors.email.inbound import ingest
from sigap.connectors.tests.test_email_html import TRACKING, html_mail
from tests.e2e.test_complaint_in_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
REMOTE = ("tracker.example", "x.example")


def test_the_ticket_page_fetches_no_remote_image_until_asked(
    server: str, browser: Any, admin: User
) -> None:
    ticket = ingest(html_mail("Halo, pesanan saya belum datang.", TRACKING)).ticket
    assert ticket is not None
    page = browser.new_context().new_page()
    remote: list[str] = []

    def route(r: Any) -> None:  # nothing leaves the machine; what was asked is recorded
        host = urlsplit(r.request.url).hostname or ""
        if host in REMOTE:
            remote.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    sign_in(page, server, admin.username, "rahasia-admin")

    page.goto(f"{server}/tickets/{ticket.pk}/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Halo, pesanan saya belum datang.").count() >= 1
    assert remote == []

    page.get_by_role("link", name="Tampilkan gambar").click()
    page.wait_for_load_state("networkidle")
    assert "https://tracker.example/p.gif" in remote
