from piccolo.columns import JSON, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ChecklistTemplate(Table):
    """One version of a checklist template, loaded from schemas/checklists/ at start-up.

    Rows are never changed: an inspection pins (key, version), so a changed template must carry a new version.
    (key, version) is unique: an index made by a hand-written migration.
    """

    key = Varchar(length=64)
    version = Integer()
    title = Varchar(length=200)
    site_kind = Varchar(length=24, index=True)
    content = JSON()
    content_hash = Varchar(length=64)
    loaded_at = Timestamptz(default=TimestamptzNow())
