import os

from piccolo.conf.apps import AppConfig

from .tables import LoginThrottle, User, UserRegion, UserSession

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[User, UserRegion, UserSession, LoginThrottle],
    migration_dependencies=["xunjian.regions.piccolo_app"],
)
