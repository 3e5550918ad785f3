"""Portal views: reports — none. The occupancy report is for staff only: the operations desk
(spaces/admin/reports.py, ``/admin/spaces/occupancyreport/``) and the API
(spaces/api/reports.py, ``/api/v1/occupancy/``)."""

urlpatterns: list = []
