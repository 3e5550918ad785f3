"""docker-compose.yml: migrations run once, in a one-shot service that web, worker and beat wait for;
the web service is health-checked through /healthz; two web and two worker replicas behind one published
load balancer, exactly one beat (docs/operations.md, "Scaling out"). (No Docker engine here: the file is
read as YAML.)"""

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.core.outage import closed_port

ROOT = Path(__file__).resolve().parents[1]
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_migrations_run_in_a_one_shot_service():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_web_worker_and_beat_wait_for_the_migrations_and_never_migrate():
    for name in ("web", "worker", "beat"):
        service = SERVICES[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in " ".join(service.get("command") or []), name
    assert "command" not in SERVICES["web"]  # the image's gunicorn


def test_web_is_health_checked_through_healthz():
    check = SERVICES["web"]["healthcheck"]
    assert check["test"] == ["CMD", "python", "scripts/healthcheck.py"]
    script = (ROOT / "scripts" / "healthcheck.py").read_text()
    assert 'URL = "http://127.0.0.1:8000/healthz"' in script
    assert int(check["timeout"].rstrip("s")) > 5  # the script's own timeout fits inside


def test_two_web_replicas_behind_the_only_published_port():
    assert SERVICES["web"]["deploy"]["replicas"] == 2
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}  # a replica's own port would clash with the next replica's
    proxy = SERVICES["proxy"]
    assert proxy["ports"] == ["127.0.0.1:${WEB_PORT:-8000}:8080"]
    assert proxy["depends_on"]["web"] == {"condition": "service_healthy"}
    (mount,) = proxy["volumes"]
    source, target, _mode = mount.split(":")
    conf = (ROOT / source).read_text()
    assert target == "/etc/nginx/conf.d/default.conf"
    # Every replica, looked up again (Docker's DNS), and the client's headers passed on unchanged
    # (TRUSTED_PROXY_COUNT counts the HTTPS proxy in front only).
    assert "listen 8080;" in conf and "resolver 127.0.0.11" in conf and "set $web http://web:8000;" in conf
    assert "proxy_set_header X-Forwarded-For $http_x_forwarded_for;" in conf
    assert "proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;" in conf


def test_two_workers_and_exactly_one_beat():
    assert SERVICES["worker"]["deploy"]["replicas"] == 2
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    beats = [name for name, service in SERVICES.items() if "beat" in (service.get("command") or [])]
    assert beats == ["beat"]
    assert "deploy" not in SERVICES["migrate"]  # one-shot, one container


def test_web_and_workers_share_the_database_redis_and_private_media():
    for name in ("web", "worker"):
        service = SERVICES[name]
        assert "private-media:/var/lib/opc/private" in service["volumes"], name
        assert service["environment"]["DATABASE_URL"].startswith("${DATABASE_URL"), name
        assert service["environment"]["REDIS_URL"] == "${REDIS_URL:-redis://redis:6379/0}", name


def healthcheck(url: str) -> subprocess.CompletedProcess:
    """The script as the container runs it (with the site's host names in ALLOWED_HOSTS)."""
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "healthcheck.py"), url],
                          capture_output=True, text=True, timeout=30, env={"ALLOWED_HOSTS": "opc.example.org,www"})


@pytest.fixture
def fake_web():
    """A stand-in for gunicorn answering /healthz with ``fake_web.status``; it remembers the headers."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            server.seen.append(dict(self.headers))
            self.send_response(server.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "..."}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.status, server.seen = 200, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1), (500, 1)])
def test_the_health_check_script_passes_only_on_200(fake_web, status, exit_code):
    fake_web.status = status
    result = healthcheck(f"http://127.0.0.1:{fake_web.server_port}/healthz")
    assert result.returncode == exit_code, result.stdout
    # Asked as the reverse proxy asks: the site's host name, over HTTPS (no redirect, no refused host).
    assert fake_web.seen[0]["Host"] == "opc.example.org"
    assert fake_web.seen[0]["X-Forwarded-Proto"] == "https"


def test_the_health_check_script_fails_when_nothing_answers():
    result = healthcheck(f"http://127.0.0.1:{closed_port()}/healthz")
    assert result.returncode == 1
    assert "/healthz did not answer" in result.stdout
