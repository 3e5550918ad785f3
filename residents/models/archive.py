"""The archive (档案, 第三章第五条): kept at least 3 years after exit, never hard-deleted before.

Every table holding a resident's records carries a BEFORE DELETE trigger that
looks up the resident's ``retain_until`` date and refuses the delete while it
has not passed in Beijing time (or the resident has not exited) — whoever deletes, through the
admin, the ORM or SQL.
"""

import pgtrigger

_REFUSE_SQL = """
DECLARE
    keep_until date;
    is_archived boolean := false;
BEGIN
    SELECT r.retain_until, true INTO keep_until, is_archived
      FROM residents_resident r WHERE r.{resident_column} = OLD.{old_column};
    IF is_archived AND (keep_until IS NULL OR keep_until >= (now() AT TIME ZONE 'Asia/Shanghai')::date) THEN
        RAISE EXCEPTION 'archive record kept until % (第三章第五条): deletion refused',
            COALESCE(keep_until::text, 'three years after exit') USING ERRCODE = 'P0001';
    END IF;
    RETURN OLD;
END;
"""


def protect_archive(*, resident_column: str = "id", old_column: str = "resident_id") -> pgtrigger.Trigger:
    """A trigger refusing deletes of rows that belong to a resident's archive still within retention.

    ``residents_resident.<resident_column> = OLD.<old_column>`` finds the resident.
    """
    return pgtrigger.Trigger(
        name="protect_archive",
        operation=pgtrigger.Delete,
        when=pgtrigger.Before,
        func=_REFUSE_SQL.format(resident_column=resident_column, old_column=old_column),
    )
