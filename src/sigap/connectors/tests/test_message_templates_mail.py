"""An edited message template is what the customer receives: the acknowledgement
changed in English for a brand reaches an English-speaking customer of that brand through
a real SMTP server on loopback, with their name escaped in the HTML part; a reset brings
the default back."""

from __future__ import annotations

from typing import Any

import pytest

from sigap.accounts import message_templates as mt
from sigap.accounts.brands import default_brand
from sigap.accounts.models import Brand, User
from sigap.connectors.email.inbound import ingest
from sigap.connectors.tests.test_email_out import Inbox, incoming, smtp  # noqa: F401
from sigap.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_an_english_customer_of_a_brand_gets_its_edited_acknowledgement_by_email(
    smtp: Inbox,  # noqa: F811
    admin: User,
    customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Tickets carry no brand yet (another change adds ``Ticket.brand``): a ticket without
    # one is the default brand's, which is where this mail arrives.
    brand = default_brand()
    other = Brand.objects.create(name="Merek Dua", slug="dua")
    customer.preferred_language = "en"
    customer.name = "<b>Budi</b> Santoso"
    customer.save()

    def edit(text: str, *, language: str = "en", to: Brand | None = brand) -> None:
        mt.message_template_save(
            actor=admin, key="acknowledgement", language=language, brand=to, subject="", body=text
        )

    edit("Dear {first_name} of {brand}: ticket {ticket_number}, reply by {reply_by}.")
    edit("Every brand: {first_name}", to=None)
    edit("Merek dua: {first_name}", to=other)
    edit("Bahasa Indonesia: {nama_depan}", language="id")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ingest(incoming()).ticket
    assert ticket is not None
    [ack] = smtp.messages
    text = ack.get_body(preferencelist=("plain",))
    html = ack.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    # the edited English text for this brand, the deadline in English
    expected = f"Dear <b>Budi</b> of {brand.name}: ticket {ticket.reference}, reply by "
    assert text.get_content().startswith(expected)
    assert " at " in text.get_content() and "pukul" not in text.get_content()
    assert "&lt;b&gt;Budi&lt;/b&gt;" in html.get_content()
    assert "<b>" not in html.get_content()

    # back to the default: the code's English acknowledgement for the next ticket
    mt.message_template_reset(actor=admin, key="acknowledgement", language="en", brand=brand)
    mt.message_template_reset(actor=admin, key="acknowledgement", language="en", brand=None)
    with django_capture_on_commit_callbacks(execute=True):
        ingest(incoming("Another question"))
    again = smtp.messages[1].get_body(preferencelist=("plain",))
    assert again is not None
    assert again.get_content().startswith("Hello <b>Budi</b>,\r\n\r\nThank you, we have received")
