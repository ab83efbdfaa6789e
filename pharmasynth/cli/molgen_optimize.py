"""`pharmasynth molgen optimize`: goal-directed design from a pretrained prior at a fixed budget of objective calls."""

from __future__ import annotations

from .molgen_common import add_verb, printed_warnings

OPTIMIZE_EXAMPLE = """examples:
  pharmasynth molgen optimize --pretrained moses-smiles --objective data/objectives/kinase_lead_mpo.toml \\
      --budget 10000 --method reinforce --seed 0 --out out/optimize
  pharmasynth molgen optimize --pretrained moses-smiles --objective data/objectives/kinase_lead_mpo.toml \\
      --budget 10000 --method best-of-n --seed 0 --out out/optimize-baseline
  pharmasynth molgen optimize --pretrained moses-smiles --task osimertinib_mpo --budget 10000 \\
      --method latent --seed 0 --out out/osimertinib

Writes OUT/molecules.csv (every unique molecule scored: SMILES, total, each component transformed and
raw, the call at which it was first scored; best first), OUT/result.json (settings, AUC top-10, top
10), OUT/report.json and OUT/report.html (top-k curve vs calls, the best molecules drawn with their
scores, diversity of the top 100) and OUT/checkpoint.pt: rerun the same command to continue an
interrupted run (or to extend it with a larger --budget). The budget counts unique valid molecules,
as PMO does; --task runs one of GuacaMol's goal-directed tasks instead of a scoring file."""


def _objective(args):
    from ..errors import UsageError
    from ..molgen.goal_tasks import goal_task
    from ..molgen.objective import Objective

    if bool(args.objective) == bool(args.task):
        raise UsageError("give exactly one of --objective FILE (a scoring TOML) or --task NAME (a GuacaMol task).")
    if args.task:
        try:
            return goal_task(args.task)
        except ValueError as exc:
            raise UsageError(f"--task: {exc}") from None
    return Objective.from_toml(args.objective)


def _optimize(args) -> int:
    from ..errors import UsageError
    from ..molgen.optimize import optimize

    if bool(args.pretrained) == bool(args.model):
        raise UsageError("give exactly one of --pretrained NAME (a shipped prior) or --model DIR (a trained "
                         "SmilesVAE folder).")
    objective = _objective(args)
    options = {k: v for k, v in (("batch_size", args.batch_size), ("sigma", args.sigma),
                                 ("temperature", args.temperature)) if v is not None}
    if args.method == "latent" and "temperature" in options:
        raise UsageError("--temperature applies to reinforce and best-of-n (latent decodes greedily).")
    if args.method == "best-of-n" and "sigma" in options:
        raise UsageError("--sigma applies to reinforce (reward scale) and latent (CMA-ES step size).")
    try:
        with printed_warnings():
            result = optimize(objective, args.pretrained or args.model, method=args.method, budget=args.budget,
                              random_state=args.seed, out_dir=args.out, resume=not args.restart,
                              device=args.device, threads=args.threads, **options)
    except ValueError as exc:
        if "not one of" in str(exc) or "must be" in str(exc):
            raise UsageError(str(exc)) from None
        raise
    paths = result.write(args.out)
    s = result.summary().iloc[0]
    print(f"{result.method}: {result.n_calls:,} molecules scored ({result.n_invalid:,} invalid SMILES not "
          f"counted) in {result.seconds:.0f} s; AUC top-10 {s['auc_top10']:.3f}, top-10 mean "
          f"{s['top10_mean']:.3f}, best {s['top1']:.3f}")
    for i, row in result.top(5).iterrows():
        print(f"  {i + 1}. {row['total']:.3f}  {row['smiles']}")
    print(f"wrote {paths['molecules']}, result.json, report.json, report.html")
    return 0


def register_optimize(verbs):
    """Add the `optimize` verb to the molgen verb group."""
    p = add_verb(verbs, "optimize", _optimize, "optimise molecules for a scoring file or GuacaMol task",
                 "Goal-directed design: search for molecules that score well on your objective (a TOML "
                 "scoring file: QED, SA, property windows, similarity to leads, SMARTS, alerts, any RDKit "
                 "descriptor) starting from a pretrained prior, at a fixed budget of objective calls. "
                 "Methods: reinforce (REINVENT-style RL of the decoder with a scaffold diversity filter and "
                 "experience replay), latent (CMA-ES in the VAE's latent space), best-of-n (sampling from "
                 "the prior: the baseline to beat).", OPTIMIZE_EXAMPLE)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--pretrained", metavar="NAME", help="shipped prior, e.g. moses-smiles")
    src.add_argument("--model", metavar="DIR", help="a trained SmilesVAE folder (pharmasynth molgen train)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--objective", metavar="FILE", help="scoring TOML (see data/objectives/README.md)")
    what.add_argument("--task", metavar="NAME", help="a GuacaMol goal-directed task instead, e.g. "
                      "celecoxib_rediscovery, osimertinib_mpo, deco_hop (pharmasynth.molgen.goal_tasks)")
    p.add_argument("--method", choices=["reinforce", "latent", "best-of-n"], default="reinforce",
                   help="search method")
    p.add_argument("--budget", type=int, default=10_000, help="objective calls (unique valid molecules)")
    p.add_argument("--out", required=True, help="output folder (also holds the checkpoint)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same library)")
    p.add_argument("--batch-size", type=int, help="molecules per step (default: reinforce 64, latent 32, "
                   "best-of-n 256)")
    p.add_argument("--sigma", type=float, metavar="X", help="reinforce: reward scale of the augmented "
                   "likelihood (default 500); latent: initial CMA-ES step size (default 1)")
    p.add_argument("--temperature", type=float, metavar="T", help="decoder sampling temperature (default 1)")
    p.add_argument("--restart", action="store_true", help="ignore OUT/checkpoint.pt and start afresh")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest for these small "
                   "batches on a shared CPU)")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default=None,
                   help="where the prior runs (default: where it was saved for, cpu)")
    return p
