"""Inbound webhooks of the messaging channels (WhatsApp, Telegram, ...)."""

from django.urls import URLPattern

app_name = "channels"
urlpatterns: list[URLPattern] = []
