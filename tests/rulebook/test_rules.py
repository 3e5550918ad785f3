from opc_community.rulebook.rules import Change, diff_bodies


def test_diff_lists_changed_added_and_removed_leaves_by_path():
    old = {"a": {"b": 1, "c": [1, 2]}, "gone": True}
    new = {"a": {"b": 2, "c": [1, 3, 4]}, "added": None}
    assert diff_bodies(old, new) == [
        Change("a.b", 1, 2),
        Change("a.c[1]", 2, 3),
        Change("a.c[2]", None, 4),
        Change("added", None, None),
        Change("gone", True, None),
    ]


def test_no_change_no_rows():
    assert diff_bodies({"x": [1]}, {"x": [1]}) == []
