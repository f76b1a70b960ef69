"""TOML text of flat tables of settings: what `best.toml` and `space.toml` are written as.

Python reads TOML (`tomllib`) but does not write it; the files a search writes hold only
booleans, numbers, texts and lists of them, so a few lines here do the job without another
dependency. Every value written reads back equal with `tomllib`.
"""

import json
import math

__all__ = ["toml_document", "toml_value"]


def toml_value(value):
    """`value` (bool, int, float, str, or a list or tuple of them) as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML holds finite numbers only here; received {value}")
        return repr(value)
    if isinstance(value, str):
        # JSON escapes (quote, backslash, newline, \u and four hex digits) are TOML escapes too.
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def toml_document(values, comments=()):
    """A TOML document: `comments` as `#` lines, then the scalar keys of `values`, then each
    value that is a dict as its own `[table]` of scalars."""
    lines = [f"# {line}".rstrip() for line in comments]
    scalars = {k: v for k, v in values.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in values.items() if isinstance(v, dict)}
    if lines and (scalars or tables):
        lines.append("")
    lines += [f"{key} = {toml_value(value)}" for key, value in scalars.items()]
    for key, table in tables.items():
        if lines:
            lines.append("")
        lines.append(f"[{key}]")
        lines += [f"{name} = {toml_value(value)}" for name, value in table.items()]
    return "\n".join(lines) + "\n"
