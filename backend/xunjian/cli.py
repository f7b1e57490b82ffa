"""The `xunjian` command: serve, migrate, demo, create-user (and the jobs' commands, registered by their domains)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import socket
import sys

from . import db
from .config import Settings
from .errors import AppError, ConfigError


# Libraries that narrate at INFO: their lines (job store additions, each request, uvicorn's start-up steps) come only
# at XUNJIAN_LOG_LEVEL=DEBUG, so that what a start prints is the URL, the logins and real warnings.
CHATTY_LOGGERS = ("apscheduler", "piccolo", "uvicorn.error", "uvicorn.access")


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    quiet = logging.DEBUG if level.upper() == "DEBUG" else max(logging.WARNING, logging.getLogger().level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(quiet)


async def _with_engine(settings: Settings, fn):
    from .accounts.service import configure_hasher
    from .patrols import pii

    engine = db.make_engine(settings)
    db.bind_engine(engine)
    configure_hasher(settings)
    pii.configure(settings)
    await db.prepare(engine, 5)
    try:
        await db.ensure_migrated(engine)
        await pii.check_keys()
        return await fn()
    finally:
        await db.shutdown(engine)


def cmd_migrate(settings: Settings, _args) -> int:
    engine = db.make_engine(settings)

    async def run():
        await db.prepare(engine, 5)
        try:
            return await db.migrate(engine)
        finally:
            await db.shutdown(engine)

    applied = asyncio.run(run())
    print(f"Database is up to date ({applied} migrations applied)." if applied else "Database is up to date.")
    return 0


def cmd_demo(settings: Settings, _args) -> int:
    from . import demo

    cmd_migrate(settings, _args)
    summary = asyncio.run(_with_engine(settings, lambda: demo.load(settings)))
    print(summary)
    return 0


def cmd_create_user(settings: Settings, args) -> int:
    from .accounts import service
    from .accounts.schemas import UserCreate

    password = args.password or getpass.getpass("Password: ")
    data = UserCreate(
        username=args.username, password=password, role=args.role, display_name=args.display_name or "",
        region_ids=[], site_ids=[], personal_data=args.personal_data,
    )

    async def run():
        from .regions.tables import Region
        from .sites.tables import Site

        regions = [r["id"] for r in await Region.select(Region.id).where(Region.code.is_in(args.region or []))] \
            if args.region else []
        sites = [s["id"] for s in await Site.select(Site.id).where(Site.code.is_in(args.site or []))] \
            if args.site else []
        import msgspec

        user = await service.create_user(None, msgspec.structs.replace(data, region_ids=regions, site_ids=sites))
        return user

    user = asyncio.run(_with_engine(settings, run))
    print(f"Created {user.username} ({user.role}{', personal-data grant' if user.personal_data else ''}), id {user.id}")
    return 0


def serve_runs_scheduler(settings: Settings, scheduler: bool, no_scheduler: bool) -> bool:
    """The embedded default (SQLite, one process) runs the jobs in-process; a PostgreSQL deployment runs them in the
    separate `xunjian scheduler` process unless asked otherwise."""
    if no_scheduler:
        return False
    return scheduler or settings.run_scheduler or not settings.is_postgres


def _listen(host: str, port: int) -> socket.socket:
    """Bind before anything else, so that a taken port is one line, not a traceback after a start-up message."""
    try:
        return socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                    reuse_port=False)
    except OSError as exc:
        raise ConfigError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from None


class _QuietStartupFailure(logging.Filter):
    """Uvicorn logs a failed start-up with the whole traceback; `serve` says the reason in one line instead."""

    def __init__(self, server):
        super().__init__()
        self.server = server

    def filter(self, record: logging.LogRecord) -> bool:
        return self.server.started or record.levelno < logging.ERROR


def cmd_serve(settings: Settings, args) -> int:
    import uvicorn

    from .app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    sock = _listen(host, port)
    if not settings.is_postgres:
        # The embedded default needs no separate step: bring its database up to date first (idempotent).
        cmd_migrate(settings, args)
    settings = settings.with_(run_scheduler=serve_runs_scheduler(settings, args.scheduler, args.no_scheduler))
    app = create_app(settings)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.started:
                from .demo import present_logins

                # Last, so that it is what a person sees: the URL, and the demo logins when the demo is loaded.
                print(f"Xunjian is serving at http://{host}:{port}/  (API docs: http://{host}:{port}/schema)",
                      flush=True)
                logins = await present_logins(settings)
                if logins:
                    print(logins, flush=True)

    # Forwarded headers are not uvicorn's to trust: the client address comes from accounts.auth (trusted proxies).
    server = Server(uvicorn.Config(app, log_config=None, proxy_headers=False, server_header=False, lifespan="on"))
    quiet = _QuietStartupFailure(server)
    logging.getLogger("uvicorn.error").addFilter(quiet)
    try:
        server.run(sockets=[sock])
    except SystemExit:
        if server.started:
            raise
        error = getattr(app.state, "startup_error", None)
        reason = " ".join(str(error).split())  # one line, whatever the driver's message looked like
        raise ConfigError(f"Cannot start: {reason}" if error else "Cannot start (see the log above)") from None
    finally:
        logging.getLogger("uvicorn.error").removeFilter(quiet)
        sock.close()
    return 0


COMMANDS = {
    "serve": cmd_serve,
    "migrate": cmd_migrate,
    "demo": cmd_demo,
    "create-user": cmd_create_user,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xunjian", description="Xunjian 巡检: field inspection and risk system")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the API and the PWA")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--scheduler", action="store_true",
                   help="run the scheduled jobs in this process (the default on SQLite)")
    p.add_argument("--no-scheduler", action="store_true", help="never run the scheduled jobs in this process")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("demo", help="load demo regions, sites and users (idempotent)")
    p = sub.add_parser("create-user", help="create an account")
    p.add_argument("username")
    p.add_argument("--role", required=True,
                   choices=["inspector", "manager", "supervisor", "admin", "lottery_centre"])
    p.add_argument("--password", help="prompted for when omitted")
    p.add_argument("--display-name")
    p.add_argument("--region", action="append",
                   help="region code (inspectors, supervisors, lottery centres); repeatable")
    p.add_argument("--site", action="append", help="site code (managers); repeatable")
    p.add_argument("--personal-data", action="store_true",
                   help="give the personal-data grant (persons, the people met on patrols, the access review); "
                        "audited")
    for extend in EXTENSIONS:
        extend(sub)
    return parser


# Domains add their own subcommands: each entry takes the subparsers object and registers into COMMANDS.
EXTENSIONS: list = []


def _jobs_commands(sub) -> None:
    from .jobs.cli import extend

    extend(sub, COMMANDS)  # this module's COMMANDS, also when run as `python -m xunjian.cli`


EXTENSIONS.append(_jobs_commands)


def _pii_commands(sub) -> None:
    from .patrols.pii_cli import extend

    extend(sub, COMMANDS)


EXTENSIONS.append(_pii_commands)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        setup_logging(settings.log_level)
        return COMMANDS[args.command](settings, args)
    except (ConfigError, AppError) as exc:
        print(f"xunjian: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
