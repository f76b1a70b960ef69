"""Training: the trainer that runs `model.fit` on a run folder (`trainer`), the checks and
clean-up of that folder (`run_folder`), the optimizer, loss and schedule (`optimization`), its
callbacks, device setup, the evaluation against naive baselines, the metrics, the forecast plot
(`plotting`, `forecast_panels`) and the line a run ends with (`summary`).

Import the modules themselves (`keras_nhits.training.trainer`, `...metrics`): this file imports
nothing, so the metrics can be used without loading a backend.
"""
