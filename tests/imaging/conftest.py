"""Shared by every imaging test: one torch thread.

On a shared 2-core machine two torch threads spin against each other (10 tiny diffusion steps took
105 s instead of 3.5 s); one thread, restored after each module, keeps the tests fast without
changing what they compute.
"""

import pytest


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
