from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from ..accounts.tables import User
from ..regions.tables import Region


class DocumentAuthority(Table):
    """How an issuing authority (a region's bureau) numbers its documents: its abbreviation and, optionally, its own
    format. A region without a row uses the first character of its name and the default format (documents/rules.py)."""

    region = ForeignKey(Region, unique=True)
    abbr = Varchar(length=8)
    number_format = Varchar(length=100, null=True, default=None)


class DocumentSequence(Table):
    """The counter of one authority's numbers per kind and year, unique (authority, kind, year) (hand-written
    migration). It is advanced in the issuing transaction, so a rolled-back issue gives its number back."""

    authority = ForeignKey(Region)
    kind = Varchar(length=32)
    year = Integer()
    last_number = Integer(default=0)


class IssuedDocument(Table):
    """A numbered document as issued: unique (authority, kind, year, serial). `sha256` is the stored PDF's hash,
    once there is one."""

    authority = ForeignKey(Region, index=True)
    kind = Varchar(length=32)
    year = Integer()
    serial = Integer()
    number = Varchar(length=64)
    subject_type = Varchar(length=32)
    subject_id = Varchar(length=64)
    issued_by = ForeignKey(User, null=True, default=None)
    issued_at = Timestamptz()
    sha256 = Varchar(length=64, null=True, default=None)
