"""Hostile and broken input: every case is a clean ValueError (exit code 2 on the CLI), never a crash."""

import math
import types
import typing

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gandojo.cli import main
from gandojo.config import SECTIONS, Config, from_dict, to_dict
from gandojo.data import load_data
from gandojo.data.points import load_array

VALID = to_dict(Config())
junk = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.text(max_size=12), st.lists(st.integers(-3, 3), max_size=4),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def mutated_configs(draw):
    """A valid config with one to three keys replaced by junk, or an unknown key or section added; returns the
    values and the dotted names that were touched (a section name alone for a new section)."""
    values = {section: dict(keys) for section, keys in VALID.items()}
    touched = set()
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from(sorted(SECTIONS)))
        choice = draw(st.integers(0, 9))
        if choice == 0:
            key = draw(st.text(min_size=1, max_size=8))
            values[section][key] = draw(junk)
            touched.add(f"{section}.{key}")
        elif choice == 1:
            name = draw(st.text(min_size=1, max_size=8))
            values[name] = draw(junk)
            touched.add(name)
        else:
            key = draw(st.sampled_from(sorted(VALID[section])))
            values[section][key] = draw(junk)
            touched.add(f"{section}.{key}")
    return values, touched


def _holds(annotation, value) -> bool:
    """Whether ``value`` is of the type ``annotation`` describes (what an accepted config must hold)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_holds(a, value) for a in args)
    if origin is typing.Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        return len(items) == len(value) and all(map(_holds, items, value))
    if annotation is type(None):
        return value is None
    if annotation is float:
        return isinstance(value, float) and math.isfinite(value)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool) and -2**63 <= value < 2**63
    return isinstance(value, annotation)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs())
def test_random_configs_are_accepted_or_rejected_cleanly(case):
    """A refusal names one of the keys (or the section) that was broken; an accepted config holds values of
    the declared types in every key, and round-trips."""
    values, touched = case
    try:
        config = from_dict(values)
    except ValueError as err:
        message = str(err)
        assert any(repr(name) in message or repr(name.partition(".")[0]) in message or f"'{name}'" in message
                   for name in touched), (message, touched)
    else:
        for section, cls in SECTIONS.items():
            hints = typing.get_type_hints(cls)
            for key, annotation in hints.items():
                assert _holds(annotation, getattr(getattr(config, section), key)), (section, key)
        assert from_dict(to_dict(config)) == config


@settings(max_examples=100, deadline=None)
@given(st.one_of(junk, st.lists(junk, max_size=3)))
def test_non_mapping_configs_rejected(values):
    if isinstance(values, dict) and set(values) <= set(SECTIONS):
        return
    with pytest.raises(ValueError):
        from_dict(values)


@pytest.mark.parametrize("content, message", [
    (np.zeros((0, 2)), "shape"),
    (np.zeros((1, 2)), "N >= 2"),
    (np.array([["a", "b"], ["c", "d"]]), "numbers"),
    (np.full((5, 2), 1e30), "rescale"),
    (np.array([[1.0, np.inf], [0.0, 0.0]]), "infinite"),
    (np.zeros((3, 0)), "shape"),
])
def test_bad_arrays_rejected_by_name(tmp_path, content, message):
    path = tmp_path / "data.npy"
    np.save(path, content)
    with pytest.raises(ValueError, match=message):
        load_array(path)


def test_unreadable_and_malformed_files(tmp_path):
    (tmp_path / "empty.npy").write_bytes(b"")
    (tmp_path / "garbage.npy").write_bytes(b"\x93NUMPY garbage")
    (tmp_path / "text.csv").write_text("1,2\nthree,4\n")
    (tmp_path / "dir.npy").mkdir()
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for name in ("empty.npy", "garbage.npy", "text.csv", "dir.npy", "objects.npy"):
        with pytest.raises(ValueError, match=name):
            load_array(tmp_path / name)


def test_unknown_extension_and_missing_path(tmp_path):
    (tmp_path / "x.txt").write_text("1 2")
    with pytest.raises(ValueError):
        load_data(Config().data.__class__(name=str(tmp_path / "x.txt")))
    with pytest.raises(ValueError, match="unknown data set"):
        load_data(Config().data.__class__(name="definitely-not-data"))


@pytest.mark.parametrize("args", [
    ["train", "--batch-size", "0", "--dry-run"],
    ["train", "--seed", "-1", "--dry-run"],
    ["train", "train.eval_every=0", "--dry-run"],
    ["train", "optim.betas=2,3", "--dry-run"],
    ["train", "--preset", "no-such-preset", "--dry-run"],
    ["train", "--model", "transformer", "--dry-run"],
    ["train", "steps", "--dry-run"],
    ["sample", "nowhere", "-n", "5", "--out", "x.npy"],
    ["export", "nowhere", "--out", "g.safetensors"],
])
def test_cli_bad_input_exit_2_without_traceback(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error" in err.lower() and "Traceback" not in err


@pytest.mark.parametrize("args", [["--debug", "train", "--data", "nope", "--dry-run"],
                                  ["train", "--debug", "--data", "nope", "--dry-run"],
                                  ["--debug", "train", "--steps", "0", "--dry-run"]])
def test_debug_flag_shows_the_traceback(capsys, args):
    """--debug, before or after the command, adds the traceback and keeps the exit code of the error."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.rstrip().splitlines()[-1].startswith("error: ")


# --- the Wasserstein API under fuzzing: a correct-looking answer or a ValueError, nothing else ----------

from gandojo.distances import divergences, plan_cost, transport, wasserstein, wasserstein_1d  # noqa: E402

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.integers(-5, 5))
arrays = st.one_of(
    st.lists(numbers, max_size=6),
    st.lists(st.lists(numbers, min_size=0, max_size=3), max_size=5),  # possibly ragged
    st.just([]), st.none(), st.text(max_size=4), st.just([[1.0, 2.0], [3.0]]),
)


def _clean(call):
    try:
        result = call()
    except ValueError:
        return
    values = [result] if isinstance(result, float) else [result.distance]
    assert all(np.isfinite(v) and v >= -1e-12 for v in values)


@settings(max_examples=300, deadline=None)
@given(arrays, arrays, st.one_of(st.none(), arrays), st.sampled_from([1, 2, 0.5, -1, float("nan")]))
def test_wasserstein_1d_fuzz(u, v, w, p):
    _clean(lambda: wasserstein_1d(u, v, w, None, p=p))


@settings(max_examples=300, deadline=None)
@given(arrays, arrays, st.one_of(st.none(), arrays))
def test_transport_fuzz(a, b, positions):
    _clean(lambda: transport(a, b, positions=positions))
    _clean(lambda: transport(a, b, cost=positions))


@settings(max_examples=200, deadline=None)
@given(arrays, arrays, st.sampled_from(["exact", "sliced", "auto", "bogus"]))
def test_point_cloud_fuzz(x, y, method):
    _clean(lambda: wasserstein(x, y, method=method))


@settings(max_examples=200, deadline=None)
@given(arrays, arrays, arrays)
def test_plan_and_divergence_fuzz(plan, a, b):
    _clean(lambda: plan_cost(plan, a, b, positions=[1, 2, 3]))
    try:
        divergences(a, b)
    except ValueError:
        pass
