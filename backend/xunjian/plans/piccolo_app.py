import os

from piccolo.conf.apps import AppConfig

from .tables import Plan, PlanConflict, PlanDraw, PlanTask

APP_CONFIG = AppConfig(
    app_name="plans",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Plan, PlanDraw, PlanTask, PlanConflict],
    migration_dependencies=["xunjian.accounts.piccolo_app", "xunjian.regions.piccolo_app",
                            "xunjian.sites.piccolo_app"],
)
