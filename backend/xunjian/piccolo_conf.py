"""Piccolo's configuration module. DB is set by `xunjian.db.bind_engine` from Settings at start-up."""

from piccolo.conf.apps import AppRegistry

DB = None

# Every domain that owns tables is a Piccolo app; the migration runner follows their declared dependencies.
APP_MODULES = [
    "xunjian.regions.piccolo_app",
    "xunjian.accounts.piccolo_app",
    "xunjian.sites.piccolo_app",
    "xunjian.audit.piccolo_app",
    "xunjian.photos.piccolo_app",
    "xunjian.checklists.piccolo_app",
    "xunjian.inspections.piccolo_app",
    "xunjian.findings.piccolo_app",
    "xunjian.documents.piccolo_app",
    "xunjian.patrols.piccolo_app",
    "xunjian.jobs.piccolo_app",
    "xunjian.notifications.piccolo_app",
    "xunjian.escalation.piccolo_app",
    "xunjian.risk.piccolo_app",
    "xunjian.plans.piccolo_app",
]

APP_REGISTRY = AppRegistry(apps=APP_MODULES)
