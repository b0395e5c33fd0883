"""The contract of a source folder, generated from the schema for the contributing chapter: every field of
``source.yaml`` (:class:`masreview.data.schema.SourceRecord`) and of the generator specs
(``reconstruction.yaml``, ``trajectories.yaml``: :data:`masreview.data.specs.SPEC_FILES`), with its
meaning (the pydantic ``Field`` description), whether it is required and its valid values.

    record_reference()           # one row per field of source.yaml, nested fields as a.b
    spec_reference("reconstruction.yaml")
    field_paths(model)           # the dotted names only (what the tests compare with the chapter)
"""

from __future__ import annotations

import types
import typing

import pandas as pd
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from masreview.data import schema
from masreview.data.specs import SPEC_FILES

_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _parts(annotation) -> tuple[list, bool]:
    """The member types of an annotation (Optional and list unwrapped) and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members, is_list = [], False
        for a in typing.get_args(annotation):
            if a is type(None):
                continue
            m, lst = _parts(a)
            members += m
            is_list = is_list or lst
        return members, is_list
    if origin is list:
        return _parts(typing.get_args(annotation)[0])[0], True
    return [annotation], False


def _values(members: list) -> str:
    out = []
    for m in members:
        if typing.get_origin(m) is typing.Literal:
            out.append("one of: " + ", ".join(str(a) for a in typing.get_args(m)))
        elif isinstance(m, type) and issubclass(m, BaseModel):
            out.append("the fields below")
        elif typing.get_origin(m) is typing.Annotated:
            out.append("a date YYYY-MM-DD")
        else:
            out.append(_WORDS.get(m, getattr(m, "__name__", str(m))))
    return " or ".join(dict.fromkeys(out))


def _rows(model: type[BaseModel], prefix: str = "") -> list[dict]:
    rows = []
    for name, f in model.model_fields.items():
        members, is_list = _parts(f.annotation)
        path = prefix + name + ("[]" if is_list and any(isinstance(m, type) and issubclass(m, BaseModel)
                                                        for m in members) else "")
        required = f.is_required()
        default = f.default if f.default is not PydanticUndefined and f.default not in (None, [], "") else None
        rows.append({"field": path, "meaning": f.description or (model.__doc__ or "").strip().split("\n")[0],
                     "required": "required" if required else ("optional" + (f" (default {default})"
                                                                           if isinstance(default, (str, bool, int))
                                                                           else "")),
                     "valid values": ("a list of " if is_list else "") + _values(members)})
        for m in members:
            if isinstance(m, type) and issubclass(m, BaseModel):
                rows += _rows(m, path + ".")
    return rows


def record_reference() -> pd.DataFrame:
    """Every field of source.yaml: field (dotted), meaning, required, valid values."""
    rows = _rows(schema.SourceRecord)
    late = tuple(schema.SourceContext.model_fields)  # inherited fields: listed after the record's own
    rows = [r for r in rows if r["field"].split(".")[0] not in late] + \
           [r for r in rows if r["field"].split(".")[0] in late]
    return pd.DataFrame(rows, columns=["field", "meaning", "required", "valid values"])


def spec_reference(file: str) -> pd.DataFrame:
    """Every field of a generator spec (``reconstruction.yaml`` or ``trajectories.yaml``)."""
    return pd.DataFrame(_rows(SPEC_FILES[file]), columns=["field", "meaning", "required", "valid values"])


def field_paths(model: type[BaseModel]) -> list[str]:
    """Dotted names of every field of ``model`` (nested models included)."""
    return [r["field"] for r in _rows(model)]
