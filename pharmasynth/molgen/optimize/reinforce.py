"""REINVENT-style reinforcement learning of the SMILES decoder against the prior (Olivecrona et al. 2017;
Blaschke et al. 2020), as PMO runs it (Gao et al. 2022: sigma 500, learning rate 5e-4, batch 64,
24 replayed molecules).

Each step: z for the decoder from the prior's sampler, one SMILES per z sampled from the *agent*
(initialised as a copy of the prior), scored; the reward the agent learns from passes the scaffold
diversity filter. The loss pulls the agent's sequence log-likelihood towards the augmented one:

    log P_aug = log P_prior(x | z) + sigma * reward(x),    loss = mean (log P_aug - log P_agent(x | z))^2

plus, as in REINVENT/PMO, a small penalty on sequences the agent finds too likely (5e3 * mean(-1 / log P_agent)).
Experience replay: the `memory_size` best molecules so far (with their z) are kept, and `replay_size`
of them join every step's loss. The prior never changes; the library keeps the true scores.
"""

from __future__ import annotations

import copy

import numpy as np

from .base import BaseOptimizer, prior_latents
from .diversity import ScaffoldMemory


class Reinforce(BaseOptimizer):
    name = "reinforce"

    def __init__(self, budget: int = 10_000, batch_size: int = 64, sigma: float = 500.0, learning_rate: float = 5e-4,
                 replay_size: int = 24, memory_size: int = 100, diversity_bucket: int = 25,
                 diversity_min_score: float = 0.4, likelihood_penalty: float = 5e3, temperature: float = 1.0,
                 random_state=0, checkpoint_every: int = 10):
        super().__init__(budget, batch_size, random_state, checkpoint_every)
        for key, value in (("sigma", sigma), ("learning_rate", learning_rate), ("temperature", temperature)):
            if not value > 0:
                raise ValueError(f"{key} must be > 0, got {value}.")
        if replay_size < 0 or memory_size < replay_size:
            raise ValueError(f"need 0 <= replay_size <= memory_size, got {replay_size} and {memory_size}.")
        self.sigma, self.learning_rate = float(sigma), float(learning_rate)
        self.replay_size, self.memory_size = int(replay_size), int(memory_size)
        self.diversity_bucket, self.diversity_min_score = int(diversity_bucket), float(diversity_min_score)
        self.likelihood_penalty, self.temperature = float(likelihood_penalty), float(temperature)

    def _setup(self, prior) -> None:
        import torch

        self._prior = prior
        self._agent = copy.deepcopy(prior)
        self._agent.net_.train()
        self._optimizer = torch.optim.Adam(self._agent.net_.parameters(), lr=self.learning_rate)
        self._filter = ScaffoldMemory(self.diversity_bucket, self.diversity_min_score)
        self._memory: list[dict] = []  # {"smiles", "ids", "z", "reward"}, best first

    @property
    def agent_(self):
        """The trained agent (a SmilesVAE whose decoder has learnt the objective)."""
        return self._agent

    def _step(self, objective, remaining: int) -> None:
        import torch

        from ..vae_policy import sample_with_log_probs, token_log_probs

        z = prior_latents(self._prior, self.batch_size, self.rng_)
        with torch.no_grad():  # sample without a graph; the likelihood is recomputed by teacher forcing
            out = sample_with_log_probs(self._agent, self.batch_size, z=z, temperature=self.temperature,
                                        random_state=self.rng_)
        table = objective.score(out["smiles"], max_new_calls=remaining)
        scores = table["total"].fillna(0.0).to_numpy()  # NaN: left unscored at the budget's end
        rewards = self._filter.update(table["smiles"].tolist(), scores)
        # teacher-forced log P_agent(x | z): the sampler's own log-probs hold -inf * 0 = NaN after <eos>
        agent_ll = token_log_probs(self._agent, out["ids"], out["z"])[0].sum(1)
        with torch.no_grad():
            prior_ll = token_log_probs(self._prior, out["ids"], out["z"])[0].sum(1)
        rewards_t = torch.as_tensor(rewards, dtype=torch.float32, device=agent_ll.device)
        losses = [(prior_ll + self.sigma * rewards_t - agent_ll) ** 2]
        lls = [agent_ll]
        replay = self._replay()
        if replay is not None:
            ids, zr, rr = replay
            ll_r = token_log_probs(self._agent, ids, zr)[0].sum(1)
            with torch.no_grad():
                prior_r = token_log_probs(self._prior, ids, zr)[0].sum(1)
            losses.append((prior_r + self.sigma * rr - ll_r) ** 2)
            lls.append(ll_r)
        loss = torch.cat(losses).mean()
        if self.likelihood_penalty > 0:
            loss = loss + self.likelihood_penalty * (-1.0 / torch.cat(lls).clamp(max=-1e-3)).mean()
        self._optimizer.zero_grad()
        loss.backward()
        self._optimizer.step()
        self._remember(table, out, rewards)

    # ---- experience replay ------------------------------------------------------------------------
    def _remember(self, table, out, rewards) -> None:
        ids = out["ids"].cpu().numpy()
        z = out["z"].detach().cpu().numpy()
        known = {m["smiles"] for m in self._memory}
        for i, (s, valid) in enumerate(zip(table["smiles"], table["valid"])):
            if not valid or s is None or s in known or not np.isfinite(table["total"].iloc[i]):
                continue
            seq = ids[i][ids[i] != 0].tolist()
            self._memory.append({"smiles": s, "ids": seq, "z": z[i].tolist(), "reward": float(rewards[i])})
            known.add(s)
        self._memory.sort(key=lambda m: -m["reward"])
        del self._memory[self.memory_size:]

    def _replay(self):
        import torch

        if self.replay_size == 0 or len(self._memory) < self.replay_size:
            return None
        pick = self.rng_.choice(len(self._memory), size=self.replay_size, replace=False)
        chosen = [self._memory[i] for i in sorted(pick)]
        width = max(len(m["ids"]) for m in chosen)
        ids = torch.zeros((len(chosen), width), dtype=torch.long)
        for r, m in enumerate(chosen):
            ids[r, : len(m["ids"])] = torch.as_tensor(m["ids"])
        dev = self._agent.device_
        z = torch.as_tensor(np.array([m["z"] for m in chosen], np.float32), device=dev)
        rewards = torch.as_tensor([m["reward"] for m in chosen], dtype=torch.float32, device=dev)
        return ids.to(dev), z, rewards

    # ---- checkpoint -------------------------------------------------------------------------------
    def _state(self) -> dict:
        return {"agent": {k: v.detach().cpu() for k, v in self._agent.net_.state_dict().items()},
                "optimizer": self._optimizer.state_dict(), "memory": list(self._memory),
                "diversity": self._filter.state()}

    def _load_state(self, state: dict) -> None:
        self._agent.net_.load_state_dict(state["agent"])
        self._optimizer.load_state_dict(state["optimizer"])
        self._memory = list(state["memory"])
        self._filter.load_state(state["diversity"])
