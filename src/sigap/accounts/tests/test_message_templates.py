"""Editable message templates (``accounts.message_templates``): the registry, the
resolution order, the checks at save, reset, the audit record and escaping."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from sigap.accounts import message_templates as mt
from sigap.accounts.brands import default_brand
from sigap.accounts.models import Brand, MessageTemplate, SecurityEvent, User
from sigap.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

CTX = {"nama_depan": "Budi", "nomor_tiket": "SGP-000042"}


def body(language: str | None, brand: Brand | None = None) -> str:
    return mt.render_message("reminder", language=language, brand=brand, context=CTX).body


def save(actor: User, body: str, *, language: str = "en", brand: Brand | None = None) -> None:
    mt.message_template_save(
        actor=actor, key="reminder", language=language, brand=brand, subject="", body=body
    )


@pytest.mark.parametrize("key", list(mt.KEYS))
def test_every_message_has_indonesian_and_english_defaults_that_pass_its_own_checks(
    key: str,
) -> None:
    spec = mt.KEYS[key]
    for language in ("id", "en"):
        subject = spec.subject.get(language, "")
        assert spec.body[language].strip()
        assert bool(subject) == spec.has_subject
        assert mt.check(key, subject=subject, body=spec.body[language]) == {}
        # the sample values fill every placeholder: nothing left in braces
        shown = mt.fill(subject, spec.body[language], mt.sample_context(key, language))
        assert "{" not in shown.body and "{" not in shown.subject


def test_resolution_brand_then_every_brand_then_the_language_default_then_indonesian(
    admin: User,
) -> None:
    main = default_brand()
    other = Brand.objects.create(name="Merek Dua", slug="dua")
    assert body("en").startswith("Hello Budi,\n\nWe are still waiting")  # code default
    assert body("id").startswith("Halo Kak Budi,")
    save(admin, "All brands: {first_name} {ticket_number}")
    assert body("en", other) == "All brands: Budi SGP-000042"
    save(admin, "Only {merek}: {nama_depan}", brand=other)
    assert body("en", other) == "Only Merek Dua: Budi"
    assert body("en", main) == "All brands: Budi SGP-000042"  # the other brand's text stays
    assert body("id", other).startswith("Halo Kak Budi,")  # per language
    save(admin, "Default brand: {nama_depan}", brand=main)
    assert body("en") == "Default brand: Budi"  # no brand known: the default brand's
    assert body("en-us", main) == "Default brand: Budi"
    # a language with no text of its own: the Indonesian chain
    save(admin, "Indonesia untuk semua: {nama_depan}", language="id")
    assert body("jv", other) == "Indonesia untuk semua: Budi"
    assert body("", other) == "Indonesia untuk semua: Budi"  # the business's language


def test_reset_goes_back_to_the_default_and_both_changes_are_audited(admin: User) -> None:
    save(admin, "Custom {first_name}")
    save(admin, "Custom again {first_name}")
    assert body("en") == "Custom again Budi"
    assert mt.message_template_reset(actor=admin, key="reminder", language="en", brand=None)
    assert body("en").startswith("Hello Budi,")
    assert not MessageTemplate.objects.exists()
    assert not mt.message_template_reset(actor=admin, key="reminder", language="en", brand=None)
    details = list(
        SecurityEvent.objects.filter(kind="settings_changed")
        .order_by("pk")
        .values_list("detail", flat=True)
    )
    assert len(details) == 3
    assert "templat pesan “reminder · en · *” dibuat" in details[0]
    assert "Custom {first_name} → Custom again {first_name}" in details[1]
    assert "dihapus" in details[2]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Halo {nama}", "{nama}"),
        ("Halo {tautan}", "{tautan}"),  # a placeholder of another message
        ("Halo {nama_depan.__class__}", "{nama_depan.__class__}"),
        ("Halo {nama_depan[0]}", "{nama_depan[0]}"),
        ("Halo {nama_depan!r}", "{nama_depan!r}"),
        ("Halo {nomor_tiket:>40}", "{nomor_tiket:>40}"),
        ("Halo {}", "{}"),
    ],
)
def test_an_unknown_placeholder_is_refused_by_name_and_nothing_is_saved(
    admin: User, text: str, shown: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        save(admin, text, language="id")
    [message] = caught.value.fields["body"]
    assert f"Placeholder {shown} tidak dikenal untuk pesan ini." in message
    assert "{nama_depan}" in message and "{nomor_tiket}" in message  # what may be used
    assert not MessageTemplate.objects.exists()
    assert not SecurityEvent.objects.filter(kind="settings_changed").exists()


def test_empty_body_stray_brace_and_long_subject_have_precise_messages(admin: User) -> None:
    def errors(subject: str, body: str) -> dict[str, list[str]]:
        with pytest.raises(ValidationFailed) as caught:
            mt.message_template_save(
                actor=admin,
                key="survey_nps",
                language="id",
                brand=None,
                subject=subject,
                body=body,
            )
        return caught.value.fields

    assert errors("Survei", "  \n") == {"body": ["Isi pesan wajib diisi."]}
    assert errors("", "Isi")["subject"] == ["Subjek wajib diisi."]
    assert errors("x" * 201, "Isi")["subject"] == [
        "Subjek terlalu panjang: 201 karakter, paling banyak 200."
    ]
    assert "kurung kurawal tanpa pasangan" in errors("Survei", "Harga {promo")["body"][0]
    assert not MessageTemplate.objects.exists()
    # doubled braces are the braces themselves
    mt.message_template_save(
        actor=admin, key="survey_nps", language="id", brand=None, subject="S", body="{{ok}} {usaha}"
    )
    out = mt.render_message("survey_nps", language="id", context={})
    assert out.body.startswith("{ok} ")


def test_only_admins_change_templates(supervisor: User, agent: User) -> None:
    for user in (supervisor, agent):
        with pytest.raises(PermissionDenied):
            save(user, "Halo {nama_depan}")
    assert not MessageTemplate.objects.exists()


def test_customer_values_are_escaped_in_html_and_kept_as_typed_in_text(admin: User) -> None:
    save(admin, "<b>Hi</b> {first_name}\n\n{ticket_number}")
    out = mt.render_message(
        "reminder",
        language="en",
        context={"nama_depan": "<script>alert(1)</script>", "nomor_tiket": "A&B"},
    )
    assert out.body == "<b>Hi</b> <script>alert(1)</script>\n\nA&B"
    assert "<script>" not in out.html and "<b>" not in out.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html
    assert "&lt;b&gt;Hi&lt;/b&gt;" in out.html  # the template's own text is text too
    assert "<p>A&amp;B</p>" in out.html


def test_the_portal_sign_in_mail_uses_the_edited_text(admin: User, customer_user: User) -> None:
    from django.core import mail

    from sigap.portal import magic

    mt.message_template_save(
        actor=admin,
        key="portal_sign_in",
        language="id",
        brand=None,
        subject="Masuk ke {merek}",
        body="{sapaan} klik {tautan} dalam {menit} menit.",
    )
    mail.outbox.clear()
    customer_user.email = "budi@contoh.id"
    magic.send_link(customer_user, purpose="login")
    (sent,) = mail.outbox
    assert sent.subject == f"Masuk ke {default_brand().name}"
    assert sent.body.startswith("Halo, klik http") and "/portal/tautan/" in sent.body
    assert sent.body.endswith(f"dalam {settings.SIGAP_MAGIC_LINK_MAX_AGE // 60} menit.")


def test_the_staff_invitation_mail_uses_the_edited_text_and_reset_restores_it(
    admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from sigap.accounts import invitations

    mt.message_template_save(
        actor=admin,
        key="staff_invitation",
        language="id",
        brand=None,
        subject="Bergabunglah dengan {usaha}",
        body="{sapaan} {pengundang} menunggu Anda di {tautan} (akun {nama_pengguna}).",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            actor=admin, email="rina@contoh.id", role="agent", first_name="Rina"
        )
    (sent,) = mail.outbox
    business = settings.SIGAP_BUSINESS_NAME or "Sigap"
    assert sent.subject == f"Bergabunglah dengan {business}"
    assert sent.body.startswith(f"Halo Rina, {admin.display_name} menunggu Anda di http")
    assert "/undangan/" in sent.body and sent.body.endswith("(akun rina@contoh.id).")

    assert mt.message_template_reset(actor=admin, key="staff_invitation", language="id", brand=None)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(actor=admin, email="sari@contoh.id", role="agent")
    (sent,) = mail.outbox
    assert sent.subject == f"Undangan ke Sigap {business}"
    assert "mengundang Anda ke Sigap, layanan pelanggan" in sent.body
    assert "Bila Anda tidak mengenal undangan ini, abaikan email ini." in sent.body


@pytest.mark.parametrize("key", ["proposal_rejected", "proposal_answered", "proposal_stale"])
def test_the_proposal_replies_render_their_edited_text(admin: User, key: str) -> None:
    ctx = {"nomor_tiket": "SGP-000042", "status_usulan": "diterima", "keadaan_kini": "Kini."}
    default = mt.render_message(key, language="id", context=ctx).body
    mt.message_template_save(
        actor=admin,
        key=key,
        language="id",
        brand=None,
        subject="",
        body="Ubahan untuk {nomor_tiket}.",
    )
    assert mt.render_message(key, language="id", context=ctx).body == "Ubahan untuk SGP-000042."
    mt.message_template_reset(actor=admin, key=key, language="id", brand=None)
    assert mt.render_message(key, language="id", context=ctx).body == default
