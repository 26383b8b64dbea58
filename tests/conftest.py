"""Fixtures the test modules share."""

import pytest

from gandojo.runs.runner import train_run
from run_helpers import tiny_config


@pytest.fixture(scope="module")
def straight_gan(tmp_path_factory):
    """An uninterrupted 40-step gan run, the reference for the gan resume tests."""
    run = tmp_path_factory.mktemp("straight") / "gan40"
    train_run(tiny_config("gan", 40), run, progress=False)
    return run
