"""docker-compose.yml: migrations run once, in a one-shot service that web, worker and beat wait for;
the web service is health-checked through /healthz. (No Docker engine here: the file is read as YAML.)"""

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
