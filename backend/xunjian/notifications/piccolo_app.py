import os

from piccolo.conf.apps import AppConfig

from .tables import Notification, NotificationMute, WebhookAttempt, WebhookDelivery, WebhookSubscription

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Notification, NotificationMute, WebhookSubscription, WebhookDelivery, WebhookAttempt],
    migration_dependencies=["xunjian.accounts.piccolo_app", "xunjian.regions.piccolo_app"],
)
