"""Developer tool: write an auto migration for one app (`python scripts/new_migration.py sites`)."""

import asyncio
import os
import sys
import tempfile

from piccolo.apps.migrations.commands.new import new
from piccolo.engine.sqlite import SQLiteEngine

from xunjian import piccolo_conf

os.environ["PICCOLO_CONF"] = "xunjian.piccolo_conf"

piccolo_conf.DB = SQLiteEngine(path=tempfile.mktemp(suffix=".sqlite3"))
asyncio.run(new(app_name=sys.argv[1], auto=True, desc=sys.argv[2] if len(sys.argv) > 2 else ""))
