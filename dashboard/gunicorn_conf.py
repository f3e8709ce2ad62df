"""gunicorn's settings for `make run` / `outcomes serve` (python:dashboard.gunicorn_conf).

Threaded workers (gthread): OUTCOMES_WORKERS processes (default: the CPU count), each with
OUTCOMES_THREADS threads (default 4). The app is imported in each worker, not in the master,
so DuckDB connections and the image engine (Chromium) belong to one worker each. A load swaps
the warehouse file; each worker sees the new file on its next query (warehouse.query checks
the file's version). Access log on stdout: client, signed-in user, request, status, size, time.
"""

from __future__ import annotations

from gunicorn.http import wsgi

from core import settings

workers = settings.workers()
threads = settings.threads()
worker_class = "gthread"
preload_app = False
timeout = 120  # heartbeat of a worker process (a gthread worker beats while threads work)
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
# {outcomes.user}e: the user the gate (dashboard/auth.py) put in the WSGI environ.
access_log_format = '%(h)s %({outcomes.user}e)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms'
# Forwarded headers are honoured by the app (ProxyFix) and only from OUTCOMES_TRUSTED_PROXY.
forwarded_allow_ips = ",".join(settings.trusted_proxies())
proc_name = "outcomes-dashboard"
control_socket_disable = True  # no runtime-control socket in $HOME (one server, many copies)


# No "Server: gunicorn" banner: drop the header gunicorn writes on every response.
_default_headers = wsgi.Response.default_headers


def _headers_without_server(self):
    return [h for h in _default_headers(self) if not h.lower().startswith("server:")]


wsgi.Response.default_headers = _headers_without_server
