from datetime import datetime

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


class TemplateVersionRead(msgspec.Struct):
    key: str
    version: int
    title: str
    site_kind: str
    active: bool
    source: str  # shipped | uploaded
    created_at: datetime
    uploaded_by: str | None
    activated_at: datetime | None


class TemplateVersionList(msgspec.Struct):
    items: list[TemplateVersionRead]


class DiffItem(msgspec.Struct):
    item: str  # the item's key; a repeat group's item as "group.item"
    title: str
    section: str


class DiffChange(msgspec.Struct):
    item: str
    title: str
    changes: dict[str, list]  # field -> [old, new]


class DiffSection(msgspec.Struct):
    section: str
    title: str


class TemplateDiff(msgspec.Struct):
    key: str
    from_version: int
    to_version: int
    added: list[DiffItem]
    removed: list[DiffItem]
    changed: list[DiffChange]
    sections_added: list[DiffSection]
    sections_removed: list[DiffSection]
