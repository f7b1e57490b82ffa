"""Named SQL of the accounts domain (both engines)."""

# One failed-or-pending login attempt on a throttle key, atomically: a window that started at or before the cutoff
# (rules.window_restarts_before) starts again at 1. Parameters: key, now, cutoff, cutoff.
COUNT_ATTEMPT = """
INSERT INTO login_throttle (key, failures, window_start) VALUES ({}, 1, {})
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN login_throttle.window_start <= {} THEN 1 ELSE login_throttle.failures + 1 END,
    window_start = CASE WHEN login_throttle.window_start <= {} THEN excluded.window_start
                        ELSE login_throttle.window_start END
RETURNING failures, window_start
"""

# The admin's account list: one page by id with the total; {where} is built by service.list_users from fixed pieces.
LIST_USERS = """
SELECT u.id, u.username, u.role, u.display_name, u.is_active, u.certificate_no, u.personal_data, COUNT(*) OVER () AS total_count
FROM app_user u WHERE {where} ORDER BY u.id LIMIT {{}} OFFSET {{}}
"""
COUNT_USERS = "SELECT COUNT(*) AS n FROM app_user u WHERE {where}"
# Linked to a region inside the subtree whose path prefix is the parameter.
LINKED_TO_REGION = """EXISTS (SELECT 1 FROM user_region ur JOIN region r ON r.id = ur.region
WHERE ur."user" = u.id AND r.path LIKE {})"""

# Active inspectors whose scope holds a site, i.e. linked to a region whose subtree holds the site's region path
# (the parameter): who may be named as an inspection's co-inspector (inspections/people.py). {ids} is "" or a fixed
# "AND u.id IN (…)" of integers built by service.inspectors_covering.
INSPECTORS_COVERING = """
SELECT u.id AS user_id, COALESCE(NULLIF(u.display_name, ''), u.username) AS name, u.certificate_no
FROM app_user u
WHERE u.role = 'inspector' AND u.is_active {ids}
  AND EXISTS (SELECT 1 FROM user_region ur JOIN region r ON r.id = ur.region
              WHERE ur."user" = u.id AND {{}} LIKE r.path || '%')
ORDER BY u.id
"""
