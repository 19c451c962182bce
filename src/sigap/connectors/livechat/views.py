"""Pages and the file endpoints of live chat: the agents' console, a sample page carrying
the widget, attachment upload (visitor: by its signed token; agent: by session) and
download (by a signed link)."""

from __future__ import annotations

from typing import cast

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sigap.accounts.decorators import staff_required
from sigap.accounts.models import User
from sigap.connectors.livechat import selectors, services
from sigap.core.errors import NotFound, SigapError
from sigap.tickets.attachments import Upload
from sigap.tickets.models import Attachment


@require_GET
@staff_required
def console(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return render(request, "livechat/console.html", {"agent": user})


@require_GET
def sample(request: HttpRequest) -> HttpResponse:
    """A plain page with the one widget tag, as a company's own site would carry it."""
    return render(request, "livechat/sample.html")


def _error(exc: SigapError) -> JsonResponse:
    body = {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
    return JsonResponse(body, status=exc.http_status)


def _uploads(request: HttpRequest) -> list[Upload]:
    return [Upload(f.name or "lampiran", f.read()) for f in request.FILES.getlist("file")[:1]]


@csrf_exempt  # no cookie is involved: the signed token in the form is the credential
@require_POST
def visitor_upload(request: HttpRequest) -> JsonResponse:
    try:
        chat = services.chat_from_token(request.POST.get("token", ""))
        message = services.chat_visitor_message(
            chat=chat,
            cid=request.POST.get("cid", ""),
            body=request.POST.get("body", ""),
            uploads=_uploads(request),
        )
    except SigapError as exc:
        return _error(exc)
    return JsonResponse({"id": message.pk, "cid": request.POST.get("cid", "")})


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
        return HttpResponse("Lampiran tidak ditemukan.", status=404, content_type="text/plain")
    found = Attachment.objects.filter(pk=attachment_id, ticket__livechat__isnull=False).first()
    if found is None:
        return HttpResponse("Lampiran tidak ditemukan.", status=404, content_type="text/plain")
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
