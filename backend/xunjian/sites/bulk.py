"""Bulk import and export of sites (XLSX, CSV): the file is read in a thread, every row validated with the site
rules, and the whole file written in one transaction with set-based statements and one audit event."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import anyio
import msgspec

from .. import csvout, db
from ..accounts.principal import Principal
from ..audit import service as audit
from ..errors import Invalid
from ..jobs.sqlkit import dialect
from ..regions.tables import Region
from . import imports as I
from . import sheets
from .schemas import ImportReport, ImportRowError
from .service import admin_site_rows

# Rows per statement: within SQLite's 32,766 and asyncpg's 32,767 parameters.
INSERT_CHUNK = 1000
UPDATE_CHUNK = 1500
LOOKUP_CHUNK = 900

_CURRENT = ("SELECT id, kind, code, name, region, region_path, address, lat, lng, operator, ownership, "
            "approved_beds, radius_m, polygon, attributes FROM site WHERE code IN ({codes})")
_INSERTED = ("kind", "code", "name", "region", "region_path", "address", "lat", "lng", "operator", "ownership",
             "approved_beds", "radius_m", "polygon", "place_types", "attributes", "is_active", "created_at",
             "updated_at")
# The parameter types PostgreSQL must be told inside VALUES (a bare parameter there is text).
_UPDATE_TYPES = {"id": "integer", "name": "text", "region": "integer", "region_path": "text", "address": "text",
                 "lat": "double precision", "lng": "double precision", "operator": "text", "ownership": "text",
                 "approved_beds": "integer", "radius_m": "integer", "attributes": "json",
                 "updated_at": "timestamptz"}


def _json(value):
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


async def _regions() -> I.RegionIndex:
    rows = await Region.select(Region.id, Region.code, Region.name, Region.level, Region.path, Region.parent)
    names = {r["id"]: r["name"] for r in rows}
    return I.RegionIndex([I.RegionRef(r["id"], r["code"], r["name"], r["level"], r["path"],
                                      names.get(r["parent"], "")) for r in rows])


async def _current(codes: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        chunk = codes[start:start + LOOKUP_CHUNK]
        for row in await db.fetch(_CURRENT.format(codes=", ".join(["{}"] * len(chunk))), *chunk):
            # asyncpg's records inside a transaction are read-only
            out[row["code"]] = {**row, "polygon": _json(row["polygon"]), "attributes": _json(row["attributes"]) or {}}
    return out


async def _plan(table: list[tuple[int, list]], dry_run: bool) -> tuple[ImportReport, list[tuple[str, I.Outcome, dict | None]]]:
    """Every row checked; the report, and for each valid row what it does."""
    header_row, header = table[0] if table else (1, [])
    layout, errors = I.read_headers(header)
    if errors:
        report = ImportReport(dry_run=dry_run, total_rows=max(len(table) - 1, 0), created=0, updated=0, unchanged=0,
                              errors=[ImportRowError(**e.__dict__) for e in errors])
        raise Invalid("The file's columns are not right", code="import_invalid", details=msgspec.to_builtins(report))
    regions = await _regions()
    parsed: list[I.Parsed] = []
    first_row: dict[str, int] = {}
    for row_no, cells in table[1:]:
        row, row_errors = I.parse_row(row_no, cells, layout, regions)
        errors += row_errors
        if row is None:
            continue
        if row.code in first_row:
            errors.append(I.duplicate_error(row, first_row[row.code], layout))
            continue
        first_row[row.code] = row.row
        parsed.append(row)
    current = await _current(list(first_row))
    planned = []
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in parsed:
        existing = current.get(row.code)
        if existing is None and row.kind is None:
            errors.append(I.RowError(row.row, layout.header("kind"), "required", "Required"))
            continue
        outcome = I.apply_row(row, existing, layout, regions)
        if outcome.errors:
            errors += outcome.errors
            continue
        counts[outcome.status] += 1
        planned.append((row.code, outcome, existing))
        if existing is None:
            outcome.values["kind"] = row.kind
    errors.sort(key=lambda e: e.row)  # stable: a row's errors in the order of the columns
    report = ImportReport(dry_run=dry_run, total_rows=max(len(table) - 1, 0), errors=[ImportRowError(**e.__dict__)
                                                                           for e in errors], **counts)
    return report, planned


async def import_sites(actor: Principal, data: bytes, *, dry_run: bool, now: datetime | None = None) -> ImportReport:
    """The report of every row's errors; without `dry_run` and without errors, the file is written (created and
    changed sites re-rated, so they are on the board at once), else nothing is (422 import_invalid)."""
    now = now or datetime.now(timezone.utc)
    fmt, table = await anyio.to_thread.run_sync(sheets.read_table, data)
    if dry_run:
        report, _ = await _plan(table, True)
        return report
    async with db.write_transaction():
        # Planned inside the transaction: what is compared with the file is what gets overwritten.
        report, planned = await _plan(table, False)
        if report.errors:
            raise Invalid(f"{len(report.errors)} error(s) in the file; nothing was imported", code="import_invalid",
                          details=msgspec.to_builtins(report))
        created = [(code, o) for code, o, existing in planned if o.status == "created"]
        updated = [(existing["id"], o) for code, o, existing in planned if o.status == "updated"]
        ids = await _insert(created, now) + await _update(updated, now)
        if ids:
            from ..risk import service as risk  # risk reads sites; imported late to keep the layers acyclic

            await risk.rate_sites(now, trigger="import", site_filter=", ".join(str(int(i)) for i in ids))
        await audit.record(actor, "site.import", "site_import", hashlib.sha256(data).hexdigest(),
                           after={"format": fmt, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                  "total_rows": report.total_rows, "created": report.created,
                                  "updated": report.updated, "unchanged": report.unchanged})
    return report


async def _insert(created: list[tuple[str, I.Outcome]], now: datetime) -> list[int]:
    ids: list[int] = []
    row_sql = "(" + ", ".join(["{}"] * len(_INSERTED)) + ")"
    for start in range(0, len(created), INSERT_CHUNK):
        chunk = created[start:start + INSERT_CHUNK]
        args: list = []
        for code, outcome in chunk:
            v = outcome.values
            args += [v["kind"], code, v["name"], v["region"], v["region_path"], v["address"], v["lat"], v["lng"],
                     v["operator"], v["ownership"], v["approved_beds"], v["radius_m"], None, "[]",
                     msgspec.json.encode(v["attributes"]).decode(), True, now, now]
        rows = await db.fetch(f"INSERT INTO site ({', '.join(_INSERTED)}) VALUES "
                              + ", ".join([row_sql] * len(chunk)) + " RETURNING id", *args)
        ids += [r["id"] for r in rows]
    return ids


async def _update(updated: list[tuple[int, I.Outcome]], now: datetime) -> list[int]:
    """Changed sites in one UPDATE … FROM (VALUES …) per chunk; unchanged values are written back as they were."""
    d = dialect()
    columns = list(_UPDATE_TYPES)
    row_sql = "(" + ", ".join(d.param(_UPDATE_TYPES[c]) for c in columns) + ")"
    assignments = ", ".join(f"{c} = v.{c}" for c in columns if c != "id")
    for start in range(0, len(updated), UPDATE_CHUNK):
        chunk = updated[start:start + UPDATE_CHUNK]
        args: list = []
        for site_id, outcome in chunk:
            v = {**outcome.values, "id": site_id, "updated_at": now,
                 "attributes": msgspec.json.encode(outcome.values["attributes"]).decode()}
            args += [v[c] for c in columns]
        await db.fetch(f"WITH v ({', '.join(columns)}) AS (VALUES " + ", ".join([row_sql] * len(chunk))
                       + f") UPDATE site SET {assignments} FROM v WHERE site.id = v.id", *args)
    return [site_id for site_id, _ in updated]


# ---------------------------------------------------------------- export

async def _export_rows(filters: dict) -> tuple[list[str], list[list]]:
    regions = await _regions()
    return I.export_header(), [I.export_row(s, regions) for s in await admin_site_rows(**filters)]


async def export_xlsx(**filters) -> bytes:
    header, rows = await _export_rows(filters)
    return await anyio.to_thread.run_sync(sheets.write_xlsx, header, rows)


async def export_csv(**filters) -> AsyncIterator[bytes]:
    header, rows = await _export_rows(filters)

    async def chunks() -> AsyncIterator[bytes]:
        yield csvout.rows([], header=header)
        for start in range(0, len(rows), 2000):
            yield csvout.rows(rows[start:start + 2000])

    return chunks()
