import os

from piccolo.conf.apps import AppConfig

from .tables import Inspection, InspectionInspector, InspectionSignature

APP_CONFIG = AppConfig(
    app_name="inspections",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Inspection, InspectionInspector, InspectionSignature],
    migration_dependencies=["xunjian.sites.piccolo_app", "xunjian.accounts.piccolo_app"],
)
