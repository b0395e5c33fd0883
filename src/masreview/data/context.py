"""``data/context.yaml``: published figures on other salvage options, each quoted with its source.

Read by the one YAML reader and validated like every other file: a figure must quote its source's
text, name where it stands, and cite a source folder of ``data/sources`` (whose record gives the
citation). The synthesis shows them as context beside the ruxolitinib evidence, never as a comparison.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from masreview.data.model import Dataset, Issue
from masreview.data.readers import read_model
from masreview.data.sourcefields import CODE, TEXT

FILE = "data/context.yaml"


class ContextFigure(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    treatment: str = Field(min_length=2, description="The treatment the figure is about")
    figure: str = Field(min_length=5, description="The figure in a reader's words (numbers as printed)")
    quote: str = Field(min_length=5, json_schema_extra=TEXT, description="The sentence of the source that prints it, verbatim")
    locator: str = Field(min_length=3, description="Where the sentence stands (e.g. 'abstract, results, sentence 5')")
    source: str = Field(json_schema_extra=CODE, description="The source folder (data/sources/<id>) of the publication")

    @field_validator("quote")
    @classmethod
    def _numbers_quoted(cls, quote: str, info: ValidationInfo) -> str:
        import re

        figure = info.data.get("figure") or ""
        missing = [n for n in re.findall(r"\d+(?:\.\d+)?", figure) if n not in quote]
        if missing:
            raise ValueError(f"figure gives {', '.join(missing)}, which the quote does not print")
        return quote


def read_context(root: Path, ds: Dataset | None, issues: list[Issue]) -> list[ContextFigure]:
    """The figures of ``data/context.yaml`` (an empty list when the file is absent)."""
    path = Path(root) / FILE
    if not path.exists():
        return []
    figures = read_model(path, ContextFigure, root, issues, many="list")
    if figures is None:
        return []
    if ds is not None:
        for i, f in enumerate(figures):
            if f.source not in ds.sources:
                issues.append(Issue(FILE, f"entry {i + 1}: source '{f.source}' is not a folder of data/sources",
                                    column=f"{i}.source"))
    return figures
