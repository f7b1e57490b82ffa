import os

from piccolo.conf.apps import AppConfig

from .tables import ChecklistTemplate

APP_CONFIG = AppConfig(
    app_name="checklists",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[ChecklistTemplate],
    migration_dependencies=[],
)
