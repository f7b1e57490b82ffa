"""Named SQL of the findings domain (both engines): the list and its export. Writes stay with Piccolo's builder.

`{where}` is the caller's scope predicate over the site `s` and the list's filters over the finding `f`, with `{}`
placeholders (service._filters)."""

_COLUMNS = """f.id, f.site, s.code AS site_code, s.name AS site_name, f.inspection, f.item_key, f.title,
       f.description, f.basis, f.grade, f.status, f.extension_status, f.requested_deadline, f.deadline,
       f.risk_weight, f.self_reported, f.photos, f.rechecked_at, f.last_reason, f.escalation_level, f.created_by,
       f.created_at, f.updated_at, f.responded_at, f.closed_at, f.listing, f.listing_authority, f.first_deadline"""

# One page, soonest deadline first, with the total of the filtered set in the same statement. The scope is resolved
# first (materialised): ordered along the deadline index with the count over it, PostgreSQL walked every finding
# of the country for a province's page (30 s at national scale). Parameters: the predicate's, limit, offset.
LIST = f"""WITH scoped AS MATERIALIZED (SELECT f.id, f.deadline FROM finding f JOIN site s ON s.id = f.site
    WHERE {{where}}),
page AS (SELECT id FROM scoped ORDER BY deadline, id LIMIT {{{{}}}} OFFSET {{{{}}}})
SELECT {_COLUMNS}, (SELECT COUNT(*) FROM scoped) AS total_count
FROM page JOIN finding f ON f.id = page.id JOIN site s ON s.id = f.site ORDER BY f.deadline, f.id"""

# The total alone (a page past the last one has no row to carry it).
COUNT = "SELECT COUNT(*) AS n FROM finding f JOIN site s ON s.id = f.site WHERE {where}"

# The export's batches, by id after the last one sent. Parameters: the predicate's, last id, batch size.
EXPORT_BATCH = f"""SELECT {_COLUMNS}
FROM finding f JOIN site s ON s.id = f.site WHERE {{where}} AND f.id > {{{{}}}} ORDER BY f.id LIMIT {{{{}}}}"""
