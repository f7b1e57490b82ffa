from piccolo.columns import JSON, Boolean, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ChecklistTemplate(Table):
    """One version of a checklist template: a file of schemas/checklists/ stored at start-up, or an admin's upload.

    Rows are never changed but for their activation: an inspection pins (key, version), so a changed template must
    carry a new version. (key, version) is unique: an index made by a hand-written migration.
    One version per key is active: what `GET /api/checklists/{key}` serves and new inspections pin. An inspection may
    pin any version that has been active (activated_at set; a shipped version below the release's current one
    counts); an upload never activated cannot be pinned.
    `activated_by` is the admin who made the row active, None when start-up did (see versioning.activation_at_start).
    """

    key = Varchar(length=64)
    version = Integer()
    title = Varchar(length=200)
    site_kind = Varchar(length=24, index=True)
    content = JSON()
    content_hash = Varchar(length=64)
    loaded_at = Timestamptz(default=TimestamptzNow())
    source = Varchar(length=16, default="shipped")  # shipped | uploaded
    uploaded_by = Varchar(length=64, null=True, default=None)
    active = Boolean(default=False)
    activated_at = Timestamptz(null=True, default=None)
    activated_by = Varchar(length=64, null=True, default=None)
