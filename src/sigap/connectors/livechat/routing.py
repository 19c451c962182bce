from typing import Any

from django.urls import path

from sigap.connectors.livechat.consumers import ConsoleConsumer, VisitorConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/livechat/", VisitorConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/livechat/console/", ConsoleConsumer.as_asgi()),  # type: ignore[arg-type]
]
