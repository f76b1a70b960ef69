"""Training: the trainer that runs `model.fit` on a run folder, its callbacks, device setup, the
evaluation against naive baselines, the metrics and the forecast plot.

Import the modules themselves (`keras_nhits.training.trainer`, `...metrics`): this file imports
nothing, so the metrics can be used without loading a backend.
"""
