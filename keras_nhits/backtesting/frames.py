"""The caller's kind of DataFrame back: pandas in, pandas out; Polars (the default) otherwise."""


def is_pandas(data):
    """Whether `data` is a pandas DataFrame (checked by module, so pandas is never imported
    for a caller who does not use it)."""
    return type(data).__module__.split(".")[0] == "pandas" and hasattr(data, "columns")


def user_frame(frame, data):
    """`frame` (Polars) as a pandas DataFrame when `data` was one, else `frame` itself.

    Column by column through NumPy, so pyarrow is not needed: floats stay float32, times
    datetime64, ids object (text).
    """
    if not is_pandas(data):
        return frame
    import pandas as pd

    return pd.DataFrame({name: frame[name].to_numpy() for name in frame.columns})
