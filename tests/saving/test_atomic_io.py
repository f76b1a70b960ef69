"""Atomic writers: the target appears whole or not at all, and no temporary file is left."""

import json
import os

import numpy as np
import pytest

from keras_nhits.saving.atomic import (
    atomic_directory,
    atomic_output,
    atomic_write,
    write_bytes_atomic,
    write_json_atomic,
)


class Boom(Exception):
    pass


def _names(folder):
    return sorted(os.listdir(folder))


# === atomic_write ===


def test_atomic_write_text(tmp_path):
    target = tmp_path / "notes.txt"
    with atomic_write(target) as handle:
        handle.write("héllo\n")
        # Nothing at the target until the block ends.
        assert not target.exists()
        (temp,) = [name for name in _names(tmp_path) if name != "notes.txt"]
        assert temp.startswith(".notes.txt.") and temp.endswith(".tmp")
    assert target.read_text(encoding="utf-8") == "héllo\n"
    assert _names(tmp_path) == ["notes.txt"]


def test_atomic_write_replaces_existing_file(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert _names(tmp_path) == ["data.bin"]


def test_exception_mid_write_keeps_old_file_and_removes_temp(tmp_path):
    target = tmp_path / "config.json"
    target.write_text('{"old": true}')
    with pytest.raises(Boom):
        with atomic_write(target) as handle:
            handle.write('{"new": ')
            raise Boom
    assert target.read_text() == '{"old": true}'
    assert _names(tmp_path) == ["config.json"]


def test_exception_mid_write_creates_nothing(tmp_path):
    with pytest.raises(Boom):
        with atomic_write(tmp_path / "new.txt", "wb") as handle:
            handle.write(b"partial")
            raise Boom
    assert _names(tmp_path) == []


def test_atomic_write_uses_normal_permissions(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    write_bytes_atomic(tmp_path / "atomic.txt", b"x")
    # Same mode as open() gives (0o666 minus the umask), not mkstemp's private 0o600.
    assert (tmp_path / "atomic.txt").stat().st_mode == plain.stat().st_mode


def test_atomic_write_rejects_other_modes(tmp_path):
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass


# === write_json_atomic ===


def test_write_json_atomic(tmp_path):
    target = tmp_path / "metrics.json"
    obj = {
        "zeta": 1,
        "alpha": [float("nan"), float("inf"), -float("inf"), 0.5],
        "nested": {"r2": float("nan"), "steps": (1, 2)},
        "numpy": np.float32(0.25),
        "array": np.array([1.0, np.nan]),
    }
    write_json_atomic(target, obj)
    text = target.read_text()
    assert text.endswith("}\n")
    assert "NaN" not in text and "Infinity" not in text
    assert '\n  "zeta": 1,' in text  # indent 2
    loaded = json.loads(text)
    assert list(loaded) == ["zeta", "alpha", "nested", "numpy", "array"]  # order kept
    assert loaded["alpha"] == [None, None, None, 0.5]
    assert loaded["nested"] == {"r2": None, "steps": [1, 2]}
    assert loaded["numpy"] == 0.25
    assert loaded["array"] == [1.0, None]


def test_write_json_atomic_unencodable_leaves_target(tmp_path):
    target = tmp_path / "state.json"
    target.write_text("{}")
    with pytest.raises(TypeError):
        write_json_atomic(target, {"bad": object()})
    assert target.read_text() == "{}"
    assert _names(tmp_path) == ["state.json"]


# === atomic_output ===


def test_atomic_output_keeps_the_real_suffix(tmp_path):
    target = tmp_path / "model.weights.h5"
    with atomic_output(target) as temp_path:
        assert temp_path.parent == tmp_path
        assert temp_path.name.startswith(".model.weights.h5.tmp-")
        assert temp_path.name.endswith(".weights.h5")
        assert not temp_path.exists()
        temp_path.write_bytes(b"weights")
        assert not target.exists()
    assert target.read_bytes() == b"weights"
    assert _names(tmp_path) == ["model.weights.h5"]


def test_atomic_output_with_a_library_that_checks_the_suffix(tmp_path):
    # np.save appends ".npy" unless the path already ends with it.
    target = tmp_path / "values.npy"
    with atomic_output(target) as temp_path:
        np.save(temp_path, np.arange(3))
    np.testing.assert_array_equal(np.load(target), [0, 1, 2])
    assert _names(tmp_path) == ["values.npy"]


def test_atomic_output_exception_keeps_old_file(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"old model")
    with pytest.raises(Boom):
        with atomic_output(target) as temp_path:
            temp_path.write_bytes(b"half a model")
            raise Boom
    assert target.read_bytes() == b"old model"
    assert _names(tmp_path) == ["model.keras"]


def test_atomic_output_nothing_written_is_an_error(tmp_path):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    with pytest.raises(FileNotFoundError, match="nothing was written"):
        with atomic_output(target):
            pass
    assert target.read_bytes() == b"old"


# === atomic_directory ===


def test_atomic_directory_creates(tmp_path):
    target = tmp_path / "saved_model"
    with atomic_directory(target) as temp_dir:
        assert temp_dir.is_dir() and temp_dir.name.startswith(".saved_model.tmp-")
        (temp_dir / "variables").mkdir()
        (temp_dir / "variables" / "data").write_bytes(b"v")
        (temp_dir / "saved_model.pb").write_bytes(b"pb")
        assert not target.exists()
    assert (target / "saved_model.pb").read_bytes() == b"pb"
    assert (target / "variables" / "data").read_bytes() == b"v"
    assert _names(tmp_path) == ["saved_model"]


def test_atomic_directory_replaces_existing(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    with atomic_directory(target) as temp_dir:
        (temp_dir / "fresh.txt").write_text("new")
    assert _names(target) == ["fresh.txt"]
    assert _names(tmp_path) == ["export"]  # the old copy was deleted


def test_atomic_directory_exception_keeps_old(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    with pytest.raises(Boom):
        with atomic_directory(target) as temp_dir:
            (temp_dir / "half.txt").write_text("partial")
            raise Boom
    assert _names(target) == ["stale.txt"]
    assert _names(tmp_path) == ["export"]
