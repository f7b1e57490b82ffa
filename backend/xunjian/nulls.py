"""An optional query or header parameter is either left out or has a value: the text `null` is neither.

Litestar reads parameters with msgspec's lax conversion, which turns the string "null" (in any case) into None for
an optional type: `?until=null` read as "no until" and `?region=null` as "every region", so a client that serialised
its None silently got a wider answer. Here such a value is refused (422, the uniform error body) for every optional
parameter whose type is not text (a search for the word "null" stays a search), and the OpenAPI stops offering null
as a parameter's value: an optional parameter is one that may be left out, which is how to say "none".
"""

from __future__ import annotations

import dataclasses

from litestar import Litestar, Request
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.enums import ParamType
from litestar.openapi.spec import OpenAPI, Reference, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import ParameterKwarg

from .errors import Invalid

OPT = "xunjian_nullable"  # handler.opt: ((source, name), ...) of the parameters where "null" is refused


def nullable_parameters(handler) -> tuple[tuple[str, str], ...]:
    """The query and header parameters of a handler and of its dependencies (a list's shared filters) that are
    optional and not text, as (source, name sent)."""
    dependencies = handler.resolve_dependencies()
    signatures = [handler.parsed_fn_signature, *(d.parsed_fn_signature for d in dependencies.values())]
    out = []
    for name, field in (item for signature in signatures for item in signature.parameters.items()):
        if name == "data" or name in dependencies or not field.is_optional:
            continue
        if all(t.annotation in (str, type(None)) for t in field.inner_types):
            continue
        kwarg = field.kwarg_definition if isinstance(field.kwarg_definition, ParameterKwarg) else None
        if kwarg and kwarg.header:
            out.append(("header", kwarg.header))
        elif kwarg is None or kwarg.param_type == ParamType.QUERY:
            out.append(("query", (kwarg.query if kwarg else None) or name))
    return tuple(dict.fromkeys(out))


async def refuse_null(request: Request) -> None:
    """The app's before_request hook (it runs after the guards, before the parameters are read)."""
    for source, name in request.route_handler.opt.get(OPT, ()):
        values = request.query_params.getall(name, ()) if source == "query" else request.headers.getall(name, ())
        if any(v.lower() == "null" for v in values):
            message = f"{name}: null is not a value; leave the parameter out instead"
            raise Invalid("The request is not valid", details=[{"message": message, "key": name, "source": source}])


def _without_null(schema: Schema | Reference) -> Schema | Reference:
    if not isinstance(schema, Schema):
        return schema
    if schema.one_of and any(isinstance(s, Schema) and s.type == OpenAPIType.NULL for s in schema.one_of):
        rest = [s for s in schema.one_of if not (isinstance(s, Schema) and s.type == OpenAPIType.NULL)]
        if len(rest) > 1:
            return dataclasses.replace(schema, one_of=rest)
        (only,) = rest
        outer = dataclasses.replace(schema, one_of=None)
        if isinstance(only, Reference):
            return only if outer == Schema() else dataclasses.replace(outer, all_of=[only])
        inner = {f.name: getattr(only, f.name) for f in dataclasses.fields(only) if getattr(only, f.name) is not None}
        return dataclasses.replace(outer, **inner)
    if isinstance(schema.type, list) and OpenAPIType.NULL in schema.type:
        types = [t for t in schema.type if t != OpenAPIType.NULL]
        enum = [v for v in schema.enum if v is not None] if schema.enum else schema.enum
        return dataclasses.replace(schema, type=types[0] if len(types) == 1 else types, enum=enum)
    return schema


def _strip(openapi: OpenAPI) -> OpenAPI:
    for item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch", "head", "options"):
            operation = getattr(item, method, None)
            for parameter in (operation.parameters or []) if operation else []:
                if getattr(parameter, "param_in", None) in (ParamType.QUERY, ParamType.HEADER) and parameter.schema:
                    parameter.schema = _without_null(parameter.schema)
    return openapi


def install(app: Litestar) -> None:
    """Mark each handler's nullable parameters for refuse_null, and build the OpenAPI without null parameters."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if names := nullable_parameters(handler):
                handler.opt[OPT] = names
    # Litestar adds its own OpenAPI plugin (slotted): it becomes this subclass, which builds the same document once,
    # on the first request for the schema, and strips it.
    app.plugins.get(OpenAPIPlugin).__class__ = _NoNullOpenAPIPlugin


class _NoNullOpenAPIPlugin(OpenAPIPlugin):
    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        return _strip(super()._build_openapi())
