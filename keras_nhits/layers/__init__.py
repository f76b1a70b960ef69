"""The custom Keras layers N-HiTS is built from."""

from keras_nhits.layers.conformal_intervals import ConformalIntervals
from keras_nhits.layers.covariate_scaling import CovariateScaler
from keras_nhits.layers.distribution_head import DistributionQuantiles
from keras_nhits.layers.interpolation import ForecastInterpolation, interpolation_matrix
from keras_nhits.layers.nhits_block import NHITSBlock
from keras_nhits.layers.pooling import WindowPooling
from keras_nhits.layers.quantile_head import MonotoneQuantiles
from keras_nhits.layers.scaling import WindowScaler

__all__ = [
    "ConformalIntervals",
    "CovariateScaler",
    "DistributionQuantiles",
    "ForecastInterpolation",
    "MonotoneQuantiles",
    "NHITSBlock",
    "WindowPooling",
    "WindowScaler",
    "interpolation_matrix",
]
