"""Inbound webhooks of the channels, mounted at /hooks/: every connector that declares
``urls`` (``registry.Connector``) has them at /hooks/<hook or channel>/."""

from django.urls import URLPattern, URLResolver, include, path

from sigap.connectors import registry

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{c.hook or c.channel}/", include(c.urls)) for c in registry.connectors() if c.urls
]
