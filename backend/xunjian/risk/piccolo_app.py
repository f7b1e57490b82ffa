import os

from piccolo.conf.apps import AppConfig

from .tables import RiskRating, RiskRollup, RiskRules, RiskSnapshot, SiteRisk

APP_CONFIG = AppConfig(
    app_name="risk",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[SiteRisk, RiskRating, RiskSnapshot, RiskRollup, RiskRules],
    migration_dependencies=["xunjian.sites.piccolo_app", "xunjian.regions.piccolo_app"],
)
