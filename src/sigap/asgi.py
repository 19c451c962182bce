"""ASGI entry point: Django for HTTP, Channels for the live-update websockets.

HTTP requests run through Django's WSGI handler on a pool of threads per process
(``core.wsgibridge``: one hop from the event loop to a thread and back a request), not
through Django's ASGI handler: every view and middleware of Sigap is synchronous, and the
ASGI handler passes each request between the event loop and worker threads four times
(about 1 ms of CPU a request; see docs/decisions/0007 and 0009). Websockets stay on the
event loop with Channels.
"""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sigap.settings")

from sigap.core.handlers import wsgi_application

django_wsgi = wsgi_application()  # sets Django up before the imports below (core.handlers)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from sigap.core import layer  # noqa: E402
from sigap.core.wsgibridge import WSGIBridge  # noqa: E402
from sigap.web.routing import websocket_urlpatterns  # noqa: E402

# Everything loaded so far lives as long as the process: keep it out of the collector's
# scans, and collect less often. With hundreds of open websockets a full collection over
# every object paused the event loop for a noticeable fraction of a second.
gc.freeze()
gc.set_threshold(20_000, 20, 20)

application = ProtocolTypeRouter(
    {
        "http": layer.remember_loop(WSGIBridge(django_wsgi, settings.HTTP_THREADS)),
        "websocket": layer.remember_loop(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
