"""The command-line tools, one module per command, each a thin layer over the library.

`common.py` holds what they share (the one-line argument parser, the quiet backend start, the
exit codes); `train.py`, `predict.py` and `export.py` are the commands, run as
`python -m keras_nhits.<command>` or `keras-nhits <command>` (`main.py`).
"""
