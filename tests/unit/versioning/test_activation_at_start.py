"""Which version start-up makes active (checklist templates per key, risk rules): the rule README states."""

from xunjian.versioning import activation_at_start


def row(version, active=False, by=None):
    return {"version": version, "active": active, "activated_by": by}


def test_nothing_active_takes_the_highest_stored():
    assert activation_at_start([row(1), row(3), row(2)], [1, 2]) == 3
    assert activation_at_start([], []) is None


def test_a_newer_shipped_version_replaces_one_start_up_chose():
    assert activation_at_start([row(1, active=True), row(2)], [1, 2]) == 2


def test_an_admins_choice_stays_until_an_admin_changes_it():
    assert activation_at_start([row(1, active=True, by="admin"), row(2)], [1, 2]) is None
    # An admin went back to version 1 after 2: a restart does not undo it.
    assert activation_at_start([row(1, active=True, by="admin"), row(2)], [2]) is None


def test_only_shipped_versions_are_activated_at_start():
    # Version 3 is an upload waiting for an admin; the shipped files stop at 2, already active.
    assert activation_at_start([row(1), row(2, active=True), row(3)], [1, 2]) is None
