"""TimelineSynthesizer on PBC sequential data: rules, reproducibility, save/load, amplification, conditions."""

import json

import numpy as np
import pytest

from pharmasynth.ehr import TimelineSynthesizer, validate
from pharmasynth.errors import NotFittedError, UsageError


def test_samples_obey_the_rules(pbc_model):
    syn = pbc_model.sample(2000, random_state=1)
    validate(syn, on_error="raise")  # ids known, nothing after follow-up or death, no duplicates
    st = syn.static.set_index("id")
    ev = syn.events.join(st[["futime", "status"]], on="id")
    assert (ev["day"] <= ev["futime"]).all()
    me = syn.measurements.join(st[["futime"]], on="id")
    assert (me["day"] <= me["futime"]).all()
    for test, lab in pbc_model.labs_.items():
        v = syn.measurements.loc[syn.measurements["test"] == test, "value"]
        assert v.between(*lab.range_).all(), test
    assert set(syn.static.columns) == {"id", "futime", "status", "age", "male", "trt"}
    assert set(syn.events["event"]) <= set(pbc_model.types_)


def test_fidelity_of_basic_rates(pbc, pbc_model):
    syn = pbc_model.sample(3000, random_state=2)
    # deaths per patient and events per patient within a few Monte-Carlo SEs of the real ones
    real_death, syn_death = pbc.static["status"].mean(), syn.static["status"].mean()
    se = np.sqrt(real_death * (1 - real_death) / pbc.n_patients)
    assert abs(real_death - syn_death) < 3 * se
    for e in pbc_model.types_:
        p_real = (pbc.events["event"] == e).sum() / pbc.n_patients
        p_syn = (syn.events["event"] == e).sum() / syn.n_patients
        assert abs(p_real - p_syn) < 3 * np.sqrt(p_real * (1 - p_real) / pbc.n_patients) + 0.02, e


def test_same_seed_same_timelines_and_save_load(pbc_model, tmp_path):
    a, b = pbc_model.sample(300, random_state=7), pbc_model.sample(300, random_state=7)
    assert a.events.equals(b.events) and a.measurements.equals(b.measurements) and a.static.equals(b.static)
    c = pbc_model.sample(300, random_state=8)
    assert not a.static.equals(c.static)
    pbc_model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors", "statics"]
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert cfg["class"] == "TimelineSynthesizer" and cfg["n_train"] == 312
    loaded = TimelineSynthesizer.load(tmp_path / "m")
    d = loaded.sample(300, random_state=7)
    assert d.events.equals(a.events) and d.measurements.equals(a.measurements)


def test_saved_model_holds_no_patient_records(pbc, pbc_model, tmp_path):
    from safetensors.numpy import load_file

    pbc_model.save(tmp_path / "m")
    tensors = load_file(str(tmp_path / "m" / "model.safetensors"))
    n = pbc.n_patients
    assert all(n not in t.shape for t in tensors.values())  # nothing per patient
    assert max(t.size for t in tensors.values()) < 2000


def test_rare_event_amplification_is_stated(pbc_model):
    base = pbc_model.sample(3000, random_state=3)
    amp = pbc_model.sample(3000, amplify={"ascites": 10}, random_state=3)
    n_base = (base.events["event"] == "ascites").sum()
    n_amp = (amp.events["event"] == "ascites").sum()
    assert n_amp > 2 * n_base
    rows = amp.events[(amp.events["event"] == "ascites") & (amp.events["day"] > 0)]
    assert (rows["amplification"] == 10).all()
    assert (amp.events.loc[amp.events["event"] != "ascites", "amplification"] == 1).all()
    assert pbc_model.sampling_report_["amplification"] == {"ascites": 10.0}
    assert "NOT the population" in pbc_model.sampling_report_["note"]
    with pytest.raises(UsageError, match="not an event type"):
        pbc_model.sample(10, amplify={"MI": 10})
    with pytest.raises(UsageError, match="must be > 0"):
        pbc_model.sample(10, amplify={"ascites": 0})


def test_conditional_sampling(pbc_model):
    syn = pbc_model.sample(500, conditions={"male": 1}, random_state=4)
    assert (syn.static["male"] == 1).all()


def test_not_fitted():
    with pytest.raises(NotFittedError):
        TimelineSynthesizer().sample(5)


def test_no_events_is_a_clear_error(pbc):
    import dataclasses

    empty = dataclasses.replace(pbc, events=pbc.events.iloc[:0])
    with pytest.raises(UsageError, match="no events"):
        TimelineSynthesizer().fit(empty)


def test_a_folder_of_another_layout_is_refused(pbc_model, tmp_path):
    from pharmasynth.errors import CheckpointError

    pbc_model.save(tmp_path / "m")
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    cfg["ehr_layout"] = 1
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="fit it again"):
        TimelineSynthesizer.load(tmp_path / "m")
