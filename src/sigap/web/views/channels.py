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
from sigap.accounts.models import User
from sigap.connectors import conf, services
from sigap.connectors.email.account import Check, MailboxError
from sigap.connectors.models import ChannelAccount, Mailbox, WhatsAppTemplate
from sigap.core.errors import SigapError
from sigap.tickets.models import OPEN_STATUSES, Ticket
from sigap.web.forms_channels import ChannelForm, MailboxForm


@admin_required
def settings_channels(request: HttpRequest) -> HttpResponse:
    mailboxes = Mailbox.objects.order_by("name")
    accounts = {a.provider: a for a in ChannelAccount.objects.all()}
    channels = [(spec, accounts.get(key)) for key, spec in services.CHANNELS.items()]
    return render(
        request, "web/settings_channels.html", {"mailboxes": mailboxes, "channels": channels}
    )


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
def settings_channel_disconnect(request: HttpRequest, provider: str) -> HttpResponse:
    """Ask, then forget a messaging channel's stored connection
    (``services.channel_disconnect``)."""
    if provider not in services.CHANNELS:
        raise Http404
    spec = services.channel_spec(provider)
    error = ""
    if request.method == "POST":
        try:
            services.channel_disconnect(actor=cast(User, request.user), provider=provider)
        except SigapError as exc:
            error = exc.message
        else:
            flash.success(request, _("Saluran %(label)s diputuskan.") % {"label": spec.label})
            return redirect("web:settings_channels")
    tickets = Ticket.objects.filter(channel__in=CHANNEL_TICKETS[provider])
    still_env = [s.name for s in spec.settings if conf.source(s.name) in ("env", "file", "setting")]
    facts = [
        _("Token dan pengaturan yang tersimpan di sini dihapus; webhook menolak pesan baru."),
        _(
            "%(all)d tiket dari saluran ini tetap tersimpan dengan pesannya; %(open)d di "
            "antaranya masih terbuka dan tidak dapat dibalas lewat saluran ini sampai "
            "dihubungkan lagi."
        )
        % {"all": tickets.count(), "open": tickets.filter(status__in=OPEN_STATUSES).count()},
    ]
    if still_env:
        facts.append(
            _("Pengaturan dari server tetap berlaku: %(names)s.") % {"names": ", ".join(still_env)}
        )
    return _confirm(
        request,
        title=_("Putuskan saluran %(label)s?") % {"label": spec.label},
        facts=facts,
        button=_("Putuskan saluran"),
        back=reverse("web:settings_channel", args=[provider]),
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
    request: HttpRequest, provider: str, form: ChannelForm | None = None, status: int = 200
) -> HttpResponse:
    spec = services.channel_spec(provider)
    row = ChannelAccount.objects.filter(provider=provider).first()
    if form is None:
        form = ChannelForm(spec, dict(row.values) if row else {})
    sources = {s.name: conf.source(s.name) for s in spec.settings}
    # what the admin pastes into the provider's dashboard (not the other secrets)
    paste = [(s.label, conf._read(s.name)) for s in spec.settings if s.name in services.GENERATED]
    templates = (
        list(WhatsAppTemplate.objects.order_by("name", "language"))
        if provider == "whatsapp"
        else []
    )
    return render(
        request,
        "web/settings_channel.html",
        {
            "spec": spec,
            "form": form,
            "account": row,
            "sources": [(s.label, s.name, sources[s.name]) for s in spec.settings],
            "paste": paste,
            "webhook_url": services.webhook_url(provider),
            "templates": templates,
        },
        status=status,
    )


@admin_required
def settings_channel(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in services.CHANNELS:
        raise Http404
    spec = services.channel_spec(provider)
    if request.method != "POST":
        return _channel_page(request, provider)
    actor = cast(User, request.user)
    action = request.POST.get("action", "save")
    if action == "verify":
        try:
            answer = services.channel_verify(actor=actor, provider=provider)
        except SigapError as exc:
            flash.error(request, exc.message)
            return _channel_page(request, provider, status=422)
        flash.success(request, answer)
        return redirect("web:settings_channel", provider=provider)
    if action == "sync" and provider == "whatsapp":
        try:
            synced = services.whatsapp_templates_sync(actor=actor)
        except SigapError as exc:
            flash.error(request, exc.message)
            return _channel_page(request, provider, status=422)
        flash.success(
            request,
            _("Templat disinkronkan: %(created)d baru, %(updated)d diubah, %(approved)d disetujui.")
            % {"created": synced.created, "updated": synced.updated, "approved": synced.approved},
        )
        return redirect("web:settings_channel", provider=provider)
    if action == "proposals" and provider == "whatsapp":
        raw = request.POST.get("template", "")
        try:
            services.whatsapp_template_for_proposals(
                actor=actor, template_id=int(raw) if raw.isdigit() else None
            )
        except SigapError as exc:
            flash.error(request, exc.message)
            return _channel_page(request, provider, status=422)
        flash.success(request, _("Templat usulan penyelesaian disimpan."))
        return redirect("web:settings_channel", provider=provider)
    form = ChannelForm(spec, {}, request.POST)
    if form.is_valid():
        values, typed = form.split()
        try:
            services.channel_save(actor=actor, provider=provider, values=values, typed=typed)
        except SigapError as exc:
            for name, errors in exc.fields.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            if not exc.fields:
                form.add_error(None, exc.message)
        else:
            flash.success(request, _("Saluran %(label)s disimpan.") % {"label": spec.label})
            return redirect("web:settings_channel", provider=provider)
    return _channel_page(request, provider, form, status=422)
