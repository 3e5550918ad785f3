"""Counting requests per key in the cache (Redis): a fixed window that starts with the first one."""

from datetime import timedelta

from django.core.cache import cache


def within_rate_limit(key: str, *, limit: int, window: timedelta) -> bool:
    """Count one request under ``key``; False once more than ``limit`` fell in the current window."""
    timeout = int(window.total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=timeout)
        count = 1
    return count <= limit
