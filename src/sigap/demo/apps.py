from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sigap.demo"
    label = "demo"
    verbose_name = "Sigap demo data"
