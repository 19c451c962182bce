"""Inbound webhooks of the messaging channels (mounted at /hooks/). A connector that
declares its own ``urls`` (``registry.Connector``) is mounted at /hooks/<channel>/."""

from django.urls import URLPattern, URLResolver, include, path

from sigap.connectors import registry, views

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = [
    path("whatsapp/", views.whatsapp_webhook, name="whatsapp"),
    path("telegram/", views.telegram_webhook, name="telegram"),
    path("meta/", views.meta_webhook, name="meta"),
    path(
        "whatsapp/tickets/<int:ticket_id>/template/",
        views.whatsapp_template_send,
        name="whatsapp_template",
    ),
]
urlpatterns += [path(f"{c.channel}/", include(c.urls)) for c in registry.connectors() if c.urls]
