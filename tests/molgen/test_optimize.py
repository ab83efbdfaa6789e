"""Optimisers over the shipped prior: PMO's AUC, CMA-ES, the diversity filter, reproducibility, resuming
after an interruption, and reinforcement learning that measurably learns."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, rdBase

from pharmasynth.errors import CheckpointError
from pharmasynth.molgen import SmilesVAE
from pharmasynth.molgen.goal_tasks import goal_task
from pharmasynth.molgen.objective import Objective
from pharmasynth.molgen.optimize import (CMAES, Reinforce, ScaffoldMemory, auc_top_k, make_optimizer, optimize,
                                         top_k_mean_by_call)
from pharmasynth.molgen.optimize.base import prior_latents



@pytest.fixture(autouse=True)
def _quiet_rdkit():
    """Invalid decodings are counted by the optimisers, not logged; the block ends with each test, so
    RDKit's logging is untouched for the rest of the suite."""
    with rdBase.BlockLogs():
        yield


@pytest.fixture(scope="module")
def prior():
    return SmilesVAE.pretrained("moses-smiles")


@pytest.fixture
def one_thread():
    """Small autoregressive batches run far faster on one torch thread than on a shared pair."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ---- PMO's AUC top-10 ----------------------------------------------------------------------------
def pmo_top_auc(buffer, top_n, finish, freq_log, max_oracle_calls):
    """PMO's `top_auc` (Gao et al. 2022, main/optimizer.py) as published: buffer = {smiles: [score, call]}."""
    total, prev, called = 0, 0, 0
    ordered = list(sorted(buffer.items(), key=lambda kv: kv[1][1], reverse=False))
    for idx in range(freq_log, min(len(buffer), max_oracle_calls), freq_log):
        temp = list(sorted(ordered[:idx], key=lambda kv: kv[1][0], reverse=True))[:top_n]
        top_n_now = np.mean([item[1][0] for item in temp])
        total += freq_log * (top_n_now + prev) / 2
        prev, called = top_n_now, idx
    temp = list(sorted(ordered, key=lambda kv: kv[1][0], reverse=True))[:top_n]
    top_n_now = np.mean([item[1][0] for item in temp])
    total += (len(buffer) - called) * (top_n_now + prev) / 2
    if finish and len(buffer) < max_oracle_calls:
        total += (max_oracle_calls - len(buffer)) * top_n_now
    return total / max_oracle_calls


@pytest.mark.parametrize("n, budget", [(1000, 1000), (437, 1000), (5, 100), (2000, 2000)])
def test_auc_equals_pmos_top_auc(n, budget):
    scores = np.random.default_rng(n).beta(2, 5, n)
    buffer = {f"m{i}": [s, i + 1] for i, s in enumerate(scores)}
    assert auc_top_k(scores, budget, k=10) == pytest.approx(pmo_top_auc(buffer, 10, True, 100, budget), rel=1e-12)


def test_auc_of_a_constant_score_and_running_top_k():
    assert auc_top_k(np.full(1000, 0.6), 1000) == pytest.approx(0.6 * (1 - 50 / 1000))  # the trapezoid from 0
    scores = np.random.default_rng(0).random(300)
    brute = [np.sort(scores[: i + 1])[::-1][:10].mean() for i in range(300)]
    np.testing.assert_allclose(top_k_mean_by_call(scores, 10), brute)


# ---- CMA-ES and the diversity filter --------------------------------------------------------------------
def test_cmaes_solves_a_rotated_ill_conditioned_problem_and_resumes_exactly():
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    scales = np.logspace(0, 3, 8)

    def f(x):
        y = (x - 1.0) @ q.T
        return (y ** 2 * scales).sum(1)

    es = CMAES(np.zeros(8), 1.0, rng=np.random.default_rng(1))
    for _ in range(300):
        x = es.ask()
        es.tell(x, f(x))
    assert np.abs(es.mean - 1.0).max() < 1e-4
    a = CMAES(np.zeros(8), 1.0, rng=np.random.default_rng(2))
    for _ in range(5):
        x = a.ask()
        a.tell(x, f(x))
    state, rng_state = a.state(), a.rng.bit_generator.state
    b_rng = np.random.default_rng()
    b_rng.bit_generator.state = rng_state
    b = CMAES.from_state(json.loads(json.dumps(state)), b_rng)
    np.testing.assert_array_equal(a.ask(), b.ask())


def test_scaffold_memory_penalises_full_buckets_and_repeats():
    mem = ScaffoldMemory(bucket_size=2, min_score=0.5)
    out = mem.update(["c1ccccc1C", "c1ccccc1CC", "c1ccccc1CCC", "c1ccccc1C", "C1CCCCC1", "c1ccccc1O"],
                     [0.9, 0.8, 0.7, 0.9, 0.6, 0.3])
    # benzene bucket: two kept, the third and the repeat penalised; cyclohexane its own; a low score untouched
    np.testing.assert_array_equal(out, [0.9, 0.8, 0.0, 0.0, 0.6, 0.3])


# ---- the optimisers on the shipped prior --------------------------------------------------------------
# batch < budget: at least two steps, whatever the prior's validity, so the interruption lands mid-run
@pytest.mark.parametrize("method, budget, options", [("best-of-n", 16, {"batch_size": 8}),
                                                     ("latent", 16, {"batch_size": 8}),
                                                     ("reinforce", 12, {"batch_size": 8})])
def test_same_seed_same_library_and_resume_after_interruption(tmp_path, prior, method, budget, options):
    full = optimize(goal_task("qed"), prior, method, budget, random_state=3, threads=1, **options)
    assert full.n_calls == budget and full.library["call"].tolist() == list(range(1, budget + 1))

    class Interrupt(Exception):
        pass

    objective = goal_task("qed")
    real_score, calls = objective.score, []

    def flaky(smiles, max_new_calls=None):
        calls.append(1)
        if len(calls) == 2:  # after one checkpointed step
            raise Interrupt
        return real_score(smiles, max_new_calls)

    objective.score = flaky
    opt = make_optimizer(method, budget, random_state=3, checkpoint_every=1, **options)
    with pytest.raises(Interrupt):
        opt.run(objective, prior, checkpoint_dir=tmp_path, threads=1)
    assert (tmp_path / "checkpoint.pt").is_file()
    resumed = optimize(goal_task("qed"), prior, method, budget, random_state=3, out_dir=tmp_path, threads=1,
                       **options)
    pd.testing.assert_frame_equal(resumed.library, full.library)
    with pytest.raises(CheckpointError, match="other settings"):
        optimize(goal_task("qed"), prior, method, budget, random_state=4, out_dir=tmp_path, **options)


def test_a_checkpoint_is_not_continued_from_other_prior_weights(tmp_path, prior):
    """A prior retrained under the same name has other weights: its run must start afresh, not resume."""
    import copy

    import torch

    optimize(goal_task("qed"), prior, "best-of-n", 8, random_state=0, out_dir=tmp_path, batch_size=8)
    other = copy.deepcopy(prior)
    with torch.no_grad():
        other.net_.out.bias.add_(1e-3)
    with pytest.raises(CheckpointError, match="another prior"):
        optimize(goal_task("qed"), other, "best-of-n", 16, random_state=0, out_dir=tmp_path, batch_size=8)
    # the same weights continue (a larger budget extends the same search)
    assert optimize(goal_task("qed"), prior, "best-of-n", 16, random_state=0, out_dir=tmp_path,
                    batch_size=8).n_calls == 16


def test_reinforce_learns_against_the_prior(prior, one_thread):
    """Reward = 1 for a valid molecule with a halogen (F, Cl, Br): after 10 steps the agent proposes such
    molecules far more often than the prior does on the same latent draws (difference > 4 binomial SEs)."""
    halogen = Chem.MolFromSmarts("[F,Cl,Br]")

    def has_halogen(smiles):
        mol = Chem.MolFromSmiles(smiles) if smiles else None
        return mol is not None and mol.HasSubstructMatch(halogen)

    objective = Objective.from_callable(lambda s: float(has_halogen(s)), name="halogen")
    opt = Reinforce(budget=10 ** 6, batch_size=64, random_state=0, diversity_bucket=10 ** 6)
    before = {k: v.clone() for k, v in prior.net_.state_dict().items()}
    opt.rng_ = np.random.default_rng(0)
    opt._setup(prior)
    for _ in range(10):
        opt._step(objective, 10 ** 6)
    z = prior_latents(prior, 400, np.random.default_rng(1))
    rates = [np.mean([has_halogen(s) for s in m.decode(z, temperature=1.0, random_state=2)])
             for m in (prior, opt.agent_)]
    se = math.sqrt(sum(p * (1 - p) / 400 for p in rates))
    assert rates[1] - rates[0] > 4 * se, rates
    # the prior itself never changes
    assert all(bool((before[k] == v).all()) for k, v in prior.net_.state_dict().items())


def test_result_files_and_report_lead(tmp_path, prior):
    res = optimize(Objective.from_toml("data/objectives/kinase_lead_mpo.toml"), prior, "latent", 30,
                   random_state=0, threads=1, batch_size=16)
    paths = res.write(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} >= {"molecules.csv", "result.json", "report.json", "report.html"}
    table = pd.read_csv(paths["molecules"])
    assert len(table) == 30 and table["total"].is_monotonic_decreasing and "similar_to_lead_raw" in table
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["lead"]["sentence"].startswith("latent reached a top-10 mean score")
    assert "<img" in (tmp_path / "report.html").read_text()
    result = json.loads(paths["result"].read_text())
    assert result["summary"]["auc_top10"] == pytest.approx(res.auc_top10) and len(result["top10"]) == 10


@pytest.mark.parametrize("kwargs, message", [({"budget": 0}, "budget must be"), ({"sigma": -1}, "sigma must be"),
                                             ({"replay_size": 200}, "replay_size")])
def test_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer("reinforce", **{"budget": 10, **kwargs})
    with pytest.raises(ValueError, match="not one of"):
        make_optimizer("genetic")
