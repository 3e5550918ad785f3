"""The load of ``bench/pages.py``: each simulated user GETs one path back to back (no think time) with a
logged-in session cookie; anything but a 200 is a failure. The path and cookie come from the
environment (BENCH_PATH, BENCH_COOKIE) so that one locust run measures one page."""

import os

from locust import FastHttpUser, constant, task

HEADERS = {
    "Cookie": os.environ.get("BENCH_COOKIE", ""),
    "X-Forwarded-Proto": "https",  # as behind the TLS proxy: DEBUG off redirects plain HTTP
    "Accept-Language": "zh-hans",
}


class Visitor(FastHttpUser):
    wait_time = constant(0)
    network_timeout = 120.0
    connection_timeout = 10.0

    @task
    def page(self) -> None:
        path = os.environ["BENCH_PATH"]
        with self.client.get(
            path, headers=HEADERS, name="page", allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
