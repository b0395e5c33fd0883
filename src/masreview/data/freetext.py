"""Which fields of the data are free text: written by people, shown to readers, never trusted.

Read from the schemas, so that a field added later is free text unless it says otherwise: a CSV column
of kind ``str`` with no vocabulary, no pattern and not marked ``code`` (:func:`free_text_columns`), and a
text field of a YAML record (or a list of texts) with no pattern, no field validator and not marked
:data:`masreview.data.sourcefields.CODE`, or marked :data:`~masreview.data.sourcefields.TEXT` (:func:`free_text_fields`). Links, DOIs, dates and ids all have a
pattern or a validator. The hostile-text test of the site puts a payload in every one of them.
"""

from __future__ import annotations

import types
import typing

from pydantic import BaseModel

from masreview.data.schema import CODE, TableSpec
from masreview.data.sourcefields import TEXT


def free_text_columns(spec: TableSpec) -> list[str]:
    """Columns of a table that hold text for readers."""
    return [c.name for c in spec.columns
            if c.kind == "str" and c.vocabulary is None and c.pattern is None and not c.code]


def free_text_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of every free-text field of a record model, nested records included (``*``: every item of a
    list of records)."""
    checked = {f for d in model.__pydantic_decorators__.field_validators.values() for f in d.info.fields}
    out: list[tuple[str, ...]] = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        if typing.get_origin(ann) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            ann = args[0] if len(args) == 1 else ann
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += free_text_fields(ann, prefix + (name,))
            continue
        if typing.get_origin(ann) is list:
            (item,) = typing.get_args(ann)
            if isinstance(item, type) and issubclass(item, BaseModel):
                out += [prefix + (name, "*") + p for p in free_text_fields(item)]
                continue
            ann = item if item is str else None
        if ann is str and info.json_schema_extra == TEXT:  # text for readers whose content a validator checks
            out.append(prefix + (name,))
            continue
        if ann is not str or name in checked or info.json_schema_extra == CODE:
            continue
        if any(getattr(m, "pattern", None) for m in info.metadata):
            continue
        out.append(prefix + (name,))
    return out
