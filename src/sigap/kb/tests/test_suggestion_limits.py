"""The article suggestions asked while a customer types (the widget's /bantuan/saran/, the
portal's /portal/baru/saran/) are limited per client address and per signed-in customer:
past the limit, 429 with a short note in the customer's language (the form goes on)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings

from sigap.accounts.models import User
from sigap.customers.models import Customer
from sigap.kb.models import Article

pytestmark = pytest.mark.django_db

LIMITED_ID = (
    "Terlalu banyak permintaan saran artikel. Tunggu sebentar; Anda tetap dapat mengisi "
    "formulir ini."
)
LIMITED_EN = (
    "Too many requests for article suggestions. Wait a moment; you can still fill in this form."
)


@pytest.fixture(autouse=True)
def fresh_counts() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


@override_settings(SIGAP_SUGGESTIONS_PER_CLIENT="3/m")
def test_the_widget_is_limited_per_client_address_with_a_429_in_the_pages_language(
    kb: dict[str, Article],
) -> None:
    visitor = from_address("203.0.113.7")
    for _ in range(3):
        response = visitor.get("/bantuan/saran/", {"q": "paket belum sampai"})
        assert response.status_code == 200 and response.json()["articles"]
    refused = visitor.get("/bantuan/saran/", {"q": "paket belum sampai", "lang": "en"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60" and refused["Access-Control-Allow-Origin"] == "*"
    assert refused.json() == {
        "articles": [],
        "error": {"code": "rate_limited", "message": LIMITED_EN},
    }
    in_indonesian = visitor.get("/bantuan/saran/", {"q": "paket belum sampai"})
    assert in_indonesian.json()["error"]["message"] == LIMITED_ID
    # another address is counted on its own
    assert from_address("203.0.113.8").get("/bantuan/saran/", {"q": "paket"}).status_code == 200


@override_settings(SIGAP_SUGGESTIONS_PER_USER="2/m")
def test_the_portal_is_limited_per_customer_with_a_note_in_their_language(
    kb: dict[str, Article],
    customer: Customer,
    customer_user: User,
    other_customer: Customer,
    other_customer_user: User,
) -> None:
    c = Client(REMOTE_ADDR="198.51.100.1")
    c.force_login(customer_user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(2):
        assert c.get("/portal/baru/saran/", {"subject": "Paket belum sampai"}).status_code == 200
    refused = c.get("/portal/baru/saran/", {"subject": "Paket belum sampai"})
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    html = refused.content.decode()
    assert LIMITED_EN in html and 'role="status"' in html
    # the same address, another customer: their own count
    other = Client(REMOTE_ADDR="198.51.100.1")
    other.force_login(other_customer_user)
    assert other.get("/portal/baru/saran/", {"subject": "Paket"}).status_code == 200


def test_the_portal_form_shows_the_refusal_where_the_suggestions_go(
    customer: Customer, customer_user: User
) -> None:
    """htmx swaps only 2xx answers: the suggestions' section asks for its 429 too
    (``data-show-429``, handled in sigap.js)."""
    c = Client()
    c.force_login(customer_user)
    form = c.get("/portal/baru/").content.decode()
    assert 'id="suggestions" aria-live="polite" data-show-429' in form
    script = (settings.BASE_DIR / "web" / "static" / "sigap" / "sigap.js").read_text()
    assert 'hasAttribute("data-show-429")' in script
