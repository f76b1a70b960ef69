"""How the model is optimised: the optimizer, the loss, the learning-rate schedule and XLA.

Each function turns a setting of the training config into the Keras object `model.compile` or
`model.fit` takes, so the model itself never sees an optimizer or trainer setting.
"""

import keras


def make_optimizer(cfg):
    """The optimizer named by `cfg.optimizer`, with its learning rate, decay and clipping."""
    kwargs = {"learning_rate": cfg.lr}
    if cfg.clipnorm:
        kwargs["clipnorm"] = cfg.clipnorm
    if cfg.weight_decay:
        kwargs["weight_decay"] = cfg.weight_decay
    if cfg.optimizer == "adam":
        return keras.optimizers.Adam(**kwargs)
    if cfg.optimizer == "adamw":
        kwargs.setdefault("weight_decay", 0.004)  # Keras' default; AdamW without decay is Adam
        return keras.optimizers.AdamW(**kwargs)
    if cfg.optimizer == "sgd":
        return keras.optimizers.SGD(momentum=0.9, **kwargs)
    return keras.optimizers.RMSprop(**kwargs)


def make_loss(name, model=None):
    """The Keras loss for `mae`, `mse` or `huber`; for a quantile head (`model.model_config.
    quantiles`) the pinball loss (the config allows only `mae` with one: the pinball loss at
    the median is half of it); for a point model with conformal intervals, `name` of its
    median channel; for a distribution head its negative log-likelihood."""
    if model is not None and model.model_config.distribution:
        from keras_nhits.probabilistic.losses import DistributionLoss

        return DistributionLoss(model.model_config.distribution, model.model_config.quantiles)
    if model is not None and model.model_config.quantiles:
        from keras_nhits.probabilistic.losses import PinballLoss

        return PinballLoss(model.model_config.quantiles)
    if model is not None and model.quantiles:
        from keras_nhits.probabilistic.losses import MedianChannelLoss

        return MedianChannelLoss(name, model.median_index)
    return {
        "mae": keras.losses.MeanAbsoluteError(),
        "mse": keras.losses.MeanSquaredError(),
        "huber": keras.losses.Huber(),
    }[name]


def step_decay(cfg):
    """The epoch -> rate schedule of `lr_decays`: `lr * lr_factor ** (epoch // every)`.

    `every = epochs // lr_decays` (at least 1), as neuralforecast's `num_lr_decays` spaces its
    cuts over `max_steps`; a function of the epoch alone, so a resumed run gets the same rate.
    """
    every = max(1, cfg.epochs // cfg.lr_decays)

    def schedule(epoch, lr=None):
        return float(cfg.lr * cfg.lr_factor ** (epoch // every))

    return schedule


def jit_compile_setting(mode):
    """`model.compile(jit_compile=...)` for the `jit_compile` option `auto`, `on` or `off`.

    `auto` compiles with XLA on TensorFlow, also on a CPU, where Keras' own "auto" leaves it
    off: XLA trains the default model faster there (docs/model.md). JAX always compiles;
    PyTorch stays eager (`torch.compile` cost far more time than it saved).
    """
    if mode == "on":
        return True
    if mode == "off":
        return False
    return True if keras.backend.backend() == "tensorflow" else "auto"


def compiled_copy(model, config):
    """A new NHITS of `model`'s config holding its weights (statistics included), compiled as
    the run compiled it: a fresh optimizer of the run's settings.

    A walk-forward backtest refits such a copy (the optimizer's state, Adam's moments, then
    carries from one refit to the next, as one training run continued would), and a mirrored
    run evaluates and saves one (a model built under a strategy predicts on every replica).
    """
    from keras_nhits.models.nhits import NHITS

    keras.utils.set_random_seed(config.seed)
    copy = NHITS.from_config(model.get_config())
    copy.build(copy.input_shapes())
    copy.set_weights(model.get_weights())
    copy.compile(
        optimizer=make_optimizer(config),
        loss=make_loss(config.loss, copy),
        jit_compile=jit_compile_setting(config.jit_compile),
    )
    return copy
