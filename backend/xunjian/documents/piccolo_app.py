import os

from piccolo.conf.apps import AppConfig

from .tables import DocumentAuthority, DocumentSequence, IssuedDocument

APP_CONFIG = AppConfig(
    app_name="documents",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[DocumentAuthority, DocumentSequence, IssuedDocument],
    migration_dependencies=["xunjian.regions.piccolo_app", "xunjian.accounts.piccolo_app"],
)
