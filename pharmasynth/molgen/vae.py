"""SmilesVAE: a GRU encoder-decoder over SMILES (or SELFIES) tokens (MOSES-VAE-like), with KL annealing.

The network is in `vae_net.py`: a bidirectional GRU encoder -> (mu, logvar) of q(z|x), and an
autoregressive GRU decoder that starts from z and sees z at every step (teacher forcing in
training). The KL weight is annealed (linear, or cyclical) to kl_weight_max, optionally with free
bits. No dropout, so that every random draw comes from the model's own torch.Generator.
`representation="selfies"` trains over SELFIES tokens; SMILES go in and come out either way.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .._util import resolve_device, torch_generator
from .._util.deprecation import warn_deprecated
from .._util.random import RandomStateMixin
from .._util.serialization import SavableMixin, load_checkpoint
from .._util.torchtools import isolated_init
from .._util.training import TrainingLoop
from ..errors import CheckpointError, DataError, NotFittedError, SkippedRecordsWarning
from .selfies_tokenizer import tokenizer_class
from .vae_net import build_net, kl_weight, vae_loss


def _build_net(vocab_size, embed_dim, hidden_dim, num_layers, latent_dim, encoder_hidden_dim=None,
               encoder_layers=None):
    return build_net(vocab_size, embed_dim, hidden_dim, num_layers, latent_dim, encoder_hidden_dim, encoder_layers)


class SmilesVAE(RandomStateMixin, SavableMixin):
    """Variational autoencoder over SMILES strings.

    >>> vae = SmilesVAE(latent_dim=64, random_state=0).fit(train_smiles)
    >>> vae.sample(1000, temperature=1.0)
    """

    def __init__(self, latent_dim: int = 64, embed_dim: int = 64, hidden_dim: int = 256, num_layers: int = 1,
                 max_length: int = 100, kl_weight_max: float = 0.05, kl_anneal_steps: int = 2000,
                 lr: float = 1e-3, batch_size: int = 128, epochs: int = 10, grad_clip: float = 50.0,
                 sample_prior: str = "aggregate", device: str = "cpu", random_state: int | None = 0, *,
                 representation: str = "smiles", encoder_hidden_dim: int | None = None,
                 encoder_layers: int | None = None, kl_free_bits: float = 0.0, kl_schedule: str = "linear",
                 kl_cycle_steps: int = 0):
        self.latent_dim = latent_dim
        self.embed_dim = embed_dim
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.max_length = max_length
        self.kl_weight_max = kl_weight_max
        self.kl_anneal_steps = kl_anneal_steps
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.grad_clip = grad_clip
        self.sample_prior = sample_prior
        self.device = device
        self.random_state = random_state
        self.representation = representation
        self.encoder_hidden_dim = encoder_hidden_dim
        self.encoder_layers = encoder_layers
        self.kl_free_bits = kl_free_bits
        self.kl_schedule = kl_schedule
        self.kl_cycle_steps = kl_cycle_steps

    # ---- training ---------------------------------------------------------------------------
    def _tokenizer_class(self):
        return tokenizer_class(self.representation)

    def _new_net(self, vocab_size: int):
        return _build_net(vocab_size, self.embed_dim, self.hidden_dim, self.num_layers, self.latent_dim,
                          self.encoder_hidden_dim, self.encoder_layers)

    def _attach(self, net, vocab, device=None) -> "SmilesVAE":
        """Make this VAE use a trained `net` with its `vocab` (the MOSES training script's export)."""
        self.tokenizer_ = self._tokenizer_class().from_vocab(list(vocab), self.max_length)
        self.device_ = resolve_device(device or self.device)
        self.net_ = net.to(self.device_).eval()
        self._start_sampling()
        return self

    def _check_fitted(self):
        if not hasattr(self, "net_"):
            raise NotFittedError("this SmilesVAE is not fitted; call fit(smiles) or SmilesVAE.load(path).")

    def _prepare(self, smiles):
        smiles = [str(s) for s in smiles]
        keep, skipped = [], []
        for i, s in enumerate(smiles):
            try:
                ok = len(self._tokenizer_class().tokens_of(s)) + 2 <= self.max_length
                reason = f"longer than max_length={self.max_length} tokens"
            except Exception as exc:  # grammar error: report, do not stop training
                ok, reason = False, str(exc)
            (keep if ok else skipped).append(s if ok else (i, s, reason))
        if skipped:
            warnings.warn(f"{len(skipped)} of {len(smiles)} training SMILES skipped (first: #{skipped[0][0]} "
                          f"{skipped[0][1][:60]!r}: {skipped[0][2]}). Raise max_length to keep long ones.",
                          SkippedRecordsWarning, stacklevel=3)
        if not keep:
            raise DataError("no usable training SMILES (all empty, unparsable or too long).")
        self.skipped_ = [(i, s[:80], r) for i, s, r in skipped]
        return keep

    def fit(self, smiles, checkpoint_dir=None, resume: bool = True, progress: bool | None = None, *,
            epochs: int | None = None, warm_start: bool = False) -> "SmilesVAE":
        """Train on a list of SMILES for the constructor's `epochs` epochs. With `checkpoint_dir`, a
        checkpoint is written after each epoch and (resume=True) training continues exactly from the
        last one. `epochs=` here is deprecated: it sets the length of this fit only.

        warm_start=True (fine-tuning, e.g. of `SmilesVAE.pretrained("moses-smiles")` on a chemical
        series): start from this model's weights and vocabulary instead of new ones; the KL weight
        is at its full value from the first step. A SMILES with a token the vocabulary lacks raises
        an InvalidSmilesError naming the first such SMILES and token."""
        import torch

        prior = None
        if warm_start:
            self._check_fitted()
            prior = self
            self._check_vocabulary(smiles)

        if epochs is not None:
            warn_deprecated("SmilesVAE.fit(epochs=...)", "SmilesVAE(epochs=...)")

        smiles = self._prepare(smiles)
        dev = resolve_device(self.device)
        ckpt_path = Path(checkpoint_dir) / "vae_checkpoint.pt" if checkpoint_dir else None
        state = load_checkpoint(ckpt_path) if ckpt_path is not None and resume and ckpt_path.is_file() else None
        if prior is not None:
            self.tokenizer_ = self._tokenizer_class().from_vocab(prior.tokenizer_.vocab_, self.max_length)
        elif state is not None:  # the vocabulary the checkpoint was trained with; new tokens become <unk>
            self.tokenizer_ = self._tokenizer_class().from_vocab(state["vocab"], self.max_length, on_unknown="unk")
        else:
            self.tokenizer_ = self._tokenizer_class()(self.max_length).fit(smiles)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown tokens after resume on new data become <unk>
            data = torch.as_tensor(self.tokenizer_.encode(smiles))
        lengths = (data != 0).sum(1)
        gen = torch_generator(self.random_state)  # one CPU generator: init, shuffling, reparam noise
        with isolated_init(int(torch.randint(0, 2**62, (1,), generator=gen))):
            net = self._new_net(len(self.tokenizer_))
        if prior is not None:
            net.load_state_dict({k: v.detach().clone() for k, v in prior.net_.state_dict().items()})
        net.to(dev)
        step0 = int(getattr(self, "n_steps_", 0)) + self.kl_anneal_steps if prior is not None else 0

        def step(model, idx, step_no):
            x, ln = data[idx].to(dev), lengths[idx]
            x = x[:, :int(ln.max())]
            eps = torch.randn((len(idx), self.latent_dim), generator=gen).to(dev)
            beta = kl_weight(step0 + step_no, self.kl_weight_max, self.kl_anneal_steps, self.kl_schedule, self.kl_cycle_steps)
            loss, rec, kl = vae_loss(model, x, ln, eps, beta, self.kl_free_bits)
            return loss, {"reconstruction": rec, "kl": kl}

        loop = TrainingLoop(net, torch.optim.Adam(net.parameters(), lr=self.lr), n=len(data),
                            batch_size=self.batch_size, generator=gen,
                            epochs=self.epochs if epochs is None else int(epochs), grad_clip=self.grad_clip,
                            checkpoint_path=ckpt_path, checkpoint_extra={"vocab": self.tokenizer_.vocab_},
                            desc="SmilesVAE", progress_bar=progress)
        try:
            result = loop.run(step, resume_from=state)
        except RuntimeError as exc:
            if state is None:
                raise
            raise CheckpointError(f"{ckpt_path}: does not match this configuration ({exc}).") from exc
        self.net_, self.device_ = net, dev
        self.history_ = [{k: row[k] for k in ("epoch", "step", "reconstruction", "kl")} for row in result.history]
        self.n_steps_ = result.step + (int(getattr(self, "n_steps_", 0)) if prior is not None else 0)
        self._fit_aggregate_posterior(smiles, gen)
        self._start_sampling()
        return self

    def _check_vocabulary(self, smiles):
        """Fine-tuning keeps the prior's vocabulary: name the first SMILES with a token it lacks."""
        tok, bad = self.tokenizer_, []
        for i, s in enumerate(smiles):
            try:
                toks = tok.tokens_of(str(s))
            except Exception:
                continue  # grammar errors are reported (skipped) by _prepare
            missing = [t for t in toks if t not in tok.index_]
            if missing:
                bad.append((i, str(s), missing[0]))
        if bad:
            from ..errors import InvalidSmilesError

            i, s, t = bad[0]
            raise InvalidSmilesError(
                f"{len(bad)} of {len(smiles)} SMILES have tokens the pretrained vocabulary "
                f"({tok.representation}, {len(tok)} tokens) lacks; the first is SMILES #{i} {s[:80]!r} with token "
                f"{t!r}. Remove these molecules (e.g. charged or isotope atoms the prior never saw) or train "
                "a new model without --init.")

    def _fit_aggregate_posterior(self, smiles, gen, n_max: int = 5000):
        """Mean and covariance of the encoder means over (a sample of) the training molecules.

        With a small KL weight the posteriors do not fill N(0, I); draws from the prior then land
        between them and decode to invalid SMILES. Sampling from a Gaussian fitted to the
        aggregate posterior (ex-post density estimation, Ghosh et al. 2020) stays where the
        decoder was trained. Only these two moments are kept, never a training record."""
        import torch

        idx = torch.randperm(len(smiles), generator=gen)[:n_max].tolist()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mu = self.encode([smiles[i] for i in idx]).astype(np.float64)
        self.latent_mean_ = mu.mean(0)
        self.latent_cov_ = np.cov(mu.T) + 1e-6 * np.eye(self.latent_dim) if len(mu) > 1 else np.eye(self.latent_dim)

    # ---- inference --------------------------------------------------------------------------
    def encode(self, smiles, batch_size: int = 512) -> np.ndarray:
        """Mean of q(z|x) for each SMILES, shape (n, latent_dim). Unknown tokens raise (see tokenizer)."""
        import torch

        self._check_fitted()
        ids = torch.as_tensor(self.tokenizer_.encode(list(smiles)))
        out = []
        with torch.no_grad():
            for b in range(0, len(ids), batch_size):
                x = ids[b: b + batch_size]
                ln = (x != 0).sum(1)
                mu, _ = self.net_.encode(x[:, : int(ln.max())].to(self.device_), ln)
                out.append(mu.cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.latent_dim), np.float32)

    def decode(self, z, temperature: float = 1.0, random_state=None, batch_size: int = 1024) -> list[str]:
        """Latent vectors -> SMILES. temperature=0 is greedy; otherwise multinomial on logits/temperature.
        Each sequence stops at its own <eos>; all of a batch is decoded together. random_state=None
        continues the model's stream."""
        import torch

        self._check_fitted()
        z = torch.as_tensor(np.asarray(z, dtype=np.float32))
        gen = torch_generator(self._sampling_rng(random_state), device=self.device_)
        out = []
        for b in range(0, len(z), batch_size):
            out.extend(self._decode_batch(z[b: b + batch_size].to(self.device_), temperature, gen))
        return out

    def _decode_batch(self, z, temperature, gen):
        import torch

        tok = self.tokenizer_
        B, dev = z.shape[0], z.device
        with torch.no_grad():
            h = self.net_.init_hidden(z)
            cur = torch.full((B, 1), tok.bos_id, dtype=torch.long, device=dev)
            seqs = torch.full((B, self.max_length - 1), tok.pad_id, dtype=torch.long, device=dev)
            done = torch.zeros(B, dtype=torch.bool, device=dev)
            banned = torch.zeros(len(tok), dtype=torch.bool, device=dev)
            banned[[tok.pad_id, tok.bos_id]] = True
            for t in range(self.max_length - 1):
                logits, h = self.net_.decode_step(cur, z, h)
                logits = logits[:, -1].float().masked_fill(banned, -float("inf"))
                if temperature <= 0:
                    nxt = logits.argmax(-1)
                else:
                    probs = torch.softmax(logits / temperature, -1)
                    nxt = torch.multinomial(probs, 1, generator=gen).squeeze(1)
                nxt = nxt.masked_fill(done, tok.pad_id)
                seqs[:, t] = nxt
                done |= nxt == tok.eos_id
                if t % 8 == 7 and bool(done.all()):  # a host sync only every few steps
                    break
                cur = nxt.unsqueeze(1)
        return tok.decode(seqs.cpu().numpy())

    def sample(self, n: int, temperature: float = 1.0, batch_size: int = 1024, random_state=None,
               prior: str | None = None) -> list[str]:
        """Draw n SMILES: z from the prior, then decode. random_state=None continues the model's stream
        (which `fit` starts at random_state, so a fresh model's first sample is reproducible).

        prior "aggregate" (default): a Gaussian fitted to the training molecules' encodings;
        "standard": N(0, I), the textbook VAE prior."""
        from ..errors import check_option

        self._check_fitted()
        prior = check_option("prior", prior or self.sample_prior, ("aggregate", "standard"))
        rng = self._sampling_rng(random_state)
        z = rng.standard_normal((int(n), self.latent_dim))
        if prior == "aggregate" and getattr(self, "latent_cov_", None) is not None:
            z = self.latent_mean_ + z @ np.linalg.cholesky(self.latent_cov_).T
        z = z.astype(np.float32)
        return self.decode(z, temperature=temperature, random_state=rng, batch_size=batch_size)

    def interpolate(self, smiles_a: str, smiles_b: str, steps: int = 10, temperature: float = 0.0,
                    random_state=None) -> list[str]:
        """Decode `steps` points on the straight line between the two molecules' latent means."""
        za, zb = self.encode([smiles_a, smiles_b])
        w = np.linspace(0, 1, steps)[:, None]
        return self.decode((1 - w) * za + w * zb, temperature=temperature, random_state=random_state)

    # ---- the decoder as a policy (RL, latent optimisation): see vae_policy.py -----------------
    def token_log_probs(self, smiles, z):
        """Per-token log p(x_t | x_<t, z) of SMILES given latents z (n, latent_dim), with gradients:
        (log_probs (n, T), mask (n, T)); `.sum(1)` of log_probs is each sequence's log-likelihood."""
        from .vae_policy import token_ids, token_log_probs

        return token_log_probs(self, token_ids(self, smiles), z)

    def sample_with_log_probs(self, n: int, z=None, temperature: float = 1.0, random_state=None) -> dict:
        """n samples with the graph of their per-token log-probabilities (see vae_policy)."""
        from .vae_policy import sample_with_log_probs

        return sample_with_log_probs(self, n, z, temperature, random_state)

    @classmethod
    def pretrained(cls, name: str = "moses-smiles", device: str | None = None, random_state=None) -> "SmilesVAE":
        """A prior shipped with pharmasynth: "moses-smiles" or "moses-selfies" (see pretrained.py)."""
        from .pretrained import load_pretrained

        return load_pretrained(name, device=device, random_state=random_state)

    # ---- files (SavableMixin's save/load) ----------------------------------------------------
    def _state(self):
        extras = {"vocab": self.tokenizer_.vocab_, "history": getattr(self, "history_", []),
                  "n_steps": getattr(self, "n_steps_", 0), "latent_mean": getattr(self, "latent_mean_", None),
                  "latent_cov": getattr(self, "latent_cov_", None), "training": getattr(self, "training_", None)}
        return extras, self.net_.state_dict()

    def _restore(self, config, tensors):
        self.tokenizer_ = self._tokenizer_class().from_vocab(config["vocab"], self.max_length)
        net = self._new_net(len(self.tokenizer_))
        net.load_state_dict(tensors)
        self.device_ = resolve_device(self.device)
        self.net_ = net.to(self.device_).eval()
        self.history_ = config.get("history", [])
        self.n_steps_ = config.get("n_steps", 0)
        if config.get("training"):
            self.training_ = config["training"]
        if config.get("latent_cov") is not None:
            self.latent_mean_ = np.asarray(config["latent_mean"], float)
            self.latent_cov_ = np.asarray(config["latent_cov"], float)
