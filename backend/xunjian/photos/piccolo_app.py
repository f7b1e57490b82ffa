import os

from piccolo.conf.apps import AppConfig

from .tables import Photo, PhotoLink

APP_CONFIG = AppConfig(
    app_name="photos",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Photo, PhotoLink],
    migration_dependencies=["xunjian.accounts.piccolo_app"],
)
