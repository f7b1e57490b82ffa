import os

from piccolo.conf.apps import AppConfig

from .tables import (
    Finding, FindingExtension, FindingListing, FindingPlan, FindingResponse, FindingVerification,
)

APP_CONFIG = AppConfig(
    app_name="findings",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Finding, FindingResponse, FindingVerification, FindingExtension, FindingListing,
                   FindingPlan],
    migration_dependencies=["xunjian.inspections.piccolo_app", "xunjian.sites.piccolo_app",
                            "xunjian.accounts.piccolo_app", "xunjian.regions.piccolo_app"],
)
