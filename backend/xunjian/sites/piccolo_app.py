import os

from piccolo.conf.apps import AppConfig

from .tables import Site, SiteManager

APP_CONFIG = AppConfig(
    app_name="sites",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Site, SiteManager],
    migration_dependencies=["xunjian.regions.piccolo_app", "xunjian.accounts.piccolo_app"],
)
