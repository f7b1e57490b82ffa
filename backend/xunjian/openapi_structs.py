"""Input structs that refuse unknown fields say so in the OpenAPI (`additionalProperties: false`): Litestar's own
struct plugin leaves it out, so generated clients and fuzzers sent extra fields that every such body refuses."""

from __future__ import annotations

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin


class StrictStructSchemaPlugin(StructSchemaPlugin):
    def to_openapi_schema(self, field_definition, schema_creator):
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if msgspec.inspect.type_info(field_definition.type_).forbid_unknown_fields:
            schema.additional_properties = False
        return schema
