"""Saving: safetensors + JSON model files, the TensorFlow SavedModel export and its safety check,
atomic writes, the run lock and the ownership marker that keeps a command off the user's files.

This file imports nothing: each module is imported by its own name.
"""
