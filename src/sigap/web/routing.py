from typing import Any

from django.urls import path

from sigap.web.consumers import InboxConsumer, TicketConsumer

# Channels' URLRouter takes Django's path() with ASGI apps as views.
websocket_urlpatterns: list[Any] = [
    path("ws/inbox/", InboxConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/tickets/<int:ticket_id>/", TicketConsumer.as_asgi()),  # type: ignore[arg-type]
]

from sigap.connectors.livechat.routing import websocket_urlpatterns as livechat_ws  # noqa: E402

websocket_urlpatterns += livechat_ws
