"""Meta's webhook for Facebook Messenger and Instagram messaging, and comments on the
business's posts (the handshake and signature: ``connectors.views.meta_hub``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sigap.connectors.meta import inbound
from sigap.connectors.views import meta_hub


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, account: int | None = None) -> HttpResponse:
    """``account``: a brand's own connection's URL (``/hooks/meta/<id>/``)."""
    return meta_hub(request, "meta", inbound, account)
