"""Shared pytest set-up: one torch thread, a headless matplotlib backend, numpy/torch in every doctest.

The tests train tiny models, which gain nothing from a second intra-op thread; on a busy machine two
threads that spin waiting for each other make them many times slower. Child processes (the kill and
Ctrl-C tests) inherit ``OMP_NUM_THREADS=1``.
"""

import os

os.environ["OMP_NUM_THREADS"] = "1"

import matplotlib  # noqa: E402
import numpy  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import settings  # noqa: E402

torch.set_num_threads(1)
matplotlib.use("Agg")
# The same examples on every run (CI included): a property test that fails, fails on every machine, and a new
# edge case is found by raising max_examples on purpose rather than by chance in someone's CI.
settings.register_profile("gandojo", derandomize=True, database=None)
settings.load_profile("gandojo")


@pytest.fixture(scope="session")
def gandojo_cache(tmp_path_factory):
    """One cold cache folder (the digits classifier) for the whole session, so runs start as CI does."""
    return tmp_path_factory.mktemp("gandojo-cache")


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace, gandojo_cache):
    doctest_namespace["np"] = numpy
    doctest_namespace["torch"] = torch
    doctest_namespace["cache_dir"] = gandojo_cache
