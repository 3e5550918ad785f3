"""State changes of the spaces app, one module per topic: ``desks``, ``bookings``, ``visitors``, ``permits``."""
