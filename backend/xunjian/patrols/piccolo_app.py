import os

from piccolo.conf.apps import AppConfig

from .tables import Campaign, Encounter, FollowUpCase, Patrol, PersonRecord

APP_CONFIG = AppConfig(
    app_name="patrols",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Campaign, PersonRecord, Patrol, Encounter, FollowUpCase],
    migration_dependencies=["xunjian.regions.piccolo_app", "xunjian.accounts.piccolo_app", "xunjian.sites.piccolo_app"],
)
