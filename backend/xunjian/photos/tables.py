from piccolo.columns import JSON, UUID, Boolean, DoublePrecision, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from ..accounts.tables import User


class Photo(Table):
    """One uploaded photo: the byte-exact original (evidence) and its derivatives, keyed by the client's UUID."""

    id = UUID(primary_key=True)
    # Evidence outlives accounts: users are deactivated, never deleted with their photos.
    uploader = ForeignKey(User, index=True, on_delete=OnDelete.restrict)
    content_type = Varchar(length=32)
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    width = Integer()
    height = Integer()
    taken_at = Timestamptz(null=True, default=None)
    gps_lat = DoublePrecision(null=True, default=None)
    gps_lng = DoublePrecision(null=True, default=None)
    exif = JSON(null=True, default=None)
    # What the phone measured when the photo was taken (the PWA re-encodes photos, which drops their EXIF): the
    # capture time, the position then, and whether it came from the camera or was picked from the gallery. Claimed by
    # the client, so kept apart from the EXIF fields above; null for uploads that did not say.
    captured_at = Timestamptz(null=True, default=None)
    captured_lat = DoublePrecision(null=True, default=None)
    captured_lng = DoublePrecision(null=True, default=None)
    captured_accuracy_m = DoublePrecision(null=True, default=None)
    origin = Varchar(length=8, null=True, default=None)
    original_key = Varchar(length=200)
    display_key = Varchar(length=200)
    thumb_key = Varchar(length=200)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class PhotoLink(Table):
    """A record that refers to a photo. Access to a photo follows the scope of the records linking it.

    No foreign key to Photo: offline clients may send the record before the photo arrives (or the other way round).
    Which links may be made is decided in links.py.
    `restricted` marks photos of people met on patrols: never shown to institution managers, every view audited.
    """

    photo_id = UUID(index=True)
    entity_type = Varchar(length=32)
    entity_id = Varchar(length=64)
    site_id = Integer(index=True)
    restricted = Boolean(default=False)
    # Who made the link. It grants viewing only while the photo's uploader is this user, so a link made to an id
    # before its photo arrives grants nothing when someone else uploads that id. Null for links made before the
    # column existed whose photo had not arrived (they grant nothing).
    linked_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
