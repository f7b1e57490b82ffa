from piccolo.columns import UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from ..accounts.tables import User
from ..sites.tables import Site


class EscalationStep(Table):
    """One rung of the ladder taken for one subject (a finding, a patrol follow-up case…).

    The unique (subject_type, subject_id, step) is what makes each step happen exactly once, whatever runs the job
    how often. `batch` names the job run that took it, so the run's follow-up statements (notifications, audit, the
    subject's level) are set-based. `notified` is false for a step that a later step of the same run superseded
    (a subject first seen long overdue): it is recorded, but only the highest step is announced.

    Indexes: the unique (subject_type, subject_id, step) and batch; no others, since a first run over national data
    writes hundreds of thousands of steps and nothing reads them by site or time (history is in the audit trail).
    """

    subject_type = Varchar(length=32)
    subject_id = Integer()
    step = Varchar(length=16)
    level = Integer()
    grade = Varchar(length=16)
    site_id = Integer()
    owner_user_id = Integer(null=True, default=None)  # who raised the subject (the inspector), told from level 1
    title = Varchar(length=300, default="")
    deadline = Timestamptz()
    due_at = Timestamptz()
    taken_at = Timestamptz()
    batch = Varchar(length=36, index=True)
    notified = Boolean(default=True)
    proposal = Boolean(default=False)  # a proposal rung (挂牌督办 proposed): gives the subject no level by itself


class SiteDecision(Table):
    """A decision on a site beyond the ladder (DOMAIN.md §5): a supervisor's 约谈 (a talk with the operator),
    停业整顿 (suspension until rectified) and its lifting, 责令改正 and 罚款 of a lottery outlet; the welfare-lottery
    centre's suspension and restoring of an outlet's terminal and the end of its agency contract (decision_rules.py).
    Append-only; `finding_id` names the hazard it concerns."""

    site = ForeignKey(Site, index=True)
    kind = Varchar(length=24)  # a key of decision_rules.KINDS
    reason = Text()
    basis = Varchar(length=200, default="")  # the article it rests on, as decision_rules.py gives it
    amount_yuan = Integer(null=True, default=None)  # a fine's amount (罚款)
    finding_id = Integer(null=True, default=None)
    by = ForeignKey(User)
    at = Timestamptz()
    client_id = UUID(null=True, default=None, index=True)  # the device's id for the action: replays are recognised
