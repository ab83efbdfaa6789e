"""Reports through the evaluation core's Report: an augmentation run, and synthetic vs real images.

Both lead with their answer (`Report.lead`): the augmentation report with the rare-class recall of
every arm, the fraction of the oracle's (or classic augmentation's) gain and the verdict in words;
the image report with FID between its real floor and noise and the judge's placement.
"""

from __future__ import annotations

import math

import numpy as np

from ..evaluation.lead import KeyNumber, Lead, grade
from ..evaluation.metric import MetricResult, comparator, metric
from ..evaluation.report import Report
from .image_score import image_score_rows
from .io import labelled_arrays
from .report_figures import ARM_LABELS, grid_figure, recall_figure

# images have no validity check in pharmasynth (no rules apply to pixels): the group is not part of
# an image report's overall score, and says so through its weight of 0
IMAGE_GROUP_WEIGHTS = {"fidelity": 1 / 3, "utility": 1 / 3, "privacy": 1 / 3, "validity": 0.0}
# evaluate: fidelity (FID, placement) decides; privacy (near-copies) is a third
EVALUATE_GROUP_WEIGHTS = {"fidelity": 2 / 3, "utility": 0.0, "privacy": 1 / 3, "validity": 0.0}


def _ci(d):
    return (d["ci_low"], d["ci_high"]) if d and math.isfinite(d.get("ci_low", float("nan"))) else None


def _fraction(result):
    if result.fraction_of_oracle_gain is not None:
        return "oracle", result.fraction_of_oracle_gain
    if result.fraction_of_classic_gain is not None:
        return "classic augmentation", result.fraction_of_classic_gain
    return None, None


def judge_number(judge: dict, rare: str) -> KeyNumber:
    """The real-only judge's placement of the kept synthetic images, with its own held-out sensitivity and
    specificity beside it (a placement from a judge that cannot tell the classes apart means nothing)."""
    sens, spec = judge["sensitivity_heldout_real_lesions"], judge["specificity_heldout_real_t1"]
    value = judge.get("placed_in_class_kept")
    able = min(sens, spec) >= 0.8
    note = (f"all generated (before the filters): {judge['placed_in_class_all_generated']:.2f}; the judge on held-out "
            f"real images: sensitivity {sens:.2f} ({rare} placed in {rare}), specificity {spec:.2f} "
            f"(lesion-free T1 not called {rare})" + ("" if able else ": below 0.8, read the placement with care"))
    return KeyNumber(f"kept synthetic {rare} images placed in {rare} by a real-only judge", value, note=note,
                     status=grade(value, good=0.8, bad=0.5) if value is not None and able else None)


def augmentation_lead(result, judge: dict | None = None) -> Lead:
    """Rare-class recall real-only vs real+synthetic vs the comparator, the fraction of its gain, the verdict
    (and, with `judge`, the real-only judge's placement beside its sensitivity and specificity)."""
    rare = result.rare
    nums = []
    for arm in ("real_only", "real_plus_synthetic", "real_plus_oracle", "real_plus_classic"):
        d = getattr(result, arm)
        if d is not None:
            r = d["per_class_recall"][rare]
            nums.append(KeyNumber(f"{rare} recall, {ARM_LABELS[arm]}", r["value"], ci=_ci(r)))
        elif arm == "real_plus_synthetic":
            nums.append(KeyNumber(f"{rare} recall, real + synthetic", None, status="bad",
                                  note="not run: the filters kept no synthetic image"))
    kind, frac = _fraction(result)
    if frac is not None:
        f = frac[rare]
        g = f["comparator_gain"]
        if f.get("interpretable", True):
            nums.append(KeyNumber(f"fraction of the {kind}'s gain recovered ({rare} recall)", f["value"], ci=_ci(f),
                                  status=grade(f["value"], good=0.5, bad=0.2, direction="maximize"),
                                  note="(synthetic - real-only) / (comparator - real-only)"))
        else:
            nums.append(KeyNumber(f"fraction of the {kind}'s gain recovered ({rare} recall)", f["value"], ci=_ci(f),
                                  note=f"not interpretable: the {kind} itself gains {g['value']:+.3f} "
                                       f"[{g['ci_low']:+.3f}, {g['ci_high']:+.3f}], an interval covering 0"))
    kept = result.filter_counts.get("after_classifier_filter", 0)
    sentence = f"{result.verdict[0].upper()}{result.verdict[1:]}" if result.verdict else "No verdict."
    sentence += f" {kept} of {result.filter_counts.get('generated', 0)} synthetic {rare} images kept."
    if frac is not None and not frac[rare].get("interpretable", True):
        sentence += f" The {kind} shows no measurable gain, so the fraction of its gain is not interpretable."
    if judge is not None:
        nums = nums[:4] + [judge_number(judge, rare)]
    return Lead(sentence, nums[:5])


def augmentation_report(result, real_x=None, real_y=None, extra_metrics=(), judge: dict | None = None) -> Report:
    """Report with the lead, the arms' rows, the fraction of gain, the labelled grid and the recall chart.

    `judge`: the real-only fidelity judge's figures (keys `sensitivity_heldout_real_lesions`,
    `specificity_heldout_real_t1`, `placed_in_class_all_generated`, `placed_in_class_kept`), shown in
    the lead and as rows (the judge's own accuracy as comparators)."""
    rows: list[MetricResult] = []
    for arm in ("real_only", "real_plus_synthetic", "real_plus_oracle", "real_plus_classic"):
        d = getattr(result, arm)
        if d is None:
            if arm == "real_plus_synthetic":
                rows.append(MetricResult.skipped(f"{result.rare}_recall_{arm}", "utility",
                                                 "the filters kept no synthetic image: no real+synthetic arm"))
            continue
        r, b = d["per_class_recall"][result.rare], d["balanced_accuracy"]
        arm_rows = [metric(f"{result.rare}_recall_{arm}", "utility", r["value"], direction="higher",
                           bounds=(0.0, 1.0), ci=_ci(r)),
                    metric(f"balanced_accuracy_{arm}", "utility", b["value"], direction="higher",
                           bounds=(0.0, 1.0), ci=_ci(b))]
        # real-only, the oracle and classic augmentation are what augmentation is compared WITH:
        # comparators, never averaged into the utility score
        rows += arm_rows if arm == "real_plus_synthetic" else [comparator(m, ARM_LABELS[arm]) for m in arm_rows]
    kind, frac = _fraction(result)
    if frac is not None:
        for label, f in frac.items():
            name = f"fraction_of_{kind.replace(' ', '_')}_gain_{label}"
            if math.isfinite(f["value"]):
                rows.append(metric(name, "utility", f["value"], direction="higher",
                                   bounds=(-math.inf, math.inf), ci=_ci(f),
                                   notes="reported, not scored: a ratio of two gains"))
            else:
                rows.append(MetricResult.skipped(name, "utility", f"the {kind} arm gains nothing on {label}"))
    rep = Report(rows + list(extra_metrics), title="pharmasynth imaging: rare-class augmentation",
                 group_weights=IMAGE_GROUP_WEIGHTS,
                 missing_hints={"fidelity": "pass the image metrics of the kept synthetic images (extra_metrics)",
                                "privacy": "pass the near-copy metric of the kept synthetic images (extra_metrics)"},
                 meta={"rare_class": result.rare, "filter_counts": result.filter_counts,
                       "verdict": result.verdict, **result.settings})
    if result.real_plus_synthetic is None:
        rep.warnings.append(f"The filters kept none of the {result.filter_counts.get('generated', 0)} synthetic "
                            f"images: there is no real+synthetic result, only the real-only baseline"
                            f"{' and the comparator' if kind else ''}.")
    if len(result.settings.get("seeds", [])) < 5:
        rep.warnings.append(f"Only {len(result.settings['seeds'])} classifier seed(s): the CIs' seed-to-seed part "
                            "rests on few draws; use 5 or more.")
    if judge is not None:
        rep.add(*_judge_rows(judge, result.rare))
    rep.lead = augmentation_lead(result, judge)
    if real_x is not None:
        rep.add_figure("real vs synthetic images per class",
                       grid_figure(real_x, real_y, result.class_names, result.synthetic, result.rare),
                       caption="rows 1..K: real training images of each class; last row (orange frames): kept "
                               f"synthetic {result.rare} images")
    rep.add_figure("per-class recall on real held-out images", recall_figure(result),
                   caption="mean over seeds; 95% bootstrap CI resampling seeds and held-out images")
    return rep


def _judge_rows(judge: dict, rare: str) -> list[MetricResult]:
    rows = []
    for key, label in (("sensitivity_heldout_real_lesions", f"held-out real {rare} images placed in {rare}"),
                       ("specificity_heldout_real_t1", f"held-out lesion-free T1 images not called {rare}")):
        rows.append(comparator(metric(f"judge_{key}", "fidelity", judge[key], direction="higher", bounds=(0.0, 1.0)),
                               f"the real-only judge's own accuracy: {label}"))
    rows.append(metric(f"{rare}_placed_in_class_all_generated", "fidelity", judge["placed_in_class_all_generated"],
                       direction="higher", bounds=(0.0, 1.0),
                       notes="all generated images, before the near-copy and classifier filters"))
    return rows


def image_report(real, synthetic, real_name: str = "the real images", random_state=0) -> Report:
    """FID (scored between the real-vs-real floor and noise), the judge's placement, MS-SSIM diversity
    (not scored) and near-copies of `synthetic` images against a labelled `real` set.

    `real`: an ImageFolder-like object or (images, labels, class_names); `synthetic`: images, or an
    ImageFolder-like object / triple whose class names are matched to the real ones by name (then the
    judge's placement is scored). Everything is offline and seeded by `random_state`.
    """
    x, y, names = labelled_arrays(real)
    synth_y = None
    if hasattr(synthetic, "images") or isinstance(synthetic, tuple):
        sx, sy, snames = labelled_arrays(synthetic)
        unknown = [c for c in snames if c not in names]
        if unknown:
            from ..errors import DataError

            raise DataError(f"synthetic classes {unknown} are not classes of {real_name} ({', '.join(names)}).")
        synth_y = np.array([names.index(snames[int(v)]) for v in sy], dtype=np.int64)
        synth = sx
    else:
        synth = np.asarray(synthetic, np.float32)
    rows, facts = image_score_rows(x, y, names, synth, synth_y, real_name=real_name, random_state=random_state)
    rep = Report(rows, title="pharmasynth imaging: synthetic vs real", group_weights=EVALUATE_GROUP_WEIGHTS,
                 meta={"real": real_name, "n_real": int(len(x)), "n_synthetic": int(len(synth))})
    nums = []
    if "fid" in facts:
        nums.append(KeyNumber("FID to held-out real", facts["fid"], status=grade(
            facts["fid"], good=1.5 * facts["fid_floor"], bad=0.5 * (facts["fid_floor"] + facts["fid_noise"]),
            direction="minimize") if facts["fid_noise"] > 1.5 * facts["fid_floor"] else None,
            note=f"real-vs-real floor {facts['fid_floor']:.3g}, uniform noise {facts['fid_noise']:.3g}"))
    if "placed" in facts:
        sens, spec = facts["judge_sensitivity"].values(), facts["judge_specificity"].values()
        nums.append(KeyNumber("placed in their class by a real-only judge", facts["placed"],
                              status=grade(facts["placed"], good=0.8, bad=0.5),
                              note=f"held-out real images: {facts['placed_real']:.2f}; the judge's lowest "
                                   f"per-class sensitivity {np.nanmin(list(sens)):.2f}, specificity "
                                   f"{np.nanmin(list(spec)):.2f}"))
    if "near_copy" in facts:
        nums.append(KeyNumber("near-copies of real images", facts["near_copy"],
                              status=grade(facts["near_copy"], good=0.01, bad=0.1, direction="minimize")))
    score = rep.score()
    rep.lead = Lead(f"Overall score {score:.2f} (fidelity: FID scored between real and noise, and the judge's "
                    "placement; privacy: near-copies)." if score is not None and math.isfinite(score)
                    else "No overall score: see the failed rows.", nums)
    return rep
