import os

from piccolo.conf.apps import AppConfig

from .tables import Campaign, Encounter, EncounterCount, FollowUpCase, Patrol, PersonRecord, PiiKey

APP_CONFIG = AppConfig(
    app_name="patrols",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Campaign, PersonRecord, Patrol, Encounter, FollowUpCase, EncounterCount, PiiKey],
    migration_dependencies=["xunjian.regions.piccolo_app", "xunjian.accounts.piccolo_app", "xunjian.sites.piccolo_app"],
)
