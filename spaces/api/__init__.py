"""REST API of the spaces app (/api/v1/…): each topic's module lists its ``ROUTES``."""

from spaces.api import bookings, desks, equipment, permits, reports, safety, visitors

ROUTES = [*desks.ROUTES, *bookings.ROUTES, *visitors.ROUTES, *permits.ROUTES, *reports.ROUTES, *equipment.ROUTES,
          *safety.ROUTES]
