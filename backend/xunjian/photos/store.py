"""Where photo bytes live: a local folder (embedded default) or S3 through the minio SDK (MinIO in deployment).

Both give the same contract (tests/integration/photos/test_store_contract.py): put, get, delete, list, a URL that
works for at most five minutes, and ping. Every blocking call runs in a worker thread.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import anyio

from ..config import Settings
from . import rules

log = logging.getLogger("xunjian.photos.store")


# Files being written by LocalPhotoStore.put, renamed into place when complete.
TEMPORARY_PREFIX = ".upload-"


class StoreUnavailable(Exception):
    """The store cannot be reached or refused to work; the caller answers 503."""


class InvalidKey(ValueError):
    pass


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


def _check_key(key: str) -> str:
    # Only our own key shapes (a photo's objects, an issued document's PDF): no traversal, no surprises in names.
    if rules.parse_key(key) is None and not rules.is_document_key(key):
        raise InvalidKey(f"Not a photo or document object key: {key!r}")
    return key


class PhotoStore(ABC):
    kind: str

    @abstractmethod
    async def start(self) -> None:
        """Prepare the store (folder, bucket). Raises StoreUnavailable when it cannot be reached."""

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    @abstractmethod
    async def get(self, key: str) -> bytes:
        """The object's bytes; KeyError when there is none."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    @abstractmethod
    async def list(self) -> list[StoredObject]: ...

    @abstractmethod
    async def url(self, key: str, now: datetime, ttl: timedelta = rules.URL_TTL) -> str:
        """A URL that serves the object for min(ttl, 5 minutes)."""

    @abstractmethod
    async def ping(self) -> bool: ...

    async def delete_many(self, keys) -> None:
        for key in keys:
            await self.delete(key)

    async def sweep_temporary(self, before: datetime) -> int:
        """Remove what interrupted writes left behind, last touched before `before`; how many. Nothing by default:
        an object store writes an object whole or not at all."""
        return 0


# ---------------------------------------------------------------- local folder

class LocalPhotoStore(PhotoStore):
    """Files under settings.photo_dir; URLs are the app's own, HMAC-signed with an expiry."""

    kind = "local"

    def __init__(self, root: Path, secret: bytes):
        self.root = Path(root)
        self.secret = secret

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    async def start(self) -> None:
        try:
            await anyio.to_thread.run_sync(lambda: self.root.mkdir(parents=True, exist_ok=True))
        except OSError as exc:
            raise StoreUnavailable(f"Photo folder {self.root} is not usable: {exc}") from exc

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, path)  # readers never see half a file
            except BaseException:
                with _suppress():
                    os.unlink(tmp)
                raise

        try:
            await anyio.to_thread.run_sync(write)
        except OSError as exc:
            raise StoreUnavailable(f"Cannot write to the photo folder: {exc}") from exc

    async def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await anyio.to_thread.run_sync(path.read_bytes)
        except FileNotFoundError:
            raise KeyError(key) from None
        except OSError as exc:
            raise StoreUnavailable(f"Cannot read the photo folder: {exc}") from exc

    async def delete(self, key: str) -> None:
        path = self._path(key)

        try:
            await anyio.to_thread.run_sync(_remove, path)
        except OSError as exc:
            raise StoreUnavailable(f"Cannot delete from the photo folder: {exc}") from exc

    async def sweep_temporary(self, before: datetime) -> int:
        """A process killed in the middle of `put` leaves its temporary file; one last written before `before` is no
        longer being written (an upload takes seconds, and the caller leaves an hour's grace)."""
        cutoff = before.timestamp()

        def sweep() -> int:
            removed = 0
            for path in self.root.glob(f"*/*/{TEMPORARY_PREFIX}*"):
                with _suppress():
                    if path.is_file() and path.stat().st_mtime < cutoff:
                        _remove(path)
                        removed += 1
            return removed

        try:
            return await anyio.to_thread.run_sync(sweep)
        except OSError as exc:
            raise StoreUnavailable(f"Cannot sweep the photo folder: {exc}") from exc

    async def list(self) -> list[StoredObject]:
        def walk() -> list[StoredObject]:
            out = []
            if not self.root.is_dir():
                return out
            for path in self.root.glob("*/*/*"):
                if not path.is_file():
                    continue
                st = path.stat()
                out.append(StoredObject(path.relative_to(self.root).as_posix(), st.st_size,
                                        datetime.fromtimestamp(st.st_mtime, timezone.utc)))
            return out

        try:
            return await anyio.to_thread.run_sync(walk)
        except OSError as exc:
            raise StoreUnavailable(f"Cannot list the photo folder: {exc}") from exc

    async def url(self, key: str, now: datetime, ttl: timedelta = rules.URL_TTL) -> str:
        photo, _, name = rules.parse_key(_check_key(key))
        return f"/api/photos/{photo}/file/{name}?" + urlencode(rules.signed_query(self.secret, key, now, ttl))

    async def ping(self) -> bool:
        def check() -> bool:
            return self.root.is_dir() and os.access(self.root, os.W_OK)

        return await anyio.to_thread.run_sync(check)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    for parent in (path.parent, path.parent.parent):  # drop emptied version and photo folders
        with _suppress():
            parent.rmdir()


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return exc_type is not None and issubclass(exc_type, OSError)


# ---------------------------------------------------------------- S3 / MinIO

class S3PhotoStore(PhotoStore):
    """A private bucket (created when missing; a public policy found on it is removed). URLs are presigned GETs."""

    kind = "s3"

    def __init__(self, endpoint: str, access_key: str | None, secret_key: str | None, bucket: str,
                 *, secure: bool = False, region: str = "us-east-1", timeout: float = 5.0):
        import urllib3
        from minio import Minio

        parts = urlsplit(endpoint if "://" in endpoint else f"{'https' if secure else 'http'}://{endpoint}")
        self.bucket = bucket
        self._ready = False
        # Few retries and short timeouts: an unreachable store must turn into a quick 503, not a hung upload.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout, read=timeout * 6),
            retries=urllib3.Retry(total=1, backoff_factor=0.1, status_forcelist=[502, 503, 504]),
            maxsize=16,
        )
        self.client = Minio(parts.netloc, access_key=access_key, secret_key=secret_key,
                            secure=parts.scheme == "https", region=region, http_client=http)

    async def _call(self, fn, *args, **kwargs):
        from minio.error import MinioException
        from urllib3.exceptions import HTTPError

        try:
            return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))
        except (HTTPError, OSError) as exc:
            raise StoreUnavailable(f"The photo store cannot be reached: {exc}") from exc
        except MinioException as exc:
            if getattr(exc, "code", None) in {"NoSuchKey", "NoSuchObject"}:
                raise KeyError(args[1] if len(args) > 1 else "") from None
            raise StoreUnavailable(f"The photo store refused: {exc}") from exc

    def _ensure_bucket(self) -> None:
        from minio.error import S3Error

        if not self.client.bucket_exists(self.bucket):
            try:
                self.client.make_bucket(self.bucket)
            except S3Error as exc:
                if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise
        try:
            policy = self.client.get_bucket_policy(self.bucket)
        except S3Error as exc:
            # No policy, or a server without bucket policies at all (then nothing can make the bucket public by one).
            if exc.code not in {"NoSuchBucketPolicy", "NotImplemented", "MethodNotAllowed"}:
                raise
            policy = ""
        if policy and _is_public(policy):
            log.warning("Bucket %s had a public policy; removing it (photos are never public)", self.bucket)
            self.client.delete_bucket_policy(self.bucket)

    async def start(self) -> None:
        await self._call(self._ensure_bucket)
        self._ready = True

    async def _ready_bucket(self) -> None:
        if not self._ready:
            await self.start()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        _check_key(key)
        await self._ready_bucket()
        await self._call(self.client.put_object, self.bucket, key, io.BytesIO(data), len(data),
                         content_type=content_type)

    async def get(self, key: str) -> bytes:
        _check_key(key)

        def read() -> bytes:
            response = self.client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await self._call(read)

    async def delete(self, key: str) -> None:
        _check_key(key)
        await self._call(self.client.remove_object, self.bucket, key)

    async def list(self) -> list[StoredObject]:
        def walk() -> list[StoredObject]:
            return [
                StoredObject(o.object_name, o.size or 0, o.last_modified or datetime.now(timezone.utc))
                for o in self.client.list_objects(self.bucket, recursive=True)
            ]

        await self._ready_bucket()
        return await self._call(walk)

    async def url(self, key: str, now: datetime, ttl: timedelta = rules.URL_TTL) -> str:
        _check_key(key)
        ttl = min(ttl, rules.URL_TTL)
        # Signed locally (the region is configured, so the SDK makes no request); `now` fixes the signing time.
        return await self._call(self.client.presigned_get_object, self.bucket, key, expires=ttl, request_date=now)

    async def ping(self) -> bool:
        try:
            await self._call(self.client.bucket_exists, self.bucket)
        except StoreUnavailable:
            return False
        return True


def _is_public(policy: str) -> bool:
    try:
        statements = json.loads(policy).get("Statement", [])
    except (ValueError, AttributeError):
        return True  # unreadable: treat as unsafe
    for st in statements if isinstance(statements, list) else [statements]:
        principal = st.get("Principal")
        anyone = principal == "*" or (isinstance(principal, dict) and "*" in (
            principal.get("AWS") if isinstance(principal.get("AWS"), list) else [principal.get("AWS")]))
        if st.get("Effect") == "Allow" and anyone:
            return True
    return False


def make_store(settings: Settings) -> PhotoStore:
    """S3 when XUNJIAN_S3_ENDPOINT is set, the local folder otherwise."""
    if settings.uses_s3:
        return S3PhotoStore(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                            settings.s3_bucket, secure=settings.s3_secure, region=settings.s3_region)
    return LocalPhotoStore(settings.photo_dir, settings.signing_key())
