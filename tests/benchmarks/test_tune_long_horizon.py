"""The tuning benchmark's search: its space reads as a valid space for its protocol settings
(every choice and both ends of every range train with them), and the input window stays the
protocol's 5 x horizon. No training: the search itself is tests/tuning's."""

import tomllib
from types import SimpleNamespace

from keras_nhits.tuning.config import TuneConfig
from keras_nhits.tuning.space import read_space
from tests.benchmarks.scripts import load_benchmark


def test_the_benchmark_space_is_valid_for_the_protocol(tmp_path):
    bench = load_benchmark("tune_long_horizon")
    args = SimpleNamespace(trials=16, dataset="etth1")
    settings = bench.base_settings((8_640, 2_880, 2_880), args, str(tmp_path / "tune"))
    config = TuneConfig(**settings)
    space = read_space(tomllib.loads(bench.SPACE), config)
    assert "input_size" not in space.names and "input_size_multiple" not in space.names
    assert config.input_size == 5 * config.horizon == 480
    assert config.windows_per_epoch == bench.STEPS_PER_EPOCH * config.batch_size
    assert {p.name for p in space.parameters} >= {"pool_sizes", "freq_downsample", "lr"}
