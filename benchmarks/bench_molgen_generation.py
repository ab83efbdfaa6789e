"""Benchmark: SmilesVAE sampling throughput, and conditional success of LatentDiffusion vs
rejection sampling from the unconditioned VAE at equal compute.

Equal compute is stated two ways, both reported:
  * equal wall time: rejection sampling gets the seconds LatentDiffusion spent (denoising + decoding
    + the property check), drawing VAE batches until that time is used up;
  * equal decoder calls: rejection sampling decodes exactly as many molecules as were requested.
Conditional success = share of ALL requested molecules that are valid and within tolerance.

By default the models are the shipped priors (moses-smiles and its latent diffusion; sampling
throughput of moses-smiles vs moses-selfies side by side, A B A B, median of the pairwise ratios);
--train trains a VAE + diffusion on the shipped MOSES subset first, as before the priors.

    python benchmarks/bench_molgen_generation.py --quick
    python benchmarks/bench_molgen_generation.py --train --quick       # the trained-on-the-subset models
    python benchmarks/bench_molgen_generation.py --device cuda      # on a GPU machine
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

from pharmasynth.molgen import LatentDiffusion, SmilesVAE, conditional_success, load_moses, rejection_sample
from results_file import write_results

CONDITIONS = [{"qed": 0.8, "logp": 2.5}, {"qed": 0.7, "logp": 4.0}, {"qed": 0.85, "logp": 1.5}]
TOLERANCE = {"qed": 0.1, "logp": 0.5}
# DDIM-20: on the demo VAE, 10/20/50 steps gave conditional success 0.162/0.154/0.170 at 0.7/0.9/1.5 s
# per 500 requests; 50 steps buys nothing and hands rejection sampling 2.5x the time
DDIM_STEPS = 20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer molecules, for iterating")
    ap.add_argument("--train", action="store_true", help="train on the shipped subset instead of the priors")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (throughput is measured on cpu and here)")
    ap.add_argument("--n-train", type=int, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", default="benchmarks/results/molgen_generation.json")
    args = ap.parse_args(argv)
    n_train = args.n_train or (3000 if args.quick else 20000)
    epochs = args.epochs or (1 if args.quick else 3)
    n_req = 200 if args.quick else 1000
    repeats = 3

    rng = np.random.default_rng(0)
    train_all = load_moses("train")
    train = [train_all[i] for i in np.sort(rng.choice(len(train_all), min(n_train, len(train_all)), replace=False))]
    if not args.train:
        from pharmasynth.molgen.pretrained import load_pretrained, load_pretrained_diffusion

        vae = load_pretrained("moses-smiles", device=args.device)
        ldm = load_pretrained_diffusion("moses-smiles", device=args.device)
        vae_s = ldm_s = 0.0
        epochs = 0
    else:
        vae, ldm, vae_s, ldm_s = _train(args, train, epochs)
    peers = _peer_throughput(1000 if args.quick else 5000, repeats) if not args.train else None
    return _measure(args, vae, ldm, train, epochs, vae_s, ldm_s, n_req, repeats, peers)


def _peer_throughput(n, repeats):
    """moses-smiles vs moses-selfies sampling, alternating A B A B; median of the pairwise ratios."""
    from pharmasynth.molgen.pretrained import load_pretrained

    a, b = load_pretrained("moses-smiles"), load_pretrained("moses-selfies")
    ta, tb = [], []
    for r in range(repeats):
        for model, times in ((a, ta), (b, tb)):
            t = time.perf_counter()
            model.sample(n, random_state=r)
            times.append(time.perf_counter() - t)
    return {"n": n, "smiles_mol_per_s": n / statistics.median(ta), "selfies_mol_per_s": n / statistics.median(tb),
            "selfies_over_smiles_time_ratio": statistics.median(y / x for x, y in zip(ta, tb))}


def _train(args, train, epochs):
    t = time.perf_counter()
    # the demo's settings: with the default KL weight (0.05) a few CPU epochs end in posterior
    # collapse (greedy decoding of 2,000 encodings gave 2 distinct molecules) and nothing can steer it
    vae = SmilesVAE(latent_dim=32, embed_dim=32, hidden_dim=128, batch_size=64, lr=3e-3, kl_anneal_steps=500,
                    kl_weight_max=0.005, max_length=80, epochs=epochs, device=args.device, random_state=0).fit(train)
    vae_s = time.perf_counter() - t
    t = time.perf_counter()
    ldm = LatentDiffusion(vae, condition_on=["qed", "logp"], epochs=20 if args.quick else 60,
                          random_state=0).fit(train)
    ldm_s = time.perf_counter() - t
    return vae, ldm, vae_s, ldm_s


def _measure(args, vae, ldm, train, epochs, vae_s, ldm_s, n_req, repeats, peers):
    # ---- throughput -----------------------------------------------------------------------
    n_tp = 1000 if args.quick else 5000
    devices = ["cpu"] + ([args.device] if args.device != "cpu" else [])
    throughput = {}
    for dev in devices:
        model = _on_device(vae, dev)
        times = []
        for r in range(repeats):
            t = time.perf_counter()
            model.sample(n_tp, batch_size=1024, random_state=r)
            times.append(time.perf_counter() - t)
        throughput[dev] = n_tp / statistics.median(times)

    from rdkit import Chem, rdBase

    gen = vae.sample(n_req, random_state=123)
    with rdBase.BlockLogs():  # invalid samples are counted, not logged
        valid = [s for s in gen if s and Chem.MolFromSmiles(s) is not None]
        can = {Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in valid}
    quality = {"valid": len(valid) / len(gen), "unique": len(can) / max(1, len(valid)),
               "novelty": float(np.mean([c not in set(train) for c in can])) if can else float("nan")}

    # ---- conditional success ------------------------------------------------------------------
    rows = []
    for cond in CONDITIONS:
        ldm_runs, wall_runs, call_runs = [], [], []
        for r in range(repeats):
            t = time.perf_counter()
            hits = ldm.sample(n_req, cond, guidance_scale=2.0, num_inference_steps=DDIM_STEPS, random_state=r)
            cs = conditional_success(hits, cond, TOLERANCE)
            dt = time.perf_counter() - t
            ldm_runs.append((cs, dt))
            wall_runs.append(rejection_sample(vae, n_req, cond, TOLERANCE, max_seconds=dt, random_state=100 + r))
            call_runs.append(rejection_sample(vae, n_req, cond, TOLERANCE, max_draws=n_req, random_state=200 + r))
        row = {"condition": cond, "tolerance": TOLERANCE, "n_requested": n_req, "ddim_steps": DDIM_STEPS,
               "ldm_success": statistics.median(x[0] for x in ldm_runs),
               "ldm_seconds": statistics.median(x[1] for x in ldm_runs),
               "rejection_equal_time_success": statistics.median(x["success"] for x in wall_runs),
               "rejection_equal_time_draws": statistics.median(x["n_draws"] for x in wall_runs),
               "rejection_equal_calls_success": statistics.median(x["success"] for x in call_runs)}
        row["ratio_vs_equal_time"] = row["ldm_success"] / max(row["rejection_equal_time_success"], 1e-9)
        rows.append(row)

    result = {"machine": platform.platform(), "processor": platform.processor(), "quick": args.quick,
              "n_train": len(train), "vae_epochs": epochs, "vae_train_seconds": vae_s, "ldm_train_seconds": ldm_s,
              "models": "trained on the subset" if args.train else "shipped priors (moses-smiles)",
              "sampling_throughput_mol_per_s": throughput, "prior_peers": peers, "vae_quality_at_T1": quality,
              "conditional_success": rows, "repeats": repeats, "statistic": "median of repeats"}
    if args.train:
        print(f"trained VAE on {len(train)} MOSES SMILES for {epochs} epoch(s) in {vae_s:.0f} s; LDM in {ldm_s:.0f} s")
    else:
        print("models: the shipped moses-smiles prior and its latent diffusion")
    if peers:
        print(f"sampling {peers['n']:,}: moses-smiles {peers['smiles_mol_per_s']:,.0f}/s, moses-selfies "
              f"{peers['selfies_mol_per_s']:,.0f}/s (selfies/smiles time, median of A B pairs: "
              f"{peers['selfies_over_smiles_time_ratio']:.2f})")
    print(f"VAE at T=1: valid {quality['valid']:.3f}  unique {quality['unique']:.3f}  novelty {quality['novelty']:.3f}")
    for dev, v in throughput.items():
        print(f"sampling throughput on {dev}: {v:,.0f} molecules/s (median of {repeats})")
    print(f"\n{'condition':<26}{'LDM':>8}{'rej=time':>10}{'rej=calls':>11}{'ratio':>8}")
    for r in rows:
        c = ", ".join(f"{k}={v}" for k, v in r["condition"].items())
        print(f"{c:<26}{r['ldm_success']:>8.3f}{r['rejection_equal_time_success']:>10.3f}"
              f"{r['rejection_equal_calls_success']:>11.3f}{r['ratio_vs_equal_time']:>8.2f}")
    write_results(args.out, result, indent=1)
    return result


def _on_device(vae, dev):
    if dev == "cpu" and str(vae.device_) == "cpu":
        return vae
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        vae.save(d)
        return SmilesVAE.load(d, device=dev)


if __name__ == "__main__":
    main()
