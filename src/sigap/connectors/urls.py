"""Inbound webhooks of the messaging channels (mounted at /hooks/)."""

from django.urls import URLPattern, path

from sigap.connectors import views

app_name = "channels"
urlpatterns: list[URLPattern] = [
    path("whatsapp/", views.whatsapp_webhook, name="whatsapp"),
    path("telegram/", views.telegram_webhook, name="telegram"),
    path("meta/", views.meta_webhook, name="meta"),
    path(
        "whatsapp/tickets/<int:ticket_id>/template/",
        views.whatsapp_template_send,
        name="whatsapp_template",
    ),
]
