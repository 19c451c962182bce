"""The channels' settings pages (admins only): mailboxes with their incoming and SMTP
servers, tested with the servers' own answers, and the messaging channels. Every write goes
through ``connectors.services``."""

from __future__ import annotations

import secrets
from typing import cast

from django.conf import settings
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sigap.accounts.decorators import admin_required
from sigap.accounts.models import Brand, User
from sigap.connectors import conf, services
from sigap.connectors.email.account import Check, MailboxError
from sigap.connectors.models import ChannelAccount, Mailbox, WhatsAppTemplate
from sigap.core.errors import SigapError
from sigap.tickets.models import OPEN_STATUSES, Ticket
from sigap.web.forms_channels import ChannelForm, MailboxForm


@admin_required
def settings_channels(request: HttpRequest) -> HttpResponse:
    mailboxes = Mailbox.objects.order_by("name")
    rows = list(ChannelAccount.objects.select_related("brand").order_by("provider", "brand__name"))
    defaults = {a.provider: a for a in rows if a.brand_id is None}
    channels = [
        (spec, defaults.get(key), [a for a in rows if a.provider == key and a.brand_id])
        for key, spec in services.CHANNELS.items()
    ]
    return render(
        request, "web/settings_channels.html", {"mailboxes": mailboxes, "channels": channels}
    )


def _brand_of(brand_id: int | None) -> Brand | None:
    """The brand a connection page is for (None: the default connection); the default
    brand's page is the default connection's."""
    if brand_id is None:
        return None
    brand = get_object_or_404(Brand, pk=brand_id)
    return None if brand.is_default else brand


def _channel_url(provider: str, brand: Brand | None) -> str:
    if brand is None:
        return reverse("web:settings_channel", args=[provider])
    return reverse("web:settings_channel_brand", args=[provider, brand.pk])


def _messages(exc: SigapError) -> list[str]:
    """Every message of a domain error (for a page whose form is not bound)."""
    found = [error for errors in exc.fields.values() for error in errors]
    return found or [exc.message]


def _show_errors(form: MailboxForm, exc: SigapError) -> None:
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


@admin_required
def settings_mailbox(request: HttpRequest, mailbox_id: int | None = None) -> HttpResponse:
    """New or edit; ``action=test`` signs in with the typed values and saves nothing."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id) if mailbox_id else None
    form = MailboxForm(request.POST or None, instance=mailbox)
    checks: list[Check] = []
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)  # not saved: the service decides
        try:
            if request.POST.get("action") == "test":
                checks = services.mailbox_test(mailbox=candidate, typed=form.typed_secrets())
            else:
                saved = services.mailbox_save(
                    actor=cast(User, request.user), mailbox=candidate, typed=form.typed_secrets()
                )
                flash.success(
                    request, _("Kotak surat %(name)s disimpan.") % {"name": saved.mailbox.name}
                )
                return redirect("web:settings_channels")
        except services.ConnectionFailed as exc:
            checks = exc.checks
            form.add_error(None, exc.message)
        except (SigapError, MailboxError) as exc:
            _show_errors(form, exc if isinstance(exc, SigapError) else SigapError(str(exc)))
    failed = any(not c.ok for c in checks) or bool(form.errors)
    status = 422 if request.method == "POST" and failed else 200
    return render(
        request,
        "web/settings_mailbox.html",
        {
            "form": form,
            "mailbox": mailbox,
            "checks": checks,
            "redirect_uri": _redirect_uri(request),
        },
        status=status,
    )


@require_POST
@admin_required
def settings_mailbox_test(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Test a saved mailbox with its stored settings."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    checks: list[Check] = []
    errors: list[str] = []
    try:
        checks = services.mailbox_test(mailbox=mailbox)
    except SigapError as exc:
        errors = _messages(exc)
    except MailboxError as exc:
        errors = [str(exc)]
    status = 200 if checks and all(c.ok for c in checks) else 422
    return _mailbox_page(request, mailbox, checks, errors, status)


def _mailbox_page(
    request: HttpRequest, mailbox: Mailbox, checks: list[Check], errors: list[str], status: int
) -> HttpResponse:
    """A saved mailbox's page after an action without its form (test, OAuth2 sign-in)."""
    return render(
        request,
        "web/settings_mailbox.html",
        {
            "form": MailboxForm(instance=mailbox),
            "mailbox": mailbox,
            "checks": checks,
            "page_errors": errors,
            "redirect_uri": _redirect_uri(request),
        },
        status=status,
    )


# The ticket channels each messaging connection carries (for the disconnect page's counts).
CHANNEL_TICKETS = {
    "whatsapp": ("whatsapp",),
    "telegram": ("telegram",),
    "meta": ("facebook", "instagram"),
}


def _confirm(
    request: HttpRequest,
    *,
    title: str,
    facts: list[str],
    button: str,
    back: str,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "web/settings_confirm.html",
        {"title": title, "facts": facts, "button": button, "back": back, "error": error},
        status=422 if error else 200,
    )


@admin_required
def settings_mailbox_delete(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Ask, then remove a mailbox (``services.mailbox_delete``)."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    error = ""
    if request.method == "POST":
        try:
            services.mailbox_delete(actor=cast(User, request.user), mailbox_id=mailbox.pk)
        except SigapError as exc:
            error = exc.message
        else:
            flash.success(request, _("Kotak surat %(name)s dihapus.") % {"name": mailbox.name})
            return redirect("web:settings_channels")
    return _confirm(
        request,
        title=_("Hapus kotak surat %(name)s?") % {"name": mailbox.name},
        facts=[
            _("Sigap berhenti mengambil surat dari %(address)s.")
            % {"address": mailbox.address or mailbox.username},
            _("Pengaturan dan kata sandinya yang tersimpan dihapus."),
            _(
                "Tiket email dan pesannya tetap tersimpan; balasan pelanggan yang masuk lewat "
                "kotak surat lain tetap masuk ke tiketnya."
            ),
            _("Untuk berhenti sementara, nonaktifkan saja kotak surat ini."),
        ],
        button=_("Hapus kotak surat"),
        back=reverse("web:settings_mailbox", args=[mailbox.pk]),
        error=error,
    )


@admin_required
def settings_channel_disconnect(
    request: HttpRequest, provider: str, brand_id: int | None = None
) -> HttpResponse:
    """Ask, then forget a messaging channel's stored connection, the default one or a
    brand's own (``services.channel_disconnect``)."""
    if provider not in services.CHANNELS:
        raise Http404
    spec = services.channel_spec(provider)
    brand = _brand_of(brand_id)
    label = services.connection_label(spec, brand)
    error = ""
    if request.method == "POST":
        try:
            services.channel_disconnect(
                actor=cast(User, request.user), provider=provider, brand=brand
            )
        except SigapError as exc:
            error = exc.message
        else:
            flash.success(request, _("Saluran %(label)s diputuskan.") % {"label": label})
            return redirect("web:settings_channels")
    tickets = Ticket.objects.filter(channel__in=CHANNEL_TICKETS[provider])
    if brand is not None:
        tickets = tickets.filter(brand=brand)
    facts = [
        _("Token dan pengaturan yang tersimpan di sini dihapus; webhook menolak pesan baru."),
        _(
            "%(all)d tiket dari saluran ini tetap tersimpan dengan pesannya; %(open)d di "
            "antaranya masih terbuka dan tidak dapat dibalas lewat saluran ini sampai "
            "dihubungkan lagi."
        )
        % {"all": tickets.count(), "open": tickets.filter(status__in=OPEN_STATUSES).count()},
    ]
    if brand is not None:
        facts.append(
            _("Balasan pada tiket merek %(brand)s kembali dikirim lewat koneksi bawaan.")
            % {"brand": brand.name}
        )
    else:
        still_env = [
            s.name for s in spec.settings if conf.source(s.name) in ("env", "file", "setting")
        ]
        if still_env:
            facts.append(
                _("Pengaturan dari server tetap berlaku: %(names)s.")
                % {"names": ", ".join(still_env)}
            )
    return _confirm(
        request,
        title=_("Putuskan saluran %(label)s?") % {"label": label},
        facts=facts,
        button=_("Putuskan saluran"),
        back=_channel_url(provider, brand),
        error=error,
    )


# --- OAuth2 sign-in (authorization code with PKCE) ---------------------------------------------

OAUTH_SESSION = "sigap_mailbox_oauth"


def _redirect_uri(request: HttpRequest) -> str:
    return f"{str(settings.SITE_URL).rstrip('/')}{reverse('web:settings_mailbox_oauth_back')}"


@require_POST
@admin_required
def settings_mailbox_oauth(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Send the admin to the provider to sign in as the mailbox and consent."""
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    try:
        start = services.mailbox_oauth_begin(mailbox=mailbox, redirect_uri=_redirect_uri(request))
    except SigapError as exc:
        return _mailbox_page(request, mailbox, [], _messages(exc), 422)
    request.session[OAUTH_SESSION] = {
        "mailbox": mailbox.pk,
        "state": start.state,
        "verifier": start.verifier,
    }
    return redirect(start.url)


@admin_required
def settings_mailbox_oauth_back(request: HttpRequest) -> HttpResponse:
    """The provider sends the admin back here with a code (or an error)."""
    pending = request.session.pop(OAUTH_SESSION, None)
    state = request.GET.get("state", "")
    if not pending or not state or not secrets.compare_digest(str(pending["state"]), state):
        flash.error(
            request, _("Masuk OAuth2 tidak dikenali atau sudah dipakai; ulangi dari kotak surat.")
        )
        return redirect("web:settings_channels")
    mailbox = get_object_or_404(Mailbox, pk=pending["mailbox"])
    checks: list[Check] = []
    error = request.GET.get("error", "")
    if error:
        description = request.GET.get("error_description", "")
        message = _("Penyedia tidak memberi izin: %(error)s %(description)s") % {
            "error": error,
            "description": description,
        }
        return _mailbox_page(request, mailbox, checks, [message], 422)
    try:
        services.mailbox_oauth_finish(
            actor=cast(User, request.user),
            mailbox=mailbox,
            code=request.GET.get("code", ""),
            redirect_uri=_redirect_uri(request),
            verifier=str(pending["verifier"]),
        )
    except services.ConnectionFailed as exc:
        mailbox.refresh_from_db()
        return _mailbox_page(request, mailbox, exc.checks, [exc.message], 422)
    except SigapError as exc:
        mailbox.refresh_from_db()
        return _mailbox_page(request, mailbox, checks, _messages(exc), 422)
    flash.success(
        request, _("Kotak surat %(name)s tersambung lewat OAuth2.") % {"name": mailbox.name}
    )
    return redirect("web:settings_mailbox", mailbox_id=mailbox.pk)


# --- messaging channels ------------------------------------------------------------------------


def _channel_page(
    request: HttpRequest,
    provider: str,
    form: ChannelForm | None = None,
    status: int = 200,
    brand: Brand | None = None,
) -> HttpResponse:
    spec = services.channel_spec(provider)
    rows = list(ChannelAccount.objects.filter(provider=provider).select_related("brand"))
    row = next((a for a in rows if a.brand_id == (brand.pk if brand else None)), None)
    if form is None:
        form = ChannelForm(spec, dict(row.values) if row else {})
    account = conf.account(row.pk) if row is not None and brand is not None else None
    with conf.using(account):
        sources = {s.name: conf.source(s.name) for s in spec.settings}
        # what the admin pastes into the provider's dashboard (not the other secrets)
        paste = [
            (s.label, conf._read(s.name)) for s in spec.settings if s.name in services.GENERATED
        ]
    if brand is not None and row is None:
        paste = []  # generated when it is saved
    # the connection's own business account's templates (a brand's: once it is saved)
    templates = (
        list(
            WhatsAppTemplate.objects.filter(brand=brand if row is not None else None).order_by(
                "name", "language"
            )
        )
        if provider == "whatsapp" and (brand is None or row is not None)
        else []
    )
    taken = {a.brand_id for a in rows}
    return render(
        request,
        "web/settings_channel.html",
        {
            "spec": spec,
            "form": form,
            "account": row,
            "brand": brand,
            "label": services.connection_label(spec, brand),
            "sources": [(s.label, s.name, sources[s.name]) for s in spec.settings],
            "paste": paste,
            "webhook_url": (
                services.webhook_url(provider)
                if brand is None
                else services.webhook_url(provider, row.pk)
                if row is not None
                else ""
            ),
            "templates": templates,
            "page_url": _channel_url(provider, brand),
            "brand_accounts": [a for a in rows if a.brand_id is not None],
            "free_brands": [
                b
                for b in Brand.objects.filter(is_active=True, is_default=False).order_by("name")
                if b.pk not in taken
            ],
        },
        status=status,
    )


@admin_required
def settings_channel(
    request: HttpRequest, provider: str, brand_id: int | None = None
) -> HttpResponse:
    """A messaging channel's connection: the default one, or a brand's own (``brand_id``:
    its number, bot or page), with its webhook URL, verify step and (WhatsApp) the
    connection's own message templates."""
    if provider not in services.CHANNELS:
        raise Http404
    spec = services.channel_spec(provider)
    brand = _brand_of(brand_id)
    if brand_id is not None and brand is None:  # the default brand: the default connection
        return redirect("web:settings_channel", provider=provider)
    if request.method != "POST":
        chosen = request.GET.get("brand", "")
        if brand is None and chosen.isdigit():  # "connect for a brand": its page
            return redirect("web:settings_channel_brand", provider=provider, brand_id=int(chosen))
        return _channel_page(request, provider, brand=brand)
    actor = cast(User, request.user)
    action = request.POST.get("action", "save")
    here = _channel_url(provider, brand)
    if action == "verify":
        try:
            answer = services.channel_verify(actor=actor, provider=provider, brand=brand)
        except SigapError as exc:
            flash.error(request, exc.message)
            return _channel_page(request, provider, status=422, brand=brand)
        flash.success(request, answer)
        return redirect(here)
    if action == "sync" and provider == "whatsapp":
        try:
            synced = services.whatsapp_templates_sync(actor=actor, brand=brand)
        except SigapError as exc:
            flash.error(request, exc.message)
            return _channel_page(request, provider, status=422, brand=brand)
        flash.success(
            request,
            _("Templat disinkronkan: %(created)d baru, %(updated)d diubah, %(approved)d disetujui.")
            % {"created": synced.created, "updated": synced.updated, "approved": synced.approved},
        )
        return redirect(here)
    if action == "proposals" and provider == "whatsapp":
        raw = request.POST.get("template", "")
        try:
            services.whatsapp_template_for_proposals(
                actor=actor, template_id=int(raw) if raw.isdigit() else None, brand=brand
            )
        except SigapError as exc:
            flash.error(request, exc.message)
            return _channel_page(request, provider, status=422, brand=brand)
        flash.success(request, _("Templat usulan penyelesaian disimpan."))
        return redirect(here)
    form = ChannelForm(spec, {}, request.POST)
    if form.is_valid():
        values, typed = form.split()
        try:
            services.channel_save(
                actor=actor, provider=provider, values=values, typed=typed, brand=brand
            )
        except SigapError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            flash.success(
                request,
                _("Saluran %(label)s disimpan.")
                % {"label": services.connection_label(spec, brand)},
            )
            return redirect(here)
    return _channel_page(request, provider, form, status=422, brand=brand)
