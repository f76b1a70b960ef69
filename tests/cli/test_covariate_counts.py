"""The model's covariate counts are no training flags until the trainer reads covariate columns:
`--help` does not offer them and a run given one is refused in one line, writing nothing."""

import pytest

from keras_nhits import NHITSTrainingConfig
from keras_nhits.errors import NHITSInputError
from tests.reliability.helpers import assert_one_error_line, run_subprocess


def test_train_help_does_not_offer_the_covariate_counts():
    result = run_subprocess(["--help"])
    assert result.code == 0 and "--input-size" in result.stdout
    for flag in ("--hist-exog", "--futr-exog", "--stat-exog"):
        assert flag not in result.stdout


@pytest.mark.parametrize("name", ["hist_exog", "futr_exog", "stat_exog"])
def test_a_training_config_with_covariates_is_refused_by_name(name):
    with pytest.raises(NHITSInputError, match=f"{name}=2: training from a data file"):
        NHITSTrainingConfig(**{name: 2})
    assert NHITSTrainingConfig(**{name: 0}).model.futr_exog == 0


@pytest.mark.slow
def test_a_run_given_a_covariate_count_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    result = run_subprocess(["--futr-exog", "2", "--output", out])
    assert_one_error_line(result, ["futr_exog=2", "no covariates yet"])
    assert not out.exists()
