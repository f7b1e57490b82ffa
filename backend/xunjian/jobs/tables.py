from piccolo.columns import JSON, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class JobRun(Table):
    """One run of a scheduled job: when, with which clock, by whom, what it did or why it failed.

    `status`: running, ok, failed, or skipped (another process held the job's lock).
    """

    name = Varchar(length=64, index=True)
    trigger = Varchar(length=16)  # schedule, cli, api
    now = Timestamptz()  # the clock the job ran with (tests and `--now` move it)
    started_at = Timestamptz(default=TimestamptzNow(), index=True)
    finished_at = Timestamptz(null=True, default=None)
    status = Varchar(length=16)
    counts = JSON(default={})
    error = Text(default="")
    host = Varchar(length=128, default="")
