"""Pages and the file endpoints of live chat: the agents' console, a sample page carrying
the widget, attachment upload (visitor: by its signed token and its browser's cookie;
agent: by session) and download (by a signed link), and the visitor's one-time code that
proves the typed email (sent at most ``SIGAP_MAIL_PER_RECIPIENT`` per address and
``SIGAP_MAIL_PER_CLIENT`` per client, ``accounts.limits.mail_allowed``)."""

from __future__ import annotations

from typing import cast

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.limits import mail_allowed
from sigap.accounts.models import User
from sigap.connectors.livechat import selectors, services, widget
from sigap.connectors.livechat.models import Chat
from sigap.core.errors import NotFound, SigapError
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Attachment


@require_GET
@staff_required
def console(request: HttpRequest) -> HttpResponse:
    """The agents' workspace: the queue, the open chats, the panel beside the chat."""
    user = cast(User, request.user)
    return render(request, "livechat/console.html", {"agent": user})


@require_GET
@staff_required
def side(request: HttpRequest, chat_id: int) -> HttpResponse:
    """The console's panel beside a chat (customer, canned responses), HTML for the page."""
    user = cast(User, request.user)
    try:
        chat = services.chat_for_staff(user, chat_id)
    except NotFound as exc:
        return HttpResponse(exc.message, status=404, content_type="text/plain")
    return render(request, "livechat/_side.html", selectors.side_panel(chat, user))


@require_GET
def sample(request: HttpRequest) -> HttpResponse:
    """A plain page with the one widget tag, as a company's own site would carry it
    (``?lang=en``: an English page, as an English site would carry it)."""
    english = request.GET.get("lang") == "en"
    return render(request, "livechat/sample.html", {"page_lang": "en" if english else "id"})


@require_GET
def widget_config(request: HttpRequest) -> JsonResponse:
    """The widget's strings and defaults in the page's language (``?lang=``) and of the
    brand it is embedded for (``?brand=``), for any site that carries it (no cookies,
    nothing private)."""
    language = services.language_of(request.GET.get("lang", ""))
    response = JsonResponse(widget.config(language, request.GET.get("brand", "")[:50]))
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _error(exc: SigapError) -> JsonResponse:
    body = {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
    return JsonResponse(body, status=exc.http_status)


def _uploads(request: HttpRequest) -> list[Upload]:
    return [Upload(f.name or _("lampiran"), f.read()) for f in request.FILES.getlist("file")[:1]]


def _visitor_language(request: HttpRequest) -> str:
    """The widget's page's language (``lang`` in the form): its error messages say it."""
    return services.language_of(request.POST.get("lang", ""))


def _visitor_chat(request: HttpRequest) -> Chat:
    """The chat the form's token names, if this browser (its cookie) started it."""
    key = request.COOKIES.get(services.BROWSER_COOKIE, "")
    return services.chat_from_token(request.POST.get("token", ""), key)


# CSRF: the credential is the token in the form together with the HttpOnly cookie; a page
# that forges the request cannot read the token, which only the widget's storage holds.
@csrf_exempt
@require_POST
def visitor_upload(request: HttpRequest) -> JsonResponse:
    with translation.override(_visitor_language(request)):
        return _visitor_upload(request)


def _visitor_upload(request: HttpRequest) -> JsonResponse:
    try:
        chat = _visitor_chat(request)
        message = services.chat_visitor_message(
            chat=chat,
            cid=request.POST.get("cid", ""),
            body=request.POST.get("body", ""),
            uploads=_uploads(request),
        )
    except SigapError as exc:
        return _error(exc)
    return JsonResponse({"id": message.pk, "cid": request.POST.get("cid", "")})


@csrf_exempt  # as ``visitor_upload``: the token and the cookie together
@require_POST
def code_send(request: HttpRequest) -> JsonResponse:
    with translation.override(_visitor_language(request)):
        return _code_send(request)


def _code_send(request: HttpRequest) -> JsonResponse:
    """Mail a one-time code to the chat's typed address."""
    try:
        chat = _visitor_chat(request)
        if not mail_allowed(request, "livechat.code", chat.visitor_email or "-"):
            body = {
                "error": {
                    "code": "too_many_requests",
                    "message": _(
                        "Terlalu banyak permintaan kode. Tunggu beberapa menit, lalu coba lagi."
                    ),
                    "fields": {},
                }
            }
            return JsonResponse(body, status=429)
        services.chat_code_send(chat=chat)
    except SigapError as exc:
        return _error(exc)
    return JsonResponse({"sent": True, "email": chat.visitor_email})


@csrf_exempt  # as ``visitor_upload``: the token and the cookie together
@require_POST
def code_check(request: HttpRequest) -> JsonResponse:
    with translation.override(_visitor_language(request)):
        return _code_check(request)


def _code_check(request: HttpRequest) -> JsonResponse:
    """The visitor's code: right, the chat is filed under the address's customer."""
    try:
        chat = services.chat_code_check(
            chat=_visitor_chat(request), code=request.POST.get("code", "")
        )
    except SigapError as exc:
        return _error(exc)
    return JsonResponse({"state": selectors.visitor_state(chat)})


@require_POST
@staff_required
def agent_upload(request: HttpRequest, chat_id: int) -> JsonResponse:
    user = cast(User, request.user)
    try:
        chat = services.chat_for_staff(user, chat_id)
        message = services.chat_agent_message(
            actor=user,
            chat=chat,
            cid=request.POST.get("cid", ""),
            body=request.POST.get("body", ""),
            note=request.POST.get("note") == "1",
            uploads=_uploads(request),
        )
    except SigapError as exc:
        return _error(exc)
    return JsonResponse({"id": message.pk, "cid": request.POST.get("cid", "")})


@require_GET
def attachment(request: HttpRequest, key: str) -> HttpResponseBase:
    try:
        attachment_id = selectors.attachment_from_key(key)
    except NotFound:
        return HttpResponse(_("Lampiran tidak ditemukan."), status=404, content_type="text/plain")
    found = Attachment.objects.filter(pk=attachment_id, ticket__livechat__isnull=False).first()
    if found is None:
        return HttpResponse(_("Lampiran tidak ditemukan."), status=404, content_type="text/plain")
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
