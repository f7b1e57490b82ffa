"""The event table is usable data, and the README's table of it says the same."""

import re
from pathlib import Path

from xunjian.notifications import recipients
from xunjian.notifications.tables import Notification

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_event_names_known_audiences_and_fits_its_columns():
    for kind, spec in recipients.EVENTS.items():
        assert spec.kind == kind
        assert set(spec.audiences + spec.major_audiences) <= set(recipients._AUDIENCES), kind
        assert len(f"{kind}:{2 ** 63}") <= Notification.event_key.length
        assert len(kind) <= Notification.kind.length
        assert "{title}" in spec.title and "{site}" in spec.title
    assert recipients.REQUIRED_KINDS <= set(recipients.LABELS)
    assert {k.value for k in recipients.NotificationKind} == set(recipients.LABELS)


def test_readme_lists_every_kind_and_which_cannot_be_muted():
    section = README.read_text().split("## Notifications and webhooks", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| `")]
    documented = {}
    for cells in rows:
        for kind in re.findall(r"`([a-z_.]+)`", cells[0]):
            if kind != "escalation.step":  # the ladder's webhook type, named beside its kind
                documented[kind] = cells[-1].strip() == "no"
    assert documented == {k: k in recipients.REQUIRED_KINDS for k in recipients.LABELS}
