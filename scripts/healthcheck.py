"""The web container's health check (docker-compose.yml): GET /healthz on the local gunicorn
(or the URL given as the only argument).

Healthy (exit 0) when /healthz answers 200 — "ok" or "degraded" — and unhealthy (exit 1) on a 503
(PostgreSQL unreachable), any other answer, or no answer within 5 seconds. Standard library only, so
that it starts fast. The request names the site's first ALLOWED_HOSTS entry and says it came over
HTTPS, as the reverse proxy does: otherwise Django would refuse the host or redirect to HTTPS.
"""

import os
import sys
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def site_host() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0] if hosts else "localhost"
    return "localhost" if host == "*" else host.lstrip(".")


def main(url: str = URL) -> int:
    request = urllib.request.Request(url, headers={"Host": site_host(), "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(f"/healthz answered {error.code}: {error.read().decode()[:500]}")
    except OSError as error:
        print(f"/healthz did not answer: {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
