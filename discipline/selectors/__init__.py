"""Reads of the discipline app, one module per topic: ``suspensions``, ``cases``, ``rewards``, ``reports``.

``active_suspension`` is re-exported here: it is the one check every booking, voucher and
portal path calls (``from discipline.selectors import active_suspension``).
"""

from discipline.selectors.suspensions import active_suspension

__all__ = ["active_suspension"]
