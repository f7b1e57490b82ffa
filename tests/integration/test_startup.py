import subprocess
import sys

import pytest

from tests.conftest import TEST_PII_KEY, assert_start_fails, base_settings, running
from xunjian.errors import ConfigError


async def test_start_up_fails_loudly_when_postgres_is_unreachable(tmp_path):
    from xunjian.app import create_app

    settings = base_settings(tmp_path, database_url="postgresql://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(BaseException) as info:
        async with running(create_app(settings)):
            pass
    # The lifespan may wrap the error in an exception group; either way it is our ConfigError, with the reason.
    if isinstance(info.value, BaseExceptionGroup):
        assert info.group_contains(ConfigError, match="Cannot reach PostgreSQL")
    else:
        assert info.errisinstance(ConfigError) and "Cannot reach PostgreSQL" in str(info.value)


def test_cli_reports_an_unreachable_database(tmp_path):
    env = {"XUNJIAN_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere", "XUNJIAN_DATA_DIR": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    import os

    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-m", "xunjian.cli", "migrate"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "Cannot reach PostgreSQL" in result.stderr


def test_cli_migrate_and_demo_are_idempotent(tmp_path):
    import os

    env = {**os.environ, "XUNJIAN_DATA_DIR": str(tmp_path), "XUNJIAN_ARGON2_MEMORY_KIB": "1024",
           "XUNJIAN_ARGON2_TIME_COST": "1"}
    env.pop("XUNJIAN_DATABASE_URL", None)
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "xunjian.cli", "demo"], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "inspector2" in result.stdout and "Demo data ready" in result.stdout
    assert (tmp_path / "xunjian.sqlite3").exists()
    # The demo shows something everywhere, once however often it is loaded: a quarter of inspections with findings,
    # rated sites, and patrols with the follow-up cases their people opened (tests/integration/test_demo_history.py
    # checks that the quarter is coherent).
    import sqlite3

    con = sqlite3.connect(tmp_path / "xunjian.sqlite3")
    try:
        counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("inspection", "finding", "site_risk", "patrol", "encounter", "follow_up_case",
                            "escalation_step", "notification")}
        steps = con.execute("SELECT subject_type, subject_id, step, COUNT(*) FROM escalation_step "
                            "GROUP BY subject_type, subject_id, step").fetchall()
        reasons = sorted(r for (r,) in con.execute("SELECT reasons FROM follow_up_case"))
    finally:
        con.close()
    from xunjian.inspections.demo import DEMO as INSPECTIONS
    from xunjian.patrols.demo import DEMO as PATROLS

    assert counts["inspection"] == len(INSPECTIONS) and counts["finding"] > 0 and counts["site_risk"] > 0
    met = [e for p in PATROLS for e in p[6]]
    assert (counts["patrol"], counts["encounter"], counts["follow_up_case"]) == (len(PATROLS), len(met), 9)
    assert set(reasons) == {'["disabled"]', '["elderly"]', '["minor"]', '["refusal"]', '["critically_ill", "elderly"]'}
    # Overdue cases and findings have climbed the ladder, each step once, and told people.
    assert {s[0] for s in steps} == {"finding", "follow_up_case"} and all(s[3] == 1 for s in steps)
    assert counts["notification"] > 0


async def test_start_up_refuses_a_database_that_is_not_migrated(tmp_path, backend):
    """An empty database (or one a release's migrations have not reached) stops the start with what to do, instead
    of a raw "no such table" on the first request."""
    from xunjian.app import create_app

    scratch = None
    if backend.url:
        import asyncpg

        # A scratch database next to the suite's own, named after it, dropped at the end.
        server, own = backend.url.rsplit("/", 1)
        scratch = f"{own}_unmigrated"
        con = await asyncpg.connect(backend.url)
        try:
            await con.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
            await con.execute(f'CREATE DATABASE "{scratch}"')
        finally:
            await con.close()
        settings = base_settings(tmp_path, database_url=f"{server}/{scratch}")
    else:
        settings = base_settings(tmp_path)
    await assert_start_fails(create_app(settings), "Run `xunjian migrate` first")
    if scratch:
        con = await asyncpg.connect(backend.url)
        try:
            await con.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        finally:
            await con.close()


def test_cli_commands_other_than_migrate_refuse_an_unmigrated_database(tmp_path):
    import os

    env = {**os.environ, "XUNJIAN_DATA_DIR": str(tmp_path)}
    env.pop("XUNJIAN_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "xunjian.cli", "jobs", "list"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "xunjian migrate" in result.stderr and "not applied" in result.stderr


def _serve(tmp_path, port: int, **env_overrides) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "XUNJIAN_DATA_DIR": str(tmp_path), **env_overrides}
    return subprocess.run([sys.executable, "-m", "xunjian.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                           "--no-scheduler"], env=env, capture_output=True, text=True, timeout=120)


def _assert_one_line_failure(result: subprocess.CompletedProcess, reason: str) -> None:
    assert result.returncode != 0
    assert "serving at" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("xunjian:")]
    assert len(errors) == 1 and reason in errors[0], result.stderr
    assert [line for line in result.stderr.splitlines() if " ERROR " in line] == [], result.stderr


def test_serve_on_a_taken_port_says_so_in_one_line_and_exits_non_zero(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        result = _serve(tmp_path, taken.getsockname()[1])
    _assert_one_line_failure(result, "Cannot listen on 127.0.0.1")


def test_serve_with_an_unreachable_database_says_so_in_one_line_and_exits_non_zero(tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    result = _serve(tmp_path, port, XUNJIAN_DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere",
                    XUNJIAN_PII_KEY=TEST_PII_KEY)
    _assert_one_line_failure(result, "Cannot reach PostgreSQL")


def test_serve_with_the_wrong_personal_data_key_says_so_in_one_line_before_serving(tmp_path):
    import os
    import socket

    env = {**os.environ, "XUNJIAN_DATA_DIR": str(tmp_path), "XUNJIAN_PII_KEY": TEST_PII_KEY}
    env.pop("XUNJIAN_DATABASE_URL", None)
    for command in (["migrate"], ["pii", "encrypt-existing"]):  # the second records the key's id
        done = subprocess.run([sys.executable, "-m", "xunjian.cli", *command], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    result = _serve(tmp_path, port, XUNJIAN_PII_KEY="kVliz86brhTp2eszxibk5jMJulXCRUBLNkO6Osezyg4=")
    _assert_one_line_failure(result, "is not the key the personal data in this database was sealed with")


def test_a_first_start_prints_little_and_ends_with_the_url_and_the_logins(tmp_path):
    """What scripts/run.sh shows a new user: a handful of lines, the URL and the logins last (the migration tables
    and the scheduler's narration only at XUNJIAN_LOG_LEVEL=DEBUG)."""
    import os
    import socket

    env = {**os.environ, "XUNJIAN_DATA_DIR": str(tmp_path), "XUNJIAN_LOG_LEVEL": "INFO",
           "XUNJIAN_ARGON2_MEMORY_KIB": "1024", "XUNJIAN_ARGON2_TIME_COST": "1"}
    env.pop("XUNJIAN_DATABASE_URL", None)
    demo = subprocess.run([sys.executable, "-m", "xunjian.cli", "demo"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert demo.returncode == 0, demo.stderr
    printed = (demo.stdout + demo.stderr).splitlines()
    logins = [line for line in printed if line.startswith("  ")]
    # two lines of migration and data, a header and one line per demo account, nothing else
    assert len(printed) == 3 + len(logins) and len(logins) == 11, printed
    assert "migrations applied" in printed[0] and "Demo logins" in demo.stdout
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "xunjian.cli", "serve", "--scheduler", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        lines = []
        while not (lines and lines[-1].startswith("  manager2")):
            line = server.stdout.readline()
            assert line, lines  # the process ended before printing the logins
            lines.append(line.rstrip("\n"))
        url = next(i for i, line in enumerate(lines) if "serving at" in line)
        assert f"http://127.0.0.1:{port}/" in lines[url]
        assert lines[url + 1].startswith("Demo logins") and len(lines) - url == 8, lines
        assert len(lines) <= 12, lines
    finally:
        server.terminate()
        server.wait(timeout=30)
