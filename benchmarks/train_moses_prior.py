"""Train a MOSES prior (SmilesVAE over SMILES or SELFIES) on the full MOSES training set; resumable.

    python benchmarks/train_moses_prior.py --preset moses-smiles --work runs/moses-smiles
    python benchmarks/train_moses_prior.py --preset moses-smiles --work runs/moses-smiles   # continues
    python benchmarks/train_moses_prior.py --preset moses-smiles --work runs/moses-smiles \\
        --export pharmasynth/molgen/pretrained/moses-smiles                                   # weights out
    python benchmarks/train_moses_prior.py --preset moses-smiles --device cuda --threads 8 \\
        --max-molecules 50000000 --work runs/moses-smiles                                     # on a GPU

Data: `moses/dataset/data/train.csv.gz` (1,584,663 SMILES, MIT licence) inside the `molsets` 0.3.1
wheel, a build-time source: give its path with --wheel, or the script runs
`pip download molsets==0.3.1 --no-deps` into the work folder.

The run: Adam, learning rate halved every --lr-half-life molecules; each epoch a permutation
from the seed, cut into chunks of 64 batches, sorted by length inside a chunk (less padding, so
faster on a CPU) and the chunk's batches shuffled. The state (network, optimiser, position in the
epoch, generator) is checkpointed atomically every --checkpoint-minutes to WORK/checkpoint.pt, so
rerunning the same command continues where it stopped. Every --eval-minutes a learning-curve row
(molecules seen, wall time, loss, KL, validity and uniqueness of 1,000 samples at T=1 from
N(0, I) and from the aggregate posterior) is appended to WORK/learning_curve.json.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pharmasynth._util.atomic import atomic_write_json  # noqa: E402
from pharmasynth._util.serialization import load_checkpoint, save_checkpoint  # noqa: E402
from pharmasynth.molgen.pretrained import PRESETS  # noqa: E402

CHUNK_BATCHES = 64


def moses_train_smiles(wheel: str | None, work: Path) -> list[str]:
    """The MOSES training SMILES from the molsets wheel (downloaded with pip if no path is given)."""
    if wheel is None:
        found = sorted(work.glob("molsets-0.3.1-*.whl"))
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "molsets==0.3.1", "--no-deps", "-d",
                            str(work)], check=True)
            found = sorted(work.glob("molsets-0.3.1-*.whl"))
        wheel = str(found[0])
    import pandas as pd

    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read("moses/dataset/data/train.csv.gz")
    return pd.read_csv(io.BytesIO(raw), compression="gzip")["SMILES"].astype(str).tolist()


def build_vocab(vae, smiles: list[str], n_sample: int, seed: int) -> list[str]:
    """Vocabulary of the full set (SMILES: fast) or of a random sample (SELFIES: encoding is slow;
    molecules with a token outside it are skipped and counted during training)."""
    tok_cls = vae._tokenizer_class()
    if tok_cls.representation == "selfies" and len(smiles) > n_sample:
        idx = np.random.default_rng(seed).choice(len(smiles), n_sample, replace=False)
        smiles = [smiles[i] for i in idx]
    return tok_cls(vae.max_length).fit(smiles).vocab_


def chunk_batches(smiles, tokenizer, order, chunk_no, batch_size, seed, epoch):
    """The length-sorted batches (lists of id lists) of one chunk of the epoch's order; n skipped."""
    lo = chunk_no * batch_size * CHUNK_BATCHES
    seqs, skipped = [], 0
    for i in order[lo: lo + batch_size * CHUNK_BATCHES]:
        try:
            toks = tokenizer.tokens_of(smiles[i])
            if len(toks) + 2 > tokenizer.max_length or any(t not in tokenizer.index_ for t in toks):
                skipped += 1
                continue
            seqs.append(tokenizer.ids_of_tokens(toks))
        except Exception:
            skipped += 1
    seqs.sort(key=len)
    batches = [seqs[b: b + batch_size] for b in range(0, len(seqs), batch_size)]
    perm = np.random.default_rng([seed, epoch, chunk_no]).permutation(len(batches))
    return [batches[j] for j in perm], skipped


def pad(batch):
    import torch

    out = torch.zeros((len(batch), max(len(s) for s in batch)), dtype=torch.long)
    for r, s in enumerate(batch):
        out[r, : len(s)] = torch.as_tensor(s)
    return out


def evaluate(vae, smiles, n: int, seed: int) -> dict:
    """Validity / uniqueness of n samples at T=1 from N(0, I) and from the aggregate posterior."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    rng = np.random.default_rng(seed)
    vae._fit_aggregate_posterior([smiles[i] for i in rng.choice(len(smiles), 3000, replace=False)],
                                 __import__("torch").Generator().manual_seed(seed), n_max=3000)
    row = {}
    for prior in ("standard", "aggregate"):
        t0 = time.perf_counter()
        out = vae.sample(n, temperature=1.0, random_state=seed, prior=prior)
        mols = [Chem.MolFromSmiles(s) if s else None for s in out]
        valid = [Chem.MolToSmiles(m) for m in mols if m is not None]
        row[f"valid_{prior}"] = len(valid) / n
        row[f"unique_{prior}"] = len(set(valid)) / max(1, len(valid))
        row[f"sample_seconds_{prior}"] = round(time.perf_counter() - t0, 2)
    return row


def make_vae(preset: str, device: str, overrides: dict | None = None):
    from pharmasynth.molgen import SmilesVAE

    return SmilesVAE(**{**PRESETS[preset]["params"], **(overrides or {}), "device": device})


def train(args) -> None:
    import torch

    torch.set_num_threads(args.threads)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ckpt_path, curve_path = work / "checkpoint.pt", work / "learning_curve.json"
    smiles = moses_train_smiles(args.wheel, work)
    if args.n_train:
        smiles = [smiles[i] for i in np.random.default_rng(12345).permutation(len(smiles))[: args.n_train]]
    state = load_checkpoint(ckpt_path) if ckpt_path.is_file() else None
    overrides = json.loads(state["overrides"]) if state else json.loads(args.params)
    vae = make_vae(args.preset, args.device, overrides)
    dev = torch.device("cuda" if args.device == "cuda" else "cpu")
    vocab = state["vocab"] if state else build_vocab(vae, smiles, 30_000, args.seed)
    tokenizer = vae._tokenizer_class().from_vocab(vocab, vae.max_length)
    torch.manual_seed(args.seed)
    net = vae._new_net(len(vocab)).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=vae.lr)
    gen = torch.Generator().manual_seed(args.seed)
    pos = {"epoch": 0, "chunk": 0, "batch": 0, "step": 0, "seen": 0, "wall": 0.0, "skipped": 0}
    curve = json.loads(curve_path.read_text()) if curve_path.is_file() else []
    if state:
        net.load_state_dict(state["net"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        pos = {k: state["pos"][k] for k in pos}
        print(f"resumed at {pos}", flush=True)
    n_chunks = math.ceil(len(smiles) / (vae.batch_size * CHUNK_BATCHES))
    t_start, wall0 = time.perf_counter(), pos["wall"]
    last_ckpt = last_eval = time.perf_counter()
    log_rec, log_kl, log_n, t_log, seen_log = 0.0, 0.0, 0, time.perf_counter(), pos["seen"]

    def wall():
        return wall0 + time.perf_counter() - t_start

    def checkpoint():
        save_checkpoint(ckpt_path, {"net": net.state_dict(), "optimizer": opt.state_dict(),
                                    "generator": gen.get_state(), "vocab": vocab, "pos": {**pos, "wall": wall()},
                                    "preset": args.preset, "overrides": json.dumps(overrides)})

    def eval_row(rec, kl):
        vae._attach(net, vocab, args.device)
        row = {"molecules_seen": pos["seen"], "steps": pos["step"], "epoch": pos["epoch"],
               "wall_seconds": round(wall(), 1), "reconstruction": rec, "kl": kl,
               "skipped": pos["skipped"], **evaluate(vae, smiles, args.eval_samples, args.seed)}
        net.train()
        curve.append(row)
        atomic_write_json(curve_path, curve)
        print("curve", json.dumps(row), flush=True)

    stop = False
    while not stop:
        order = np.random.default_rng([args.seed, pos["epoch"]]).permutation(len(smiles))
        while pos["chunk"] < n_chunks and not stop:
            batches, skipped = chunk_batches(smiles, tokenizer, order, pos["chunk"], vae.batch_size, args.seed,
                                             pos["epoch"])
            if pos["batch"] == 0:
                pos["skipped"] += skipped
            while pos["batch"] < len(batches):
                x = pad(batches[pos["batch"]]).to(dev)
                ln = (x != 0).sum(1)
                lr = vae.lr * max(args.lr_floor, 0.5 ** (pos["seen"] / args.lr_half_life))
                for g in opt.param_groups:
                    g["lr"] = lr
                from pharmasynth.molgen.vae_net import kl_weight, vae_loss

                beta = kl_weight(pos["step"], vae.kl_weight_max, vae.kl_anneal_steps, vae.kl_schedule,
                                 vae.kl_cycle_steps)
                eps = torch.randn((len(x), vae.latent_dim), generator=gen).to(dev)
                loss, rec, kl = vae_loss(net, x, ln, eps, beta, vae.kl_free_bits)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), vae.grad_clip)
                opt.step()
                pos["batch"] += 1
                pos["step"] += 1
                pos["seen"] += len(x)
                log_rec += rec.item() * len(x)
                log_kl += kl.item() * len(x)
                log_n += len(x)
                now = time.perf_counter()
                if pos["step"] % args.log_every == 0:
                    print(f"step {pos['step']} seen {pos['seen']} rec {log_rec / log_n:.4f} kl {log_kl / log_n:.2f} "
                          f"beta {beta:.4f} lr {lr:.2e} mol/s {(pos['seen'] - seen_log) / (now - t_log):.1f}",
                          flush=True)
                    t_log, seen_log = now, pos["seen"]
                if now - last_eval >= args.eval_minutes * 60:
                    eval_row(log_rec / max(1, log_n), log_kl / max(1, log_n))
                    log_rec = log_kl = 0.0
                    log_n, last_eval = 0, time.perf_counter()
                if now - last_ckpt >= args.checkpoint_minutes * 60:
                    checkpoint()
                    last_ckpt = time.perf_counter()
                if (args.max_minutes and wall() - wall0 >= args.max_minutes * 60) or \
                        (args.max_molecules and pos["seen"] >= args.max_molecules):
                    stop = True
                    break
            if not stop:
                pos["chunk"], pos["batch"] = pos["chunk"] + 1, 0
        if not stop:
            pos["epoch"], pos["chunk"] = pos["epoch"] + 1, 0
    if log_n:
        eval_row(log_rec / log_n, log_kl / log_n)
    checkpoint()
    pos["wall"] = round(wall(), 1)
    print(f"stopped at {pos}", flush=True)


def export(args) -> None:
    """Checkpoint -> a SmilesVAE folder (config.json + model.safetensors) + learning_curve.json."""
    import torch

    torch.set_num_threads(args.threads)
    work = Path(args.work)
    state = load_checkpoint(work / "checkpoint.pt")
    vae = make_vae(args.preset, "cpu", json.loads(state["overrides"]))
    net = vae._new_net(len(state["vocab"]))
    net.load_state_dict(state["net"])
    vae._attach(net, state["vocab"], "cpu")
    smiles = moses_train_smiles(args.wheel, work)
    rng = np.random.default_rng(args.seed)
    vae._fit_aggregate_posterior([smiles[i] for i in rng.choice(len(smiles), 5000, replace=False)],
                                 torch.Generator().manual_seed(args.seed), n_max=5000)
    pos = state["pos"]
    vae.n_steps_ = int(pos["step"])
    vae.history_ = []
    vae.training_ = {"molecules_seen": int(pos["seen"]), "steps": int(pos["step"]), "epochs": pos["seen"] / len(smiles),
                     "wall_seconds": round(float(pos["wall"]), 1), "skipped": int(pos["skipped"]),
                     "data": "MOSES train (molsets 0.3.1), 1,584,663 SMILES", "device": args.device,
                     "threads": args.threads}
    out = vae.save(args.export)
    curve = work / "learning_curve.json"
    if curve.is_file():
        atomic_write_json(Path(out) / "learning_curve.json", json.loads(curve.read_text()))
    print(f"exported {args.preset} ({pos}) to {out}")


def train_diffusion(args) -> None:
    """The shipped latent diffusion on top of an exported prior: encodes --diffusion random MOSES
    training molecules, labels each latent with the properties of the molecule the decoder makes of
    it (greedy; invalid ones left out) and trains the denoiser; weights into PRIOR/diffusion/."""
    import torch

    from pharmasynth._util.serialization import SavableMixin
    from pharmasynth.molgen import LatentDiffusion, SmilesVAE

    torch.set_num_threads(args.threads)
    vae = SmilesVAE.load(args.prior_dir)
    smiles = moses_train_smiles(args.wheel, Path(args.work))
    rng = np.random.default_rng(args.seed + 1)
    subset = [smiles[i] for i in rng.choice(len(smiles), args.diffusion, replace=False)]
    t0 = time.perf_counter()
    ldm = LatentDiffusion(vae, condition_on=["qed", "logp"], hidden_dim=256, num_layers=3,
                          epochs=args.diffusion_epochs, random_state=args.seed).fit(subset, progress=False)
    ldm.training_seconds_ = time.perf_counter() - t0
    SavableMixin.save(ldm, Path(args.prior_dir) / "diffusion")  # the denoiser only: the prior is its parent
    print(f"latent diffusion on {ldm.n_train_} latents ({ldm.n_dropped_invalid_decode_} decoded invalid) in "
          f"{ldm.training_seconds_:.0f} s -> {Path(args.prior_dir) / 'diffusion'}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=sorted(PRESETS), required=True, help="which prior")
    ap.add_argument("--work", required=True, help="folder for the checkpoint and the learning curve")
    ap.add_argument("--wheel", help="path of molsets-0.3.1-py3-none-any.whl (default: pip download it)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="training device (default cpu)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--n-train", type=int, default=0, help="use a random subset of this size (default 0: all)")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop after this much wall time in this run")
    ap.add_argument("--max-molecules", type=int, default=0, help="stop after this many molecules seen in total")
    ap.add_argument("--lr-half-life", type=float, default=200_000, help="molecules per halving of the lr")
    ap.add_argument("--lr-floor", type=float, default=0.05, help="lowest lr as a share of the initial lr")
    ap.add_argument("--eval-minutes", type=float, default=10, help="minutes between learning-curve rows")
    ap.add_argument("--eval-samples", type=int, default=1000, help="samples per learning-curve row")
    ap.add_argument("--checkpoint-minutes", type=float, default=3, help="minutes between checkpoints")
    ap.add_argument("--log-every", type=int, default=100, help="steps between log lines")
    ap.add_argument("--params", default="{}", help="JSON overrides of the preset's SmilesVAE settings "
                    "(architecture trials; stored in the checkpoint)")
    ap.add_argument("--export", help="write the checkpoint as a model folder here and exit")
    ap.add_argument("--diffusion", type=int, default=0, metavar="N",
                    help="train the latent diffusion of the prior folder --prior-dir on N MOSES molecules and exit")
    ap.add_argument("--diffusion-epochs", type=int, default=30, help="epochs of the latent diffusion")
    ap.add_argument("--prior-dir", help="exported prior folder (for --diffusion)")
    args = ap.parse_args(argv)
    (train_diffusion if args.diffusion else export if args.export else train)(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
