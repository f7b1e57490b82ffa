import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from litestar import Request, Response, Router, get, put
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, HeaderParameter, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ..accounts.principal import Caller
from ..errors import ErrorBody
from . import service
from .rules import FORMATS, NAME_RE
from .schemas import PhotoRead


@dataclass
class _ImageBodyOperation(Operation):
    """The body is raw image bytes, read by the handler as a stream (so the size limit applies while reading)."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        self.request_body = RequestBody(content={ct: binary for ct in FORMATS.values()}, required=True,
                                        description="The photo's bytes; the format is decided by the content")


@put("/api/photos/{photo_id:uuid}", tags=["photos"], request_max_body_size=None, status_code=HTTP_200_OK,
     operation_class=_ImageBodyOperation,
     responses={201: ResponseSpec(data_container=PhotoRead, description="Stored"),
                413: ResponseSpec(data_container=ErrorBody, description="Larger than the size limit"),
                415: ResponseSpec(data_container=ErrorBody, description="Not a JPEG, PNG or WebP image")},
     summary="Upload a photo (JPEG, PNG or WebP bytes as the body); 201 first time, 200 for the same bytes again",
     description="The format is decided by the content. The optional X-Capture-* headers say when, where and how "
                 "the phone took it (its re-encoding drops the EXIF); a replay keeps what the first upload said. 413 past the size limit, 415 not JPEG/PNG/WebP, 422 too many "
                 "pixels or a broken image, 409 other bytes under this id, 503 when the photo store is down.")
async def upload_photo(
    request: Request, principal: Caller, photo_id: FromPath[uuid.UUID],
    capture_time: Annotated[str | None, HeaderParameter(name="X-Capture-Time", required=False, max_length=40,
                                                  description="When the photo was taken, ISO 8601 with an offset "
                                                              "(the phone's clock)")] = None,
    capture_position: Annotated[str | None, HeaderParameter(name="X-Capture-Position", required=False, max_length=60,
                                                      description="Where it was taken: lat,lng[,accuracy in metres]")] = None,
    capture_origin: Annotated[Literal["camera", "gallery"] | None, HeaderParameter(
        name="X-Capture-Origin", required=False,
        description="camera (taken just now) or gallery (picked from the phone's pictures)")] = None,
) -> Response[PhotoRead]:
    settings = request.app.state.settings
    capture = service.capture_of(capture_time, capture_position, capture_origin)
    declared = request.headers.get("content-length")
    data = await service.read_limited(request.stream(), settings.photo_max_bytes,
                                      int(declared) if declared and declared.isdigit() else None)
    photo, created = await service.upload_photo(principal, request.app.state.photo_store, settings, photo_id, data,
                                                  capture)
    return Response(photo, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


@get("/api/photos/{photo_id:uuid}", tags=["photos"],
     summary="A photo's metadata with URLs valid for at most 5 minutes (404 outside your scope)")
async def get_photo(request: Request, principal: Caller, photo_id: FromPath[uuid.UUID]) -> PhotoRead:
    return await service.get_photo(principal, request.app.state.photo_store, photo_id)


@get("/api/photos/{photo_id:uuid}/file/{name:str}", tags=["photos"], media_type="image/jpeg",
     summary="The bytes behind a signed URL of the local photo store (403 when the signature is bad or expired)")
async def photo_file(
    request: Request,
    photo_id: FromPath[uuid.UUID],
    name: Annotated[str, PathParameter(pattern=f"^(?:{NAME_RE})$")],
    v: Annotated[str, QueryParameter(pattern=r"^[0-9a-f]{16}$", description="the object's version")],
    exp: Annotated[str, QueryParameter(description="expiry, Unix seconds")],
    sig: FromQuery[str],
) -> Response[bytes]:
    data, content_type = await service.read_file(
        request.app.state.photo_store, request.app.state.signing_key, photo_id, name, v, exp, sig)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=300"})


router = Router(path="/", route_handlers=[upload_photo, get_photo, photo_file])

