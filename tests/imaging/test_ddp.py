"""DDP under torchrun: 2 CPU ranks (gloo) x 4 images train the same model as 1 process x 8 images."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

SCRIPT = textwrap.dedent("""
    import sys, numpy as np, torch
    from pharmasynth.imaging import ConditionalDiffusion
    out = sys.argv[1]
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (16, 1, 16, 16)).astype(np.float32)
    y = np.arange(16) % 2
    m = ConditionalDiffusion(image_size=16, num_classes=2, channels=(8, 8), attention_levels=(False, False),
                             num_head_channels=8, num_train_timesteps=100, batch_size=8, lr=1e-3,
                             guidance_dropout=0.0, train_steps=3, random_state=0)
    m.fit(x, y)
    import os
    if int(os.environ.get("RANK", "0")) == 0:
        torch.save({k: v for k, v in m.network_.state_dict().items()}, out)
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_gloo_ranks_match_one_process(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    subprocess.run([sys.executable, str(script), str(tmp_path / "single.pt")], check=True, env=env,
                   timeout=300)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
                    "--master_addr=127.0.0.1", f"--master_port={_free_port()}", str(script),
                    str(tmp_path / "ddp.pt")], check=True, env=env, timeout=300)
    single = torch.load(tmp_path / "single.pt", weights_only=True)
    ddp = torch.load(tmp_path / "ddp.pt", weights_only=True)
    for k, v in single.items():
        torch.testing.assert_close(ddp[k], v, rtol=1e-4, atol=1e-5)
    # and training actually changed the weights (the comparison is not between two initial states)
    from pharmasynth.imaging import ConditionalDiffusion
    init = ConditionalDiffusion(image_size=16, num_classes=2, channels=(8, 8), attention_levels=(False, False),
                                num_head_channels=8, random_state=0).build_network().state_dict()
    moved = sum(not torch.equal(init[k], single[k]) for k in single)
    assert moved > len(single) // 2
