"""What Sigap stores once and shows to everyone later (the stand-in text of a message it
cannot show, an audit log's detail) is said in the business's default language, whatever
language the request or the thread that writes it happens to be in."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from sigap.accounts import twofactor
from sigap.accounts.models import Role, SecurityEvent, User
from sigap.connectors.messaging import Inbound
from sigap.connectors.meta import inbound as meta_in
from sigap.connectors.telegram import inbound as telegram_in
from sigap.connectors.tests.conftest import load
from sigap.connectors.whatsapp import inbound as whatsapp_in

pytestmark = pytest.mark.django_db


def telegram_document() -> Inbound:
    parsed = telegram_in.parse(load("telegram_document.json"))
    assert isinstance(parsed, Inbound)
    return parsed


def whatsapp_voice_and_location() -> list[str]:
    voice = load("whatsapp_audio.json")
    voice["entry"][0]["changes"][0]["value"]["messages"][0]["audio"]["voice"] = True
    texts = []
    for payload in (voice, load("whatsapp_location.json")):
        (message,) = whatsapp_in.parse(payload).messages
        assert isinstance(message, Inbound)
        texts.append(message.text)
    return texts


def messenger_image() -> str:
    (message,) = meta_in.parse(load("meta_messenger_image.json", now=False)).messages
    assert isinstance(message, Inbound)
    return message.text


def test_a_stand_in_text_is_in_the_default_language_under_an_english_request() -> None:
    with translation.override("en"):
        document = telegram_document()
        voice, location = whatsapp_voice_and_location()
        image = messenger_image()
        assert translation.get_language() == "en"  # given back afterwards
    assert (document.text, document.media["label"]) == ("[Dokumen: mutasi-rekening.pdf]", "dokumen")
    assert voice == "[Pesan suara]"
    assert location.startswith("[Lokasi] ")
    assert image.splitlines()[-1].startswith("Lampiran gambar: https://")


@override_settings(LANGUAGE_CODE="en")
def test_a_business_whose_default_is_english_stores_them_in_english() -> None:
    with translation.override("id"):
        document = telegram_document()
        voice, location = whatsapp_voice_and_location()
        image = messenger_image()
    assert (document.text, document.media["label"]) == (
        "[Document: mutasi-rekening.pdf]",
        "document",
    )
    assert voice == "[Voice message]"
    assert location.startswith("[Location] ")
    assert image.splitlines()[-1].startswith("Attachment image: https://")


def test_an_audit_detail_is_in_the_default_language_whoever_writes_it(admin: User) -> None:
    with translation.override("en"):
        twofactor.set_requirement(actor=admin, role=Role.AGENT, required=True)
        twofactor.set_requirement(actor=admin, role=Role.AGENT, required=False)
    details = list(SecurityEvent.objects.order_by("id").values_list("detail", flat=True))
    assert details[-2:] == ["2FA wajib untuk Agen", "2FA tidak wajib untuk Agen"]
