"""Benchmark fixtures: deterministic inputs, peers set to the same thread count as fastup.

Run ``pytest bench/`` (add ``--benchmark-autosave``, then ``--benchmark-compare`` to track
regressions); ``pytest bench/ --benchmark-disable`` runs every workload once as a smoke test.
Speed is read as ratios within one run (fastup / peer, fastup / copy), never as absolute times.
"""

import pytest


@pytest.fixture(params=[1, 2], ids=lambda n: f"{n}T")
def threads(request):
    """Thread count for fastup and for every peer in the same benchmark."""
    n = request.param
    try:
        import torch

        previous_torch = torch.get_num_threads()
        torch.set_num_threads(n)
    except ImportError:
        torch = None
    try:
        import cv2

        previous_cv2 = cv2.getNumThreads()
        cv2.setNumThreads(n)
    except ImportError:
        cv2 = None
    yield n
    if torch is not None:
        torch.set_num_threads(previous_torch)
    if cv2 is not None:
        cv2.setNumThreads(previous_cv2)
