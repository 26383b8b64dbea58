"""Shared pytest set-up: a headless matplotlib backend, and numpy/torch in every doctest's namespace."""

import matplotlib
import numpy
import pytest
import torch

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def gandojo_cache(tmp_path_factory):
    """One cold cache folder (the digits classifier) for the whole session, so runs start as CI does."""
    return tmp_path_factory.mktemp("gandojo-cache")


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace, gandojo_cache):
    doctest_namespace["np"] = numpy
    doctest_namespace["torch"] = torch
    doctest_namespace["cache_dir"] = gandojo_cache
