"""The personal data of people met on patrols, sealed at rest (crypto.py): which columns, the key ring in force, the
start-up check of the key against the database, and `xunjian pii encrypt-existing` for rows written before (or under
the previous key).

Sealed, because they say who someone is or describe their body, health or life (PIPL 第二十八条 敏感个人信息):
- person_record: name, hometown, notes (free text), features (appearance);
- encounter: details (free text), features (appearance), answers (the template's further answers of the person),
  face_reason (why a minor's face was photographed);
- follow_up_case: outcome_note (free text on what became of the person).
Not sealed: the flags, age band, sex, action and times (the counts and the board are made of them, in SQL), the
register number, the location (purged after the retention period; the route map draws it).
"""

from __future__ import annotations

import logging
from typing import Any

from .. import db
from ..config import Settings
from ..errors import ConfigError
from . import sql
from .crypto import Keyring

log = logging.getLogger("xunjian.patrols")

# table → (id column's kind, sealed text columns, sealed JSON columns, blind indexes as {index column: column})
SEALED: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], dict[str, str]]] = {
    "person_record": ("int", ("name", "hometown", "notes"), ("features",),
                      {"name_bidx": "name", "hometown_bidx": "hometown"}),
    "encounter": ("uuid", ("details", "face_reason"), ("features", "answers"), {}),
    "follow_up_case": ("int", ("outcome_note",), (), {}),
}

_RING: Keyring | None = None


def configure(settings: Settings) -> Keyring:
    """The key ring from the settings (the app, the CLI and tests call it, as they configure the password hasher)."""
    global _RING
    current, old = settings.pii_keys()
    _RING = Keyring(current, old)
    return _RING


def ring() -> Keyring:
    if _RING is None:
        raise ConfigError("The personal-data key is not configured")
    return _RING


def seal(table: str, column: str, value: str | None) -> str:
    return ring().seal(f"{table}.{column}", value)


def seal_json(table: str, column: str, value: Any) -> str:
    return ring().seal_json(f"{table}.{column}", value)


def index(value: str | None) -> str:
    return ring().index(value)


def search_indexes(value: str) -> list[str]:
    return ring().indexes(value)


def opened(table: str, row: dict) -> dict:
    """The row with its sealed columns opened (those it has); a new dict."""
    _, texts, jsons, _ = SEALED[table]
    keys = ring()
    out = dict(row)
    for c in texts:
        if c in out and out[c]:
            out[c] = keys.open(f"{table}.{c}", out[c])
    for c in jsons:
        if c in out and out[c]:
            out[c] = keys.open_json(f"{table}.{c}", out[c])
    return out


def sealed_values(table: str, values: dict[str, Any]) -> dict[str, Any]:
    """Column → value for a write, sealed where the column is, with the blind indexes of what it changes."""
    _, texts, jsons, indexes = SEALED[table]
    out = dict(values)
    for bidx, c in indexes.items():
        if c in values:
            out[bidx] = index(values[c])
    for c in texts:
        if c in values:
            out[c] = seal(table, c, values[c])
    for c in jsons:
        if c in values:
            out[c] = seal_json(table, c, values[c])
    return out


# ---------------------------------------------------------------- start-up


async def check_keys() -> None:
    """Refuse to start when personal data in the database was sealed with a key the ring does not hold, naming the
    key ids; then record the current key's id (before anything is sealed with it)."""
    from .tables import PiiKey

    keys = ring()
    recorded = {r["kid"] for r in await PiiKey.select(PiiKey.kid)}
    unknown = sorted(recorded - set(keys.kids))
    if unknown:
        raise ConfigError(
            f"XUNJIAN_PII_KEY (key id {keys.kid}) is not the key the personal data in this database was sealed with "
            f"(key id {', '.join(unknown)}). Set the right key; after a rotation, the previous one as "
            "XUNJIAN_PII_KEY_OLD until `xunjian pii encrypt-existing` has re-sealed everything.")
    if keys.kid not in recorded:
        await PiiKey.insert(PiiKey(kid=keys.kid)).on_conflict(action="DO NOTHING")


def register(app) -> None:
    async def start(app) -> None:
        await check_keys()

    app.state.startup_hooks.append(start)


# ---------------------------------------------------------------- sealing what is there


BATCH = 200


def _needs_work(table: str, engine: str) -> tuple[str, list[str]]:
    """The WHERE of rows with a column not sealed under the current key (plain, or under the previous key)."""
    _, texts, jsons, _ = SEALED[table]
    prefix = ring().current_prefix
    conds, args = [], []
    for c in texts:
        conds.append(f"({c} <> '' AND {c} NOT LIKE {{}})")
        args.append(prefix + "%")
    for c in jsons:
        text = sql.JSON_TEXT.format(column=c)
        # The empty values as parameters: Piccolo's placeholders leave no way to write a literal brace.
        conds.append(f"({text} NOT IN ({{}}, {{}}, {{}}, {{}}) AND {text} NOT LIKE {{}})")
        args += ["[]", "{}", "null", '""', '"' + prefix + "%"]
    return " OR ".join(conds), args


async def _seal_batch(table: str, engine: str) -> int:
    """One transaction: the next rows needing work, locked, re-sealed in Python, written back in one statement."""
    id_kind, texts, jsons, indexes = SEALED[table]
    columns = [*texts, *jsons]
    where, args = _needs_work(table, engine)
    keys = ring()
    async with db.write_transaction():
        rows = await db.fetch(sql.SEAL_SELECT[engine].format(columns=", ".join(columns), table=table, where=where,
                                                            limit=BATCH), *args)
        if not rows:
            return 0
        out_columns = [*columns, *indexes]
        values, params = [], []
        for r in rows:
            plain = opened(table, r)
            new = sealed_values(table, {c: plain[c] for c in columns})
            values.append("(" + ", ".join([sql.CAST[engine][id_kind]] + [
                sql.CAST[engine]["json" if c in jsons else "text"] for c in out_columns]) + ")")
            params += [r["id"], *(new[c] for c in out_columns)]
        await db.fetch(sql.SEAL_UPDATE.format(
            table=table, columns=", ".join(["id", *out_columns]), values=", ".join(values),
            sets=", ".join(f"{c} = v.{c}" for c in out_columns)), *params)
        return len(rows)


async def encrypt_existing() -> dict[str, Any]:
    """Seal every value not sealed under the current key, batch by batch; idempotent (a second run seals nothing).
    Once nothing is left under another key, their ids are forgotten, so start-up no longer asks for them."""
    engine = "sqlite" if db.is_sqlite() else "postgres"
    counts: dict[str, Any] = {}
    for table in SEALED:
        total = 0
        while n := await _seal_batch(table, engine):
            total += n
        counts[table] = total
    async with db.write_transaction():
        left = 0
        for table in SEALED:
            where, args = _needs_work(table, engine)
            left += (await db.fetch(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *args))[0]["n"]
        forgotten = []
        if left == 0:
            forgotten = [r["kid"] for r in await db.fetch("DELETE FROM pii_key WHERE kid <> {} RETURNING kid",
                                                          ring().kid)]
    counts["key_id"] = ring().kid
    counts["key_ids_forgotten"] = sorted(forgotten)
    return counts

