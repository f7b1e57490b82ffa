"""Named SQL of the notifications domain (both engines): the inbox reads. Writes stay with Piccolo's builder."""

# One page of a user's inbox, newest first, with the total of the filtered list and the user's unread count in the
# same statement. {where} adds the list's filters over `n`. Parameters: user, user, the filters', limit, offset.
INBOX = """SELECT n.id, n.kind, n.title, n.subject_title, n.body, n.subject_type, n.subject_id, n.site_id, n.level,
       n.created_at, n.read_at, COUNT(*) OVER () AS total_count,
       (SELECT COUNT(*) FROM notification u WHERE u."user" = {{}} AND u.read_at IS NULL) AS unread_count
FROM notification n WHERE n."user" = {{}}{where}
ORDER BY n.created_at DESC, n.id DESC LIMIT {{}} OFFSET {{}}"""

# The total alone, for a page past the last one. Parameters: user, the filters'.
COUNT = """SELECT COUNT(*) AS n FROM notification n WHERE n."user" = {{}}{where}"""

# Parameters: user.
UNREAD = """SELECT COUNT(*) AS n FROM notification WHERE "user" = {} AND read_at IS NULL"""
