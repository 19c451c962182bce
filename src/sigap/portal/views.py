"""The customer portal: sign up, sign in by link, submit, follow and answer one's tickets.

A customer reaches tickets only through ``access``: another customer's ticket answers
exactly like a ticket that does not exist (404).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages as flash
from django.contrib.auth import authenticate, login
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sigap.accounts import brands
from sigap.accounts.http import safe_next
from sigap.accounts.limits import (
    SUGGESTIONS_RETRY_SECONDS,
    mail_allowed,
    suggestions_allowed,
    too_many_requests,
)
from sigap.accounts.models import Role, User
from sigap.accounts.services import user_create
from sigap.core.errors import NotFound, SigapError
from sigap.customers.models import ContactKind
from sigap.customers.services import ContactIn, customer_create, customer_find_by_contact
from sigap.kb import feedback
from sigap.kb.access import public_article
from sigap.kb.selectors import SUGGEST_QUERY_CHARS, portal_suggestions
from sigap.kb.snippets import highlight, snippet
from sigap.portal import magic
from sigap.portal.forms import (
    FormalEscalationForm,
    MagicLinkForm,
    NewTicketForm,
    PortalReplyForm,
    RejectForm,
    SignInForm,
    SignupForm,
)
from sigap.surveys.services import link as survey_link
from sigap.surveys.services import pending_for as pending_surveys
from sigap.tickets import guidance, selectors, services, timeline
from sigap.tickets.access import access_ticket, visible_tickets
from sigap.tickets.attachments import uploads_from
from sigap.tickets.models import MessageKind, Proposal, ProposalStatus, Ticket

V = TypeVar("V", bound=Callable[..., HttpResponse])


def customer_required(view: V) -> V:
    """A signed-out visitor goes to the customer sign-in page (email and password, or a
    link by mail), and comes back here after it; staff go to their workspace."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        user = request.user
        if user.is_agent_or_above:
            return redirect("web:inbox")
        if getattr(user, "customer", None) is None:
            return render(request, "portal/no_customer.html", status=403)
        return view(request, *args, **kwargs)

    return cast(V, wrapper)


def _apply_errors(form: Any, exc: SigapError) -> None:
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


# --- accounts -------------------------------------------------------------------------------


def _account_for(email: str) -> str:
    """The user name that signs in with this address: a customer's (whose user name is
    usually the address itself), else a staff member's with that address (refused after
    the password, see ``sign_in``), else the address (a failure axes counts)."""
    match = Q(email__iexact=email) | Q(username__iexact=email)
    customer = User.objects.filter(match, role=Role.CUSTOMER).order_by("pk").first()
    if customer is not None:
        return customer.username
    staff = User.objects.filter(email__iexact=email).exclude(role=Role.CUSTOMER).first()
    return staff.username if staff is not None else email


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """The customer's sign-in: email and password; a sign-in link by mail beside it."""
    target = safe_next(
        request, request.POST.get("next") or request.GET.get("next"), reverse("portal:home")
    )
    if request.user.is_authenticated and request.method == "GET":
        return redirect(target if not request.user.is_agent_or_above else "home")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = _account_for(form.cleaned_data["email"])
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        # (locked out after too many wrong passwords: axes' middleware answers 429)
        if user is None:
            form.add_error(None, _("Email atau kata sandi salah."))
        elif user.is_agent_or_above:
            # never a way around the staff sign-in (its two-factor code, its audit)
            form.add_error(
                None,
                _("Ini akun petugas. Petugas masuk dengan nama pengguna di halaman masuk petugas."),
            )
        else:
            login(request, user)
            return redirect(target)
    return render(
        request,
        "portal/login.html",
        {"form": form, "next": target},
        status=422 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A sign-up waits for the link mailed to its address; only then is it linked to the
    tickets already sent from that address (nobody can claim someone else's history).

    The answer is the same whether or not the address has an account: the owner of an
    account hears of the attempt by mail, with a sign-in link, and nothing of theirs
    changes. A second sign-up for an address still waiting replaces the first (its
    password and link; the first link is spent)."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        email = data["email"]
        if not mail_allowed(request, "portal.signup", email):
            return too_many_requests(request)
        secret = magic.new_browser_secret()
        with transaction.atomic():
            user = (
                User.objects.select_for_update().filter(username__iexact=email).first()
                or User.objects.select_for_update().filter(email__iexact=email).first()
            )
            if user is None:
                first, _sep, last = data["name"].strip().partition(" ")
                user = user_create(
                    username=email,
                    password=data["password"],
                    role=Role.CUSTOMER,
                    first_name=first[:150],
                    last_name=last[:150],
                    email=email,
                    verified=False,
                )
                purpose = "verify"
            elif user.role == Role.CUSTOMER and user.signup_pending and not user.is_active:
                first, _sep, last = data["name"].strip().partition(" ")
                user.first_name, user.last_name = first[:150], last[:150]
                user.set_password(data["password"])  # spends the earlier sign-up's link
                user.save(update_fields=["first_name", "last_name", "password"])
                purpose = "verify"
            elif user.role == Role.CUSTOMER and user.is_active:
                purpose = "exists"
            else:  # staff, or an account staff switched off: no mail at all
                purpose = ""
            # written whatever the case, so the answer (its cookie included) is the same
            # for an address with an account and one without
            request.session[magic.SIGNUP_BROWSER] = secret
            request.session["signup_phone"] = data["phone"].strip() if purpose == "verify" else ""
        brand = brands.from_request(request)  # the portal of ?brand=: its mail
        if purpose == "verify":
            magic.send_link(user, purpose="verify", browser=magic.browser_mark(secret), brand=brand)
        elif purpose:
            magic.send_link(user, purpose=purpose, brand=brand)
        return render(request, "portal/link_sent.html", {"email": email, "signup": True})
    return render(
        request, "portal/signup.html", {"form": form}, status=422 if form.is_bound else 200
    )


@require_http_methods(["GET", "POST"])
def magic_request(request: HttpRequest) -> HttpResponse:
    form = MagicLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        if not mail_allowed(request, "portal.link", email):
            return too_many_requests(request)
        user = User.objects.filter(email__iexact=email, role=Role.CUSTOMER).first()
        brand = brands.from_request(request)  # the portal of ?brand=: its mail
        if user is not None and user.is_active:
            magic.send_link(user, purpose="login", brand=brand)
        elif user is not None and user.signup_pending:  # a sign-up still waiting
            magic.send_link(user, purpose="verify", brand=brand)
        # (an account staff switched off gets nothing: only staff switch it on again)
        # The same answer whether or not the address is known: no account enumeration.
        return render(request, "portal/link_sent.html", {"email": email})
    return render(
        request, "portal/magic.html", {"form": form}, status=422 if form.is_bound else 200
    )


def _link_customer(user: User, phone: str) -> None:
    if getattr(user, "customer", None) is not None:
        return
    existing = customer_find_by_contact(ContactKind.EMAIL, user.email)
    if existing is not None and existing.user_id is None:
        existing.user = user
        existing.save(update_fields=["user"])
        return
    contacts = [ContactIn(ContactKind.EMAIL, user.email, True)]
    if phone:
        contacts.append(ContactIn(ContactKind.PHONE, phone))
    try:
        customer_create(name=user.get_full_name() or user.email, user=user, contacts=contacts)
    except SigapError:  # e.g. the phone is someone else's contact: keep the email only
        customer_create(name=user.get_full_name() or user.email, user=user, contacts=contacts[:1])


@require_GET
def magic_login(request: HttpRequest, token: str) -> HttpResponse:
    link = magic.read_token(token)
    if link is None:
        return render(request, "portal/link_invalid.html", status=400)
    user = link.user
    kept_password = True
    if not user.is_active:
        if not user.signup_pending:  # switched off by staff: stays off
            return render(request, "portal/account_disabled.html", status=403)
        # The address is proven now. A password chosen at sign-up is kept only in the
        # browser that chose it: anyone could have signed up with this address.
        kept_password = link.opened_where_signed_up(request.session.get(magic.SIGNUP_BROWSER, ""))
        with transaction.atomic():
            if not kept_password:
                user.set_unusable_password()
            user.is_active = True
            user.signup_pending = False
            user.email_verified_at = timezone.now()
            user.save(
                update_fields=["is_active", "signup_pending", "email_verified_at", "password"]
            )
            _link_customer(user, request.session.pop("signup_phone", ""))
        request.session.pop(magic.SIGNUP_BROWSER, None)
    else:
        with transaction.atomic():
            _link_customer(user, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    brands.from_request(request)  # a link of a brand's mail (?brand=): its portal
    flash.success(request, _("Selamat datang! Anda sudah masuk."))
    if not kept_password:
        flash.info(
            request,
            _(
                "Akun Anda aktif. Kata sandi dari pendaftaran tidak dipakai karena tautan ini "
                "dibuka di perangkat lain; masuk berikutnya dengan tautan masuk lewat email."
            ),
        )
    return redirect("portal:home")


# --- tickets ---------------------------------------------------------------------------------


@require_GET
@customer_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    tickets = list(visible_tickets(user).order_by("-pk").prefetch_related("missed_deadlines")[:100])
    offered = set(
        Proposal.objects.filter(
            ticket__in=[t.pk for t in tickets], status=ProposalStatus.OFFERED
        ).values_list("ticket_id", flat=True)
    )
    tz = user.customer.time_zone if user.customer else ""
    rows = [
        (
            t,
            guidance.for_customer(
                t, offer_waiting=t.pk in offered, tz=tz, missed=list(t.missed_deadlines.all())
            ),
        )
        for t in tickets
    ]
    surveys = [(s, survey_link(s)) for s in pending_surveys(user.customer)] if user.customer else []
    return render(request, "portal/home.html", {"rows": rows, "surveys": surveys})


@require_http_methods(["GET", "POST"])
@customer_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = NewTicketForm(
        request.POST or None,
        request.FILES or None,
        initial={"deflection": secrets.token_hex(feedback.TOKEN_CHARS // 2)},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_create(
                    actor=user,
                    customer=user.customer,
                    kind=data["kind"],
                    channel="portal",
                    subject=data["subject"],
                    description=data["description"],
                    uploads=uploads_from(request),
                    brand_id=brands.from_request(request).id,  # the portal of ?brand=
                )
            except SigapError as exc:
                status = exc.http_status
                _apply_errors(form, exc)
            else:
                token = data.get("deflection") or ""
                if feedback.valid_token(token):
                    feedback.suggestions_filed(user=user, token=token, ticket_id=ticket.pk)
                flash.success(
                    request,
                    _("Terima kasih. Tiket %(ref)s sudah kami terima.") % {"ref": ticket.reference},
                )
                return redirect("portal:ticket", ticket_id=ticket.pk)
    return render(request, "portal/new.html", {"form": form}, status=status)


@require_GET
@customer_required
def new_ticket_suggestions(request: HttpRequest) -> HttpResponse:
    """Help-centre articles for the complaint being typed (htmx, debounced by the form);
    429 with a short note past the limit (``accounts.limits.suggestions_allowed``)."""
    if not suggestions_allowed(request):
        limited = render(request, "portal/_suggestions_limited.html", status=429)
        limited["Retry-After"] = str(SUGGESTIONS_RETRY_SECONDS)
        return limited
    q = f"{request.GET.get('subject', '')}\n{request.GET.get('description', '')}".strip()
    q = q[:SUGGEST_QUERY_CHARS]
    token = request.GET.get("deflection", "")
    found = portal_suggestions(q, brand_id=brands.from_request(request).id)  # its help centre
    rows = [(a, highlight(a.title, q), snippet(a.summary or a.body, q, chars=160)) for a in found]
    return render(
        request,
        "portal/_suggestions.html",
        {"rows": rows, "token": token if feedback.valid_token(token) else ""},
    )


@require_GET
@customer_required
def suggested_article(request: HttpRequest, slug: str) -> HttpResponse:
    """A suggested article opened from the complaint form: noted (once per form), then
    the help centre's page."""
    try:
        article = public_article(slug, brands.from_request(request).id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    token = request.GET.get("t", "")
    if feedback.valid_token(token):
        feedback.suggestion_opened(user=cast(User, request.user), token=token, article=article)
    return redirect("help:article", slug=article.slug)


def _ticket_for(user: User, ticket_id: int) -> Ticket:
    try:
        return selectors.ticket_detail_for(user=user, ticket_id=ticket_id)
    except NotFound as exc:
        raise Http404(_("Tiket tidak ditemukan.")) from exc


def _render_ticket(
    request: HttpRequest, ticket_id: int, *, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = cast(User, request.user)
    ticket = _ticket_for(user, ticket_id)
    missed = list(ticket.missed_deadlines.all())
    if ticket.is_open:  # a promise that passed is acknowledged once, with a new estimate
        row = services.overdue_acknowledge(ticket=ticket, missed=missed)
        if row is not None and row not in missed:
            missed.append(row)
    messages = {m.pk: m for m in selectors.messages_for(user=user, ticket=ticket)}
    proposals = list(selectors.proposals_for(user=user, ticket=ticket))
    offered = [p for p in proposals if p.status == ProposalStatus.OFFERED]
    tz = ticket.customer.time_zone
    items = timeline.customer_items(
        selectors.timeline_for(user=user, ticket=ticket),
        messages,
        own_addresses=timeline.customer_addresses(ticket),
        tz=tz,
    )
    step = guidance.for_customer(ticket, offer_waiting=bool(offered), tz=tz, missed=missed)
    forms: dict[str, Any] = {
        "reply": PortalReplyForm(auto_id="reply-%s"),
        "reject": RejectForm(auto_id="reject-%s"),
        "escalate": FormalEscalationForm(auto_id="escalate-%s"),
    }
    forms.update(bound or {})
    escalated = [m for m in missed if m.escalated_at is not None]
    context = {
        "ticket": ticket,
        "items": items,
        "proposals": [
            (p, guidance.CUSTOMER_PROPOSAL_STATUS.get(p.status, p.get_status_display()))
            for p in proposals
        ],
        "step": step,
        "forms": forms,
        "can_escalate": bool(
            ticket.is_open and step.missed is not None and step.missed.escalated_at is None
        ),
        "escalated": escalated[-1] if escalated else None,
        "brand": brands.info(ticket.brand_id),  # the page in the ticket's brand's look
    }
    template = (
        "portal/_ticket_live.html" if request.GET.get("part") == "live" else "portal/ticket.html"
    )
    return render(request, template, context, status=status)


@require_GET
@customer_required
def ticket_page(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _render_ticket(request, ticket_id)


@require_POST
@customer_required
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = cast(User, request.user)
    form = PortalReplyForm(request.POST, request.FILES, auto_id="reply-%s")
    status = 422
    if form.is_valid():
        try:
            ticket = access_ticket(user, ticket_id)
            services.message_add(
                actor=user,
                ticket=ticket,
                kind=MessageKind.INBOUND,
                body=form.cleaned_data["body"],
                channel="portal",
                uploads=uploads_from(request),
            )
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except SigapError as exc:
            status = exc.http_status
            _apply_errors(form, exc)
        else:
            flash.success(request, _("Balasan Anda terkirim."))
            return redirect("portal:ticket", ticket_id=ticket_id)
    return _render_ticket(request, ticket_id, bound={"reply": form}, status=status)


@require_POST
@customer_required
def proposal_answer(request: HttpRequest, proposal_id: int, answer: str) -> HttpResponse:
    user = cast(User, request.user)
    proposal = (
        Proposal.objects.select_related("ticket")
        .filter(pk=proposal_id, ticket__in=visible_tickets(user))
        .first()
    )
    if proposal is None or answer not in ("accept", "reject"):
        raise Http404(_("Usulan tidak ditemukan."))
    form = RejectForm(request.POST, auto_id="reject-%s")
    try:
        if answer == "accept":
            services.proposal_accept(actor=user, proposal=proposal)
            flash.success(
                request,
                _("Terima kasih, Anda menyetujui usulan kami. Kami segera menjalankannya."),
            )
        else:
            reason = request.POST.get("reason", "")
            services.proposal_reject(actor=user, proposal=proposal, reason=reason)
            flash.success(
                request, _("Penolakan Anda kami terima. Kami akan menawarkan alternatif.")
            )
    except SigapError as exc:
        _apply_errors(form, exc)
        flash.error(request, exc.message)
        return _render_ticket(
            request, proposal.ticket_id, bound={"reject": form}, status=exc.http_status
        )
    return redirect(reverse("portal:ticket", args=[proposal.ticket_id]))


@require_POST
@customer_required
def ticket_escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The customer's teguran resmi, once a promised deadline has passed."""
    user = cast(User, request.user)
    ticket = _ticket_for(user, ticket_id)
    form = FormalEscalationForm(request.POST, auto_id="escalate-%s")
    status = 422
    if form.is_valid():
        try:
            services.formal_escalation_create(
                actor=user, ticket=ticket, words=form.cleaned_data["words"]
            )
        except SigapError as exc:
            status = exc.http_status
            _apply_errors(form, exc)
            flash.error(request, exc.message)
        else:
            flash.success(
                request,
                _(
                    "Teguran resmi Anda sudah kami teruskan ke supervisor. Kami akan "
                    "mengabari Anda di sini."
                ),
            )
            return redirect("portal:ticket", ticket_id=ticket_id)
    return _render_ticket(request, ticket_id, bound={"escalate": form}, status=status)
