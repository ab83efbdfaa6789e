"""The SmilesVAE decoder as a policy: sequence log-likelihoods given z, and sampling with gradients.

For reinforcement learning on a prior (REINVENT-style: an agent copy of the decoder, the prior's
likelihood as an anchor) and for latent-space optimisation. Everything returns torch tensors on
the model's device; gradients flow into `vae.net_` unless called under `torch.no_grad()`.
Token ids are the model tokenizer's (`vae.tokenizer_`): <bos> first, <eos> last, <pad> = 0 after.
"""

from __future__ import annotations

import numpy as np


def _z_tensor(vae, z, n: int):
    import torch

    if z is None:
        z = torch.zeros((n, vae.latent_dim))
    z = torch.as_tensor(np.asarray(z, np.float32) if not isinstance(z, torch.Tensor) else z)
    if z.shape != (n, vae.latent_dim):
        raise ValueError(f"z must have shape ({n}, {vae.latent_dim}); got {tuple(z.shape)}.")
    return z.to(vae.device_)


def token_ids(vae, smiles):
    """Padded token ids (n, T+1) of SMILES, trimmed to the longest; errors name the first bad SMILES."""
    import torch

    ids = torch.as_tensor(vae.tokenizer_.encode([str(s) for s in smiles]))
    return ids[:, : int((ids != 0).sum(1).max())].to(vae.device_)


def token_log_probs(vae, ids, z):
    """Per-token log p(x_t | x_<t, z) of padded ids (n, T+1) -> (log_probs (n, T), mask (n, T)).

    Sum over t (log_probs * mask).sum(1) is the sequence log-likelihood, <eos> included."""
    import torch

    vae._check_fitted()
    ids = torch.as_tensor(ids).to(vae.device_)
    z = _z_tensor(vae, z, len(ids))
    tok = vae.tokenizer_
    logits = vae.net_.teacher_forced_logits(ids, z).float()
    # the distribution the sampler draws from: <pad> and <bos> are never generated
    logits[..., [tok.pad_id, tok.bos_id]] = -float("inf")
    target = ids[:, 1:]
    mask = target != tok.pad_id
    logp = torch.log_softmax(logits, -1).gather(-1, target.clamp_min(tok.eos_id).unsqueeze(-1)).squeeze(-1)
    return torch.where(mask, logp, torch.zeros_like(logp)), mask


def sample_with_log_probs(vae, n: int, z=None, temperature: float = 1.0, random_state=None,
                          max_length: int | None = None) -> dict:
    """Sample n sequences from the decoder keeping the graph of their log-probabilities.

    z: (n, latent_dim) latent vectors, or None to draw them from N(0, I). Returns a dict with
    "smiles" (list), "z" (tensor), "ids" (n, T+1 padded, <bos> first), "log_probs" (n, T; under
    the sampling temperature's distribution at T=1 only), "mask" (n, T)."""
    import torch

    from .._util import torch_generator

    vae._check_fitted()
    rng = vae._sampling_rng(random_state)
    if z is None:
        z = rng.standard_normal((int(n), vae.latent_dim)).astype(np.float32)
    z = _z_tensor(vae, z, int(n))
    gen = torch_generator(rng, device=vae.device_)
    tok, steps = vae.tokenizer_, int(max_length or vae.max_length) - 1
    banned = torch.zeros(len(tok), dtype=torch.bool, device=vae.device_)
    banned[[tok.pad_id, tok.bos_id]] = True
    cur = torch.full((int(n), 1), tok.bos_id, dtype=torch.long, device=vae.device_)
    h = vae.net_.init_hidden(z)
    done = torch.zeros(int(n), dtype=torch.bool, device=vae.device_)
    ids, logps, masks = [cur.squeeze(1)], [], []
    for _ in range(steps):
        logits, h = vae.net_.decode_step(cur, z, h)
        logits = logits[:, -1].float().masked_fill(banned, -float("inf"))
        logp_all = torch.log_softmax(logits, -1)
        probs = torch.softmax(logits.detach() / max(temperature, 1e-6), -1)
        nxt = torch.multinomial(probs, 1, generator=gen).squeeze(1)
        nxt = nxt.masked_fill(done, tok.pad_id)
        masks.append(~done)
        picked = logp_all.gather(-1, nxt.clamp_min(tok.eos_id).unsqueeze(-1)).squeeze(-1)
        logps.append(torch.where(done, torch.zeros_like(picked), picked))
        ids.append(nxt)
        done = done | (nxt == tok.eos_id)
        if bool(done.all()):
            break
        cur = nxt.unsqueeze(1)
    ids_t = torch.stack(ids, 1)
    return {"smiles": tok.decode(ids_t.cpu().numpy()), "z": z, "ids": ids_t,
            "log_probs": torch.stack(logps, 1), "mask": torch.stack(masks, 1)}
