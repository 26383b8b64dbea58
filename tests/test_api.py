"""The public API: every name in ``gandojo.__all__`` imports, and importing the package loads nothing heavy."""

import subprocess
import sys

import gandojo


def test_every_public_name_imports():
    missing = [name for name in gandojo.__all__ if getattr(gandojo, name, None) is None]
    assert not missing
    assert gandojo.wasserstein([0.0, 1.0], [1.0, 2.0]) == 1.0  # the function, not a module of that name
    assert callable(gandojo.transport) and callable(gandojo.divergences)
    assert set(gandojo.__all__) <= set(dir(gandojo))


def test_importing_gandojo_loads_no_torch():
    code = "import sys, gandojo; print('torch' in sys.modules, gandojo.__version__ != '')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.split() == ["False", "True"]
