"""Deterministic reconstruction of patient rows from marginal counts (masreview.generate.reconstruct)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from masreview.data import paths

from masreview.generate import files, reconstruct
from masreview.data.loading import load_dataset

SOURCE = "li-2025-front-immunol"


def folder():
    return paths.sources_dir() / SOURCE


# --- generic core ---------------------------------------------------------------------------------


def test_patient_ids_are_zero_padded_and_ordered():
    assert reconstruct.patient_ids("R", 3) == ["R01", "R02", "R03"]
    ids = reconstruct.patient_ids("C", 120)
    assert ids[0] == "C001" and ids[-1] == "C120" and ids == sorted(ids)


def test_assign_in_order_blocks_in_declared_order():
    assert reconstruct.assign_in_order(5, {"female": 3, "male": 2}) == ["female"] * 3 + ["male"] * 2
    # the order of the dict is the declared order
    assert reconstruct.assign_in_order(3, {"b": 1, "a": 2}) == ["b", "a", "a"]


def test_assign_in_order_remainder_and_fill():
    assert reconstruct.assign_in_order(5, {"CR": 1, "PR": 2}, remainder="NR") == ["CR", "PR", "PR", "NR", "NR"]
    assert reconstruct.assign_in_order(3, {"x": 1}) == ["x", None, None]


def test_assign_in_order_rejects_counts_above_group_size():
    with pytest.raises(ValueError, match="more than the 4 patients"):
        reconstruct.assign_in_order(4, {"a": 3, "b": 2})
    with pytest.raises(ValueError):
        reconstruct.assign_in_order(4, {"a": -1})


def test_flag_in_order_first_or_last():
    assert reconstruct.flag_in_order(4, 1) == [True, False, False, False]
    assert reconstruct.flag_in_order(4, 2, from_end=True) == [False, False, True, True]
    with pytest.raises(ValueError):
        reconstruct.flag_in_order(3, 4)


def test_marginal_counts():
    assert reconstruct.marginal_counts(["a", "b", "a", None]) == {"a": 2, "b": 1, None: 1}


def _measures(rows):
    cols = ["measure_id", "numerator", "denominator", "locator"]
    return pd.DataFrame(rows, columns=cols)


def test_reconstruct_small_spec_recovers_every_marginal():
    spec = reconstruct.ReconstructionSpec.model_validate({
        "description": "a toy cohort of five",
        "groups": [{
            "group": "ruxolitinib", "id_prefix": "T", "size": {"measure": "n"},
            "columns": [{"column": "sex", "categories": [{"value": "female", "count": {"measure": "f"}},
                                                         {"value": "male", "remainder": True}]}],
            "observations": [{"measure": "response-state", "time": 8, "time_unit": "week",
                              "categories": [{"value": "CR", "count": {"measure": "cr"}},
                                             {"value": "NR", "remainder": True}]}],
            "events": [{"event": "death", "count": {"measure": "surv", "complement": True}, "from_end": True}],
        }],
    })
    m = _measures([("n", 5, None, "s1"), ("f", 4, None, "s2"), ("cr", 2, 5, "s3"), ("surv", 4, 5, "s4")])
    out = reconstruct.reconstruct(spec, m)
    p, o, e = out["patients"], out["observations"], out["events"]
    assert list(p["patient_id"]) == ["T01", "T02", "T03", "T04", "T05"]
    assert reconstruct.marginal_counts(p["sex"]) == {"female": 4, "male": 1}
    assert reconstruct.marginal_counts(o["state"]) == {"CR": 2, "NR": 3}
    assert list(e["patient_id"]) == ["T05"]  # from the end
    assert set(p["origin"]) == {"reconstructed"}
    assert p["locator"].iloc[0] == "reconstructed from measures n, f (s1; s2)"
    assert e["time"].isna().all()


def test_spec_rejects_unknown_vocabulary():
    base = {"description": "bad vocabulary here", "groups": [{"group": "ruxolitinib", "id_prefix": "R",
                                                             "size": {"measure": "n"}}]}
    bad = yaml.safe_load(yaml.safe_dump(base))
    bad["groups"][0]["columns"] = [{"column": "sex", "categories": [{"value": "f", "count": {"measure": "x"}}]}]
    with pytest.raises(ValidationError, match="not in female, male"):
        reconstruct.ReconstructionSpec.model_validate(bad)
    bad = yaml.safe_load(yaml.safe_dump(base))
    bad["groups"][0]["group"] = "placebo"
    with pytest.raises(ValidationError, match="placebo"):
        reconstruct.ReconstructionSpec.model_validate(bad)
    with pytest.raises(ValidationError, match="either count or remainder"):
        reconstruct.Category.model_validate({"value": "CR"})


def test_remainder_must_be_last():
    spec = reconstruct.ReconstructionSpec.model_validate({
        "description": "remainder listed first", "groups": [{
            "group": "ruxolitinib", "id_prefix": "R", "size": {"measure": "n"},
            "columns": [{"column": "sex", "categories": [{"value": "male", "remainder": True},
                                                         {"value": "female", "count": {"measure": "n"}}]}]}]})
    with pytest.raises(ValueError, match="listed last"):
        reconstruct.reconstruct(spec, _measures([("n", 2, None, "s")]))


def test_unknown_measure_reference_is_an_error():
    spec = reconstruct.ReconstructionSpec.model_validate({
        "description": "refers to nothing", "groups": [{"group": "ruxolitinib", "id_prefix": "R",
                                                        "size": {"measure": "zz"}}]})
    with pytest.raises(ValueError, match="'zz'"):
        reconstruct.reconstruct(spec, _measures([("n", 2, None, "s")]))


# --- the files of the source are exactly the reconstruction's output ------------------------------------


def test_source_files_equal_reconstruction_output():
    rendered = files.render(folder(), "reconstruction.yaml")
    assert set(rendered) == {"patients.csv", "observations.csv", "events.csv"}
    for name, text in rendered.items():
        assert (folder() / name).read_text(encoding="utf-8") == text, \
            f"{name} differs from the reconstruction: run python -m masreview generate data/sources/{SOURCE}"


def test_reconstructed_marginals_of_li_front_immunol():
    src = load_dataset().source(SOURCE)
    p = src["patients"]
    rux, ctl = p[p["group"] == "ruxolitinib"], p[p["group"] == "historical-control"]
    assert len(rux) == 20 and len(ctl) == 21
    assert reconstruct.marginal_counts(rux["sex"]) == {"female": 17, "male": 3}
    assert reconstruct.marginal_counts(rux["disease"]) == {"AOSD": 13, "SLE": 4, "other-CTD": 3}
    assert ctl["sex"].isna().all() and ctl["disease"].isna().all()
    assert (p["origin"] == "reconstructed").all()
    assert p["locator"].str.startswith("reconstructed from measures").all()
    o = src["observations"]
    assert reconstruct.marginal_counts(o["state"]) == {"CR": 6, "PR": 10, "NR": 4}
    e = src["events"]
    deaths = e[e["event"] == "death"]
    assert set(deaths["patient_id"]) == {"R20", *(f"C{i}" for i in range(14, 22))}
    assert e["time"].isna().all()
    assert (e["event"] == "cmv-infection").sum() == 4


def test_regenerating_after_a_measure_change_follows_the_measure(tmp_path):
    dst = tmp_path / SOURCE
    shutil.copytree(folder(), dst)
    text = (dst / "measures.csv").read_text(encoding="utf-8")
    text = text.replace("m03,sex,ruxolitinib,female,baseline,,17,", "m03,sex,ruxolitinib,female,baseline,,16,")
    text = text.replace("m04,sex,ruxolitinib,male,baseline,,3,", "m04,sex,ruxolitinib,male,baseline,,4,")
    (dst / "measures.csv").write_text(text, encoding="utf-8")
    rendered = files.render(dst, "reconstruction.yaml")
    assert rendered["patients.csv"] != (folder() / "patients.csv").read_text(encoding="utf-8")
    assert rendered["patients.csv"].count(",female,") == 16
    assert files.generate(dst)
    assert (dst / "patients.csv").read_text(encoding="utf-8").count(",male,") == 4
