import pytest

from keras_nhits import NHITSTrainingConfig
from tests.synthetic import seasonal_frame

TINY_RUN = {
    "input_size": 48,
    "horizon": 12,
    "hidden_size": 16,
    "batch_size": 64,
    "windows_per_epoch": 512,
    "quiet": True,
}


@pytest.fixture
def sample_csv(tmp_path):
    path = tmp_path / "series.csv"
    seasonal_frame().write_csv(path)
    return path


@pytest.fixture
def tiny_config(tmp_path):
    def make(**overrides):
        values = {**TINY_RUN, "output": str(tmp_path / "run"), **overrides}
        return NHITSTrainingConfig(**values)

    return make
