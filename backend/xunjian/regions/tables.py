from piccolo.columns import ForeignKey, Varchar
from piccolo.table import Table


class Region(Table):
    """Administrative division: province → prefecture → county → township.

    `path` holds the codes from the root ("/620000/620100/620102/") so that a subtree is one indexed prefix match.
    """

    code = Varchar(length=12, unique=True)
    name = Varchar(length=64)
    level = Varchar(length=16)
    parent = ForeignKey("self", null=True)
    path = Varchar(length=255, index=True)
