"""Follow-up cases climb the same escalation ladder as findings (listed in xunjian.escalation.sources.SOURCE_MODULES).

A case climbs the follow-up cases' own ladder (escalation/rules.py, `follow_up_case`): its levels are 催办 and 督办,
never 挂牌督办, since listing for supervision is a decision about a hazard, not about a person. Cases for a minor or a
critically ill person take its urgent grade (督办 at the deadline); the others the general one. The title names the
case only by number: notifications and webhooks carry no personal details.
"""

from __future__ import annotations

from ..escalation.sources import SubjectSource, register_source

SUBJECT_TYPE = "follow_up_case"

register_source(SubjectSource(
    subject_type=SUBJECT_TYPE,
    entity_type="follow_up_case",
    level_table="follow_up_case",
    sql=(
        "SELECT c.id AS subject_id, c.zone AS site_id, CASE WHEN c.urgent THEN 'major' ELSE 'general' END AS grade, "
        "c.deadline AS deadline, c.recorded_by AS owner_user_id, "
        "'街面巡查跟进个案 #' || CAST(c.id AS TEXT) AS title FROM follow_up_case c WHERE c.status = 'open'"
    ),
    # A case is closed once, for good (rules.check_close allows it only from open).
    closed_sql="SELECT c.id AS subject_id FROM follow_up_case c WHERE c.status = 'closed' AND c.closed_at < {}",
))
