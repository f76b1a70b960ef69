"""`lr_decays`: the paper's step decay of the learning rate, evenly spaced over the epochs."""

import pytest

from keras_nhits import NHITSInputError, NHITSTrainer, NHITSTrainingConfig
from keras_nhits.training.optimization import step_decay
from tests.synthetic import seasonal_frame


def silent(_line):
    pass


def test_step_decay_schedule_halves_the_rate_every_epochs_over_decays():
    config = NHITSTrainingConfig(epochs=9, lr=1e-2, lr_factor=0.5, lr_decays=3)
    schedule = step_decay(config)
    rates = [schedule(epoch) for epoch in range(9)]
    assert rates == pytest.approx([1e-2] * 3 + [5e-3] * 3 + [2.5e-3] * 3)


def test_trainer_applies_the_step_decay_and_skips_the_plateau_cuts(tiny_config):
    # lr_patience=1 would cut the rate on a plateau; lr_decays replaces it with the schedule.
    config = tiny_config(epochs=4, patience=0, lr_patience=1, lr=1e-2, lr_decays=2)
    history = NHITSTrainer(config, log=silent).fit(seasonal_frame(noise=3.0)).metrics["history"]
    rates = [r["learning_rate"] for r in history]
    assert rates == pytest.approx([1e-2, 1e-2, 5e-3, 5e-3])


def test_default_is_off_and_negative_is_refused():
    assert NHITSTrainingConfig().lr_decays == 0
    with pytest.raises(NHITSInputError, match="lr_decays"):
        NHITSTrainingConfig(lr_decays=-1)
