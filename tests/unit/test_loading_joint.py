"""The loader validates the tables of all sources together (one pandera call per table kind): the
result must be exactly what validating each file on its own gives, messages and order included."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest

from masreview.data import tables as table_rules
from masreview.data.loading import load_dataset
from masreview.data.model import DataValidationError

from test_loading import make_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BAD_CASES = sorted(p.name for p in (FIXTURES / "bad").iterdir() if p.is_dir())
_spec = importlib.util.spec_from_file_location("bench_synthetic", Path(__file__).resolve().parents[1] /
                                               "bench_synthetic.py")
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)


def _one_by_one(tables, members, results):
    for k in members:
        t, own = tables[k]
        results[k] = table_rules._validate_table(t, own)


def _load(root: Path):
    try:
        return load_dataset(root)
    except DataValidationError as e:
        return [str(i) for i in e.issues]


def _with_case(tmp_path: Path, name: str, n_synthetic: int) -> Path:
    root, _ = make_case(tmp_path, name, prepare=lambda r: synthetic.write_synthetic_sources(r, n_synthetic))
    return root


@pytest.mark.corpus
@pytest.mark.parametrize("name", BAD_CASES)
def test_joint_validation_reports_what_per_file_validation_reports(tmp_path, name, monkeypatch):
    root = _with_case(tmp_path, name, 5)
    (root / "data/sources" / synthetic.synthetic_id(3) / "patients.csv").write_text(
        (root / "data/sources" / synthetic.synthetic_id(3) / "patients.csv").read_text().replace(
            ",ruxolitinib,female,", ",ruxolitinib,femme,", 1))
    joint = _load(root)
    monkeypatch.setattr(table_rules, "_validate_jointly", _one_by_one)
    separate = _load(root)
    assert isinstance(joint, list) and joint == separate


def test_joint_validation_gives_the_same_frames(tmp_path, monkeypatch):
    root = tmp_path / "ok"
    shutil.copytree(FIXTURES / "valid", root)
    synthetic.write_synthetic_sources(root, 8)
    joint = load_dataset(root)
    monkeypatch.setattr(table_rules, "_validate_jointly", _one_by_one)
    separate = load_dataset(root)
    assert list(joint.sources) == list(separate.sources)
    for sid, src in separate.sources.items():
        for name, df in src.tables.items():
            pd.testing.assert_frame_equal(joint.sources[sid][name], df)
            assert joint.sources[sid][name].attrs == df.attrs
