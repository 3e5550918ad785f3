"""Scale data of the resources app (``manage.py seed_scale``; opc_community/core/scale.py): attendance.

Each generated resident checked in, by the attendance list, at about two in three of the community's past
activities that count for attendance (第六章第二条 参与度) held since it checked in.
"""

from datetime import timedelta

from opc_community.core.scale import BATCH, Scale
from resources.models import Activity, Attendance, CheckInMethod


def seed_scale(scale: Scale) -> None:
    activities = list(
        Activity.objects.filter(
            counts_for_attendance=True, cancelled_at__isnull=True, ends_at__lt=scale.now
        )
        .order_by("starts_at")
        .values_list("pk", "starts_at")
    )
    Attendance.objects.bulk_create(
        [
            Attendance(
                activity_id=activity_id,
                resident_id=resident.pk,
                method=CheckInMethod.LIST,
                checked_in_at=starts_at + timedelta(minutes=5),
                checked_in_by=scale.staff,
            )
            for resident in scale.residents
            for k, (activity_id, starts_at) in enumerate(activities)
            if starts_at > resident.checked_in_at and (resident.sequence + k) % 3 != 0
        ],
        batch_size=BATCH * 5,
    )
