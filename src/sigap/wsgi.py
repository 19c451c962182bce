import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")

from sigap.core.handlers import wsgi_application

application = wsgi_application()  # Django's handler, two middleware chains (core.handlers)
