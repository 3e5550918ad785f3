"""Helpers of the outage tests (no tests here)."""

import socket


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released): connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
