"""The augmentation workflow end to end with a tiny generator (real classifier, real filters)."""

import json

import numpy as np
import pytest

from pharmasynth.imaging import augment_rare_class, augmentation_report
from pharmasynth.imaging.augment import FewSeedsWarning, NothingKeptWarning


def _data(n_per, seed, size=16):
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c, n in enumerate(n_per):
        x = rng.normal(0, 0.3, (n, 1, size, size))
        x[:, :, c * 4:(c * 4) + 4, :] += 1.0  # a class-specific bright band
        xs.append(np.clip(x, -1, 1)); ys.append(np.full(n, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


XTR, YTR = _data([30, 30, 4], 0)
XTE, YTE = _data([15, 15, 15], 1)
NAMES = ["a", "b", "lesion"]


def gen(n, label, seed):
    x, _ = _data([0, 0, n] if label == 2 else [n, 0, 0], 100 + seed)
    return np.concatenate([x[:-2], XTR[YTR == 2][:2]])  # two exact copies of training images


@pytest.fixture(scope="module")
def result():
    with pytest.warns(FewSeedsWarning, match="2 classifier seed"):
        return augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), rare="lesion", k=5, model=gen,
                                  seeds=(0, 1), n_bootstrap=50, classifier_kwargs={"epochs": 12})


def test_augmentation_end_to_end_with_a_tiny_generator(result):
    d = result.to_dict()
    assert d["filter_counts"]["generated"] == 20
    assert d["filter_counts"]["after_near_copy_filter"] == 18  # the two copies are dropped
    for arm in ("real_only", "real_plus_synthetic"):
        r = d[arm]["per_class_recall"]["lesion"]
        assert r["ci_low"] <= r["value"] <= r["ci_high"]
        assert 0 <= d[arm]["balanced_accuracy"]["value"] <= 1
    assert d["real_plus_synthetic"]["n_train"] == 64 + d["filter_counts"]["after_classifier_filter"]
    # no simulator given: classic augmentation is the comparator, k x n_rare = 20 extra images
    assert d["real_plus_oracle"] is None and d["real_plus_classic"]["n_train"] == 64 + 20
    frac = d["fraction_of_classic_gain"]
    assert set(frac) == {"a", "b", "lesion", "balanced_accuracy"}
    assert set(frac["lesion"]) >= {"value", "ci_low", "ci_high"}
    assert len(d["real_only"]["per_seed"]) == 2 and d["real_only"]["per_seed"][1]["seed"] == 1
    assert d["verdict"].startswith(("no measurable gain", "measurable"))


def test_result_shape_summary_json_write(result, tmp_path):
    s = result.summary()
    assert list(s.columns) == ["arm", "metric", "class", "value", "ci_low", "ci_high"]
    assert len(s) == 3 * (3 + 2)  # real-only, real+synthetic, real+classic
    row = s[(s.arm == "real_only") & (s.metric == "recall") & (s["class"] == "lesion")].iloc[0]
    assert row.value == result.real_only["per_class_recall"]["lesion"]["value"]
    # the JSON is the to_dict() data with NaN (an undefined fraction of gain) written as null
    as_json = json.loads(result.to_json())
    assert as_json.keys() == result.to_dict().keys()
    assert as_json["fraction_of_classic_gain"]["a"]["value"] is None  # class "a": the comparator gains nothing
    paths = result.write(tmp_path)
    assert json.loads(paths["json"].read_text()) == json.loads(result.to_json())
    assert paths["json"] == tmp_path / "augmentation.json"
    kept = np.load(paths["synthetic"], allow_pickle=False)
    np.testing.assert_array_equal(kept["images"], result.synthetic)
    assert (kept["labels"] == 2).all()


def test_report_has_figures_and_leaves_pyplot_alone(result):
    import matplotlib

    backend = matplotlib.get_backend()
    rep = augmentation_report(result, XTR, YTR)
    assert {m.name for m in rep.metrics} >= {"lesion_recall_real_only", "balanced_accuracy_real_plus_synthetic"}
    # the real-only classifier is the comparator: the utility score is the augmented classifier's alone
    roles = {m.name: m.role for m in rep.metrics}
    assert roles["lesion_recall_real_only"] == roles["balanced_accuracy_real_only"] == "comparator"
    plus = [m for m in rep.metrics if m.name.endswith("real_plus_synthetic")]
    assert rep.score("utility") == pytest.approx(sum(m.score for m in plus) / len(plus))
    assert rep.group_weights["validity"] == 0.0 and "validity" not in rep.missing_groups()
    assert len(rep.figures) == 2 and rep.figures[0].png_base64
    assert rep.lead is not None and "lesion recall" in rep.lead.numbers[0].label
    assert rep.lead.sentence.startswith(("No measurable gain", "Measurable"))
    assert matplotlib.get_backend() == backend
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []


def test_deprecated_generator_keywords():
    quick = dict(k=2, seeds=(0,), n_bootstrap=5, classifier_kwargs={"epochs": 1}, comparator=None)
    new = augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), model=gen, **quick)
    with pytest.warns(FutureWarning, match="model="):
        old = augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), generator=gen, **quick)
    assert json.loads(old.to_json()) == json.loads(new.to_json())  # NaN -> null: comparable
    with pytest.raises(TypeError, match="both"):
        augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), generator=gen, model=gen)


class _Tiny:
    """Any object with .sample(n, class_index, ...) serves as the model."""

    def __init__(self):
        self.calls = []

    def sample(self, n, k, **kw):
        self.calls.append((n, k, kw["random_state"]))
        return gen(n, k, kw["random_state"])


def test_deprecated_generator_steps_keyword_and_a_model_object():
    model = _Tiny()
    with pytest.warns(FutureWarning, match="model_train_steps"):
        res = augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), k=1, model=model, generator_steps=5,
                                 seeds=(0,), n_bootstrap=5, classifier_kwargs={"epochs": 1}, random_state=3,
                                 comparator=None)
    assert model.calls == [(4, 2, 3)] and res.filter_counts["generated"] == 4
    assert res.rare == "lesion"  # rare=None: the smallest training class


def _oracle(n, random_state=0):
    return _data([0, 0, n], 500 + random_state)[0]


def test_oracle_arm_and_fraction_of_oracle_gain():
    res = augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), rare="lesion", k=5, model=gen, oracle=_oracle,
                             seeds=range(5), n_bootstrap=40, classifier_kwargs={"epochs": 12})
    d = json.loads(res.to_json())
    assert {"real_only", "real_plus_synthetic", "real_plus_oracle", "fraction_of_oracle_gain"} <= set(d)
    assert d["real_plus_classic"] is None and d["settings"]["comparator"] == ["oracle"]
    f = d["fraction_of_oracle_gain"]["lesion"]
    assert set(f) >= {"value", "ci_low", "ci_high", "comparator_gain", "interpretable"}
    # the tiny generator draws from the very distribution the oracle draws from: it recovers much of the gain
    if d["fraction_of_oracle_gain"]["lesion"]["comparator_gain"]["value"] > 0.1:
        assert f["value"] > 0.3
    rep = augmentation_report(res)
    assert any(m.name == "fraction_of_oracle_gain_lesion" for m in rep.metrics)
    roles = {m.name: m.role for m in rep.metrics}
    assert roles["lesion_recall_real_plus_oracle"] == "comparator"


def test_nothing_kept_is_loud_and_no_synthetic_arm_is_presented():
    def copies(n, label, seed):  # exact copies of training lesions: the near-copy filter drops them all
        return XTR[YTR == 2][np.arange(n) % 4]

    with pytest.warns(NothingKeptWarning, match="kept none of the 8"):
        res = augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), rare="lesion", k=2, model=copies,
                                 seeds=range(5), n_bootstrap=10, classifier_kwargs={"epochs": 1})
    assert res.real_plus_synthetic is None and res.fraction_of_classic_gain is None
    assert res.verdict.startswith("no real+synthetic arm")
    rep = augmentation_report(res, XTR, YTR)
    row = next(m for m in rep.metrics if m.name == "lesion_recall_real_plus_synthetic")
    assert row.status == "skipped" and rep.warnings and "no real+synthetic" in rep.warnings[0]
    assert rep.lead.numbers[1].value is None and rep.lead.numbers[1].status == "bad"
    assert set(res.summary().arm) == {"real_only", "real_plus_classic"}


def test_bad_comparator_and_rare_arguments():
    with pytest.raises(ValueError, match="needs an oracle"):
        augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), model=gen, comparator="oracle")
    with pytest.raises(ValueError, match="not one of the classes"):
        augment_rare_class((XTR, YTR, NAMES), (XTE, YTE, NAMES), model=gen, rare="tumour")
