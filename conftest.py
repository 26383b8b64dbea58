"""Shared pytest set-up: a headless matplotlib backend, and numpy/torch in every doctest's namespace."""

import matplotlib
import numpy
import pytest
import torch

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace["np"] = numpy
    doctest_namespace["torch"] = torch
