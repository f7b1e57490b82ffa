"""Named SQL of the patrols domain (both engines), set-based: the person retention and the encounter counts.

`{ids}` is a list of integer placeholders filled by the caller with `{}` for each person id.
"""

# Person records past their retention: the last encounter linked to them (the record's creation when none) before the
# cutoff, and no open follow-up case on any of their encounters. Parameters: cutoff.
DUE_PERSONS = """
SELECT p.id AS id FROM person_record p
WHERE COALESCE((SELECT MAX(e.met_at) FROM encounter e WHERE e.person = p.id), p.created_at) < {{}}
  AND NOT EXISTS (SELECT 1 FROM encounter e JOIN follow_up_case c ON c.encounter = e.id
                  WHERE e.person = p.id AND c.status = 'open')
ORDER BY p.id LIMIT {limit}
"""

# The Monday of the encounter's week in Asia/Shanghai (an ISO week starts on Monday), as 'YYYY-MM-DD'.
WEEK_START = {
    "sqlite": "date(e.met_at, '+8 hours', 'weekday 0', '-6 days')",
    "postgres": "to_char(date_trunc('week', e.met_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD')",
}

_COUNT_KEYS = ("zone, region_path, week_start, sex, age_band, is_minor, is_elderly, is_disabled, "
               "suspected_mental_illness, critically_ill, action")

# Adds the encounters of these person records to the counts, one row per combination. The WHERE before ON CONFLICT is
# needed by SQLite's parser for INSERT … SELECT … ON CONFLICT.
ADD_COUNTS = f"""
INSERT INTO encounter_count ({_COUNT_KEYS}, encounters)
SELECT e.zone, s.region_path, {{week}}, e.sex, e.age_band, e.is_minor, e.is_elderly, e.is_disabled,
       e.suspected_mental_illness, e.critically_ill, e.action, COUNT(*)
FROM encounter e JOIN site s ON s.id = e.zone
WHERE e.person IN ({{ids}})
GROUP BY e.zone, s.region_path, {{week}}, e.sex, e.age_band, e.is_minor, e.is_elderly, e.is_disabled,
         e.suspected_mental_illness, e.critically_ill, e.action
ON CONFLICT ({_COUNT_KEYS}) DO UPDATE SET encounters = encounter_count.encounters + excluded.encounters
"""

COUNT_KEY_INDEX = f"CREATE UNIQUE INDEX encounter_count_key ON encounter_count ({_COUNT_KEYS})"

# The photo links of these persons' encounters (their photos go unless another record still refers to them).
ENCOUNTERS_OF = "SELECT CAST(e.id AS VARCHAR(64)) FROM encounter e WHERE e.person IN ({ids})"
DELETE_PHOTO_LINKS = f"DELETE FROM photo_link WHERE entity_type = 'encounter' AND entity_id IN ({ENCOUNTERS_OF}) " \
                     "RETURNING photo_id"
DELETE_CASES = "DELETE FROM follow_up_case WHERE encounter IN (SELECT e.id FROM encounter e WHERE e.person IN ({ids}))"
DELETE_ENCOUNTERS = "DELETE FROM encounter WHERE person IN ({ids}) RETURNING id, zone"
DELETE_PERSONS = "DELETE FROM person_record WHERE id IN ({ids}) RETURNING id, site"
# Photos none of whose links remain. {photos}: placeholders of the photo ids.
DELETE_UNLINKED_PHOTOS = """
DELETE FROM photo WHERE id IN ({photos}) AND NOT EXISTS (SELECT 1 FROM photo_link l WHERE l.photo_id = photo.id)
RETURNING original_key, display_key, thumb_key
"""

# ---------------------------------------------------------------- sealing existing rows (pii.encrypt_existing)

# A JSON column as its text, to compare with the sealed form ('"xj1:…"') and the empty values.
JSON_TEXT = "CAST({column} AS TEXT)"
# The next rows with a value not sealed under the current key, locked on PostgreSQL (SQLite's IMMEDIATE transaction
# holds the database already). {where} has `{}` placeholders of its own.
SEAL_SELECT = {
    "sqlite": "SELECT id, {columns} FROM {table} WHERE {where} ORDER BY id LIMIT {limit}",
    "postgres": "SELECT id, {columns} FROM {table} WHERE {where} ORDER BY id LIMIT {limit} FOR UPDATE",
}
# A parameter of each kind inside VALUES, where PostgreSQL cannot infer its type.
CAST = {
    "sqlite": {"int": "{}", "uuid": "{}", "text": "{}", "json": "{}"},
    "postgres": {"int": "CAST({} AS INTEGER)", "uuid": "CAST({} AS UUID)", "text": "CAST({} AS TEXT)",
                 "json": "CAST({} AS JSON)"},
}
# The whole batch written back in one statement (UPDATE … FROM: SQLite 3.33+, PostgreSQL).
SEAL_UPDATE = "WITH v({columns}) AS (VALUES {values}) UPDATE {table} SET {sets} FROM v WHERE {table}.id = v.id"

# ---------------------------------------------------------------- the counts (GET /api/patrols/counts)

# People met per zone, week (Monday, Asia/Shanghai), sex, age band and action: the live encounters (including those
# whose free text the 90-day purge emptied) plus what the person retention deleted and kept in encounter_count, so
# the figures are the same before and after a purge. `{week}` is WEEK_START; `{where}` the scope (and region) on
# site s, with `{}` placeholders that appear twice (once per branch). Parameters: where args twice, first and last
# week start ('YYYY-MM-DD').
COUNTS = """
SELECT t.zone AS zone, t.week_start AS week_start, t.sex AS sex, t.age_band AS age_band, t.action AS action,
       SUM(t.n) AS encounters
FROM (SELECT e.zone AS zone, {week} AS week_start, e.sex AS sex, e.age_band AS age_band, e.action AS action,
             COUNT(*) AS n
      FROM encounter e JOIN site s ON s.id = e.zone WHERE {where}
      GROUP BY e.zone, {week}, e.sex, e.age_band, e.action
      UNION ALL
      SELECT c.zone, c.week_start, c.sex, c.age_band, c.action, c.encounters
      FROM encounter_count c JOIN site s ON s.id = c.zone WHERE {where}) t
WHERE t.week_start >= {{}} AND t.week_start <= {{}}
GROUP BY t.zone, t.week_start, t.sex, t.age_band, t.action
ORDER BY t.week_start, t.zone, t.sex, t.age_band, t.action
"""
