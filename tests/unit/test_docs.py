"""The README and the compose file stay true to the settings."""

from pathlib import Path

import yaml

from xunjian.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _env_names() -> set[str]:
    return {f"XUNJIAN_{name.upper()}" for name in Settings.__dataclass_fields__ if name != "extra"}


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(n for n in _env_names() if n not in readme)
    assert not missing, f"README.md does not document {missing}"


def test_readme_has_exactly_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0].strip() for b in section.split("```sh\n")[1:]]
    assert blocks == ["bash scripts/run.sh", "bash scripts/test.sh"]


def test_compose_uses_only_known_settings():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    names = set(compose["x-app-env"])
    assert names <= _env_names(), names - _env_names()
    assert {"postgres", "minio", "minio-init", "app", "scheduler", "migrate"} <= set(compose["services"])


def test_settings_from_environment():
    s = Settings.from_env({"XUNJIAN_PORT": "9000", "XUNJIAN_S3_ENDPOINT": "http://minio:9000",
                           "XUNJIAN_COOKIE_SECURE": "true", "XUNJIAN_DATABASE_URL": "postgresql://u@h/d"})
    assert s.port == 9000 and s.uses_s3 and s.cookie_secure and s.is_postgres
    import pytest

    from xunjian.errors import ConfigError

    with pytest.raises(ConfigError):
        Settings.from_env({"XUNJIAN_PORT": "eighty"})
    with pytest.raises(ConfigError):
        Settings.from_env({"XUNJIAN_DATABASE_URL": "mysql://x"})


def test_the_site_kinds_needing_two_inspectors():
    import pytest

    from xunjian.errors import ConfigError

    assert Settings.from_env({}).two_inspectors_kinds == ("eldercare",)
    assert Settings.from_env({"XUNJIAN_TWO_INSPECTORS_KINDS": "rescue_station, eldercare"}).two_inspectors_kinds == (
        "eldercare", "rescue_station")
    assert Settings.from_env({"XUNJIAN_TWO_INSPECTORS_KINDS": "none"}).two_inspectors_kinds == ()
    with pytest.raises(ConfigError, match="XUNJIAN_TWO_INSPECTORS_KINDS"):
        Settings.from_env({"XUNJIAN_TWO_INSPECTORS_KINDS": "eldercare,hospital"})


def test_a_retention_shorter_than_a_day_is_refused():
    import pytest

    from xunjian.errors import ConfigError

    s = Settings.from_env({"XUNJIAN_NOTIFICATION_RETENTION_DAYS": "30", "XUNJIAN_HISTORY_RETENTION_DAYS": "1"})
    assert (s.notification_retention_days, s.history_retention_days) == (30, 1)
    assert (Settings().notification_retention_days, Settings().history_retention_days) == (180, 730)
    for name in ("XUNJIAN_PATROL_RETENTION_DAYS", "XUNJIAN_NOTIFICATION_RETENTION_DAYS",
                 "XUNJIAN_HISTORY_RETENTION_DAYS"):
        for bad in ("0", "-5"):
            with pytest.raises(ConfigError, match=name):
                Settings.from_env({name: bad})


def test_serve_runs_the_jobs_in_process_on_the_embedded_default_only():
    from xunjian.cli import serve_runs_scheduler

    sqlite, pg = Settings(), Settings(database_url="postgresql://u@h/d")
    assert serve_runs_scheduler(sqlite, False, False) is True
    assert serve_runs_scheduler(sqlite, False, True) is False
    assert serve_runs_scheduler(pg, False, False) is False
    assert serve_runs_scheduler(pg, True, False) is True
    assert serve_runs_scheduler(Settings(database_url="postgresql://u@h/d", run_scheduler=True), False, False) is True
