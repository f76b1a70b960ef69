"""A parametric head: location and scale channels -> the quantiles of a normal or Student's t."""

import keras
from keras import ops

from keras_nhits.errors import check_choice
from keras_nhits.probabilistic.distributions import DISTRIBUTIONS, STUDENTT_DF, standard_quantiles
from keras_nhits.probabilistic.levels import parse_quantiles

# The smallest scale, in the model's scaled units: a window's forecast is never a point mass
# (a zero scale would make the likelihood infinite).
MIN_SCALE = 1e-3


@keras.saving.register_keras_serializable(package="keras_nhits")
class DistributionQuantiles(keras.layers.Layer):
    """Maps `(loc, raw scale)` to the quantiles of `loc + scale * Z`, Z normal or Student's t.

    `scale = softplus(raw) + MIN_SCALE` is positive and the standard quantiles `z(tau)` are
    sorted, so the quantiles never cross; `z` are constants computed when the layer is made
    (`keras_nhits.probabilistic.distributions`): the quantiles are closed form, without
    sampling. Both distributions are symmetric: the median is `loc`.

    The negative log-likelihood the model trains with (`DistributionLoss`) reads `loc` and
    `scale` back from these quantiles, so the model's one output serves training, predict and
    the SavedModel alike.

    Args:
        distribution: `"normal"` or `"studentt"` (degrees of freedom fixed at `STUDENTT_DF`).
        quantiles: the quantile levels to output (the median is added).

    Input shape: `(batch, H, 2)`, loc then raw scale. Output shape: `(batch, H, Q)`.
    """

    def __init__(self, distribution, quantiles, **kwargs):
        super().__init__(**kwargs)
        self.distribution = check_choice("distribution", distribution, DISTRIBUTIONS)
        self.quantiles = parse_quantiles(quantiles, "quantiles")
        self.z = standard_quantiles(self.distribution, self.quantiles, STUDENTT_DF)

    def call(self, params):
        loc = params[..., 0:1]  # [B, H, 1]
        scale = ops.softplus(params[..., 1:2]) + MIN_SCALE
        z = ops.convert_to_tensor(self.z, dtype=params.dtype)  # [Q]
        return loc + scale * z  # [B, H, Q]

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], len(self.quantiles))

    def get_config(self):
        config = super().get_config()
        config.update({"distribution": self.distribution, "quantiles": list(self.quantiles)})
        return config
