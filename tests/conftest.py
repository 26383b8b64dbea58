"""Fixtures the test modules share."""

import os
import signal

import pytest

# The tests read English unless they ask for another language: a Japanese locale on the machine that runs them must
# not change what they see (child processes inherit this).
os.environ["GANDOJO_LANG"] = "en"

from gandojo.runs.runner import train_run
from run_helpers import tiny_config


@pytest.fixture(autouse=True, scope="session")
def sigint_delivered():
    """Started as a background job (``make test &``), the tests inherit an ignored SIGINT, which the runner rightly
    leaves alone; the tests that press Ctrl-C need it delivered, as at a terminal."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="module")
def straight_gan(tmp_path_factory):
    """An uninterrupted 40-step gan run, the reference for the gan resume tests."""
    run = tmp_path_factory.mktemp("straight") / "gan40"
    train_run(tiny_config("gan", 40), run, progress=False)
    return run
