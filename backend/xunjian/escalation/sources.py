"""Subjects that climb the ladder. Findings are registered here; other domains (patrol follow-up cases) register
their own source from their module, e.g. in patrols/escalation.py:

    from ..escalation.sources import SubjectSource, register_source
    register_source(SubjectSource(
        subject_type="patrol_case", entity_type="patrol_case", level_table="patrol_case",
        sql="SELECT c.id AS subject_id, c.site AS site_id, "
            "CASE WHEN c.urgent THEN 'major' ELSE 'general' END AS grade, c.deadline AS deadline, "
            "c.created_by AS owner_user_id, c.title AS title FROM patrol_case c WHERE c.status = 'open'",
    ))

and add that module to SOURCE_MODULES. The SQL yields exactly the columns subject_id (integer), site_id, grade (a
ladder grade: general or major), deadline, owner_user_id (nullable) and title, for subjects still open: a subject
that leaves the query (closed) leaves the ladder. `level_table`, when set, names a table whose `escalation_level`
column the job keeps equal to the highest level taken.

`closed_sql`, when set, yields `subject_id` of the subjects closed for good before a cutoff (its one `{}`
parameter): the housekeeping job deletes their steps once they are that old. A subject that can still return to the
ladder (open, or responded and possibly rejected) must never be in it, or its steps would be taken a second time.
Sources without it keep their steps for ever.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class SubjectSource:
    subject_type: str
    entity_type: str  # audit entity type: the step appears in this record's history
    sql: str
    level_table: str | None = None
    closed_sql: str | None = None


SOURCES: dict[str, SubjectSource] = {}

# Modules that register further sources on import.
SOURCE_MODULES: list[str] = ["xunjian.patrols.escalation"]


def register_source(source: SubjectSource) -> SubjectSource:
    SOURCES[source.subject_type] = source
    return source


def load_sources() -> dict[str, SubjectSource]:
    for module in SOURCE_MODULES:
        importlib.import_module(module)
    return SOURCES


# Open findings only: a responded finding waits for verification (a rejection reopens it and the ladder resumes),
# a closed one has left the ladder.
register_source(SubjectSource(
    subject_type="finding",
    entity_type="finding",
    level_table="finding",
    sql=(
        "SELECT f.id AS subject_id, f.site AS site_id, f.grade AS grade, f.deadline AS deadline, "
        "f.created_by AS owner_user_id, f.title AS title FROM finding f WHERE f.status = 'open'"
    ),
    # Closed is final for a finding (open → responded → closed, or back to open).
    closed_sql="SELECT f.id AS subject_id FROM finding f WHERE f.status = 'closed' AND f.closed_at < {}",
))
