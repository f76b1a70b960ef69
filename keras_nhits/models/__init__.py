"""Forecasting models."""

from keras_nhits.models.nhits import NHITS

__all__ = ["NHITS"]
