import os

from piccolo.conf.apps import AppConfig

from .tables import EscalationStep, SiteDecision

APP_CONFIG = AppConfig(
    app_name="escalation",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[EscalationStep, SiteDecision],
    migration_dependencies=["xunjian.findings.piccolo_app", "xunjian.accounts.piccolo_app",
                            "xunjian.sites.piccolo_app"],
)
