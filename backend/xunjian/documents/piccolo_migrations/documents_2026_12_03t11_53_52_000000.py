"""Written by hand: Piccolo's auto migrations cannot add multi-column unique constraints on SQLite, so the indexes
that make a document number gap-free and never reused are created here (same DDL on both engines)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T11:53:52:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique sequences and serials"

STATEMENTS = [
    # The upsert that advances a sequence conflicts on this.
    "CREATE UNIQUE INDEX document_sequence_key ON document_sequence (authority, kind, year)",
    "CREATE UNIQUE INDEX issued_document_serial ON issued_document (authority, kind, year, serial)",
    "CREATE INDEX issued_document_subject ON issued_document (subject_type, subject_id)",
]
INDEXES = ["document_sequence_key", "issued_document_serial", "issued_document_subject"]



async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="documents", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def run_backwards():
        engine = engine_finder()
        for name in reversed(INDEXES):
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
