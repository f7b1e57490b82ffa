import msgspec


class ChecklistSummary(msgspec.Struct):
    key: str
    version: int  # the current version
    title: str
    site_kind: str
    check_items: int
    versions: list[int]


class ChecklistRead(msgspec.Struct):
    key: str
    version: int
    title: str
    site_kind: str
    template: dict  # the template document (schemas/checklist-template.schema.json)
