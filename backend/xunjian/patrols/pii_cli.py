"""`xunjian pii new-key` and `xunjian pii encrypt-existing`."""

from __future__ import annotations

import asyncio
import json

from .. import cli
from ..config import Settings


def cmd_pii(settings: Settings, args) -> int:
    from . import crypto, pii

    if args.pii_command == "new-key":
        print(crypto.new_key())  # for XUNJIAN_PII_KEY; printed, never stored anywhere by us
        return 0
    counts = asyncio.run(cli._with_engine(settings, pii.encrypt_existing))
    print(json.dumps(counts, ensure_ascii=False, indent=2))
    return 0


def extend(sub, commands: dict) -> None:
    p = sub.add_parser("pii", help="the key of personal data at rest")
    pii_sub = p.add_subparsers(dest="pii_command", required=True)
    pii_sub.add_parser("new-key", help="print a new random key for XUNJIAN_PII_KEY")
    pii_sub.add_parser("encrypt-existing",
                       help="seal every value of people met on patrols not sealed under XUNJIAN_PII_KEY (rows from "
                            "before encryption, or under XUNJIAN_PII_KEY_OLD after a rotation); idempotent")
    commands["pii"] = cmd_pii
