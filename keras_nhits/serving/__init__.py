"""Serving: loading a saved model (run folder, .keras file, SavedModel) as a forecaster, for
`predict` and the backtests.
"""
