"""The report of a load or a split: every repair and notice, one line each, for the CLI to print.

A report is built with `Report` and handed on as its `lines`, a list of one-line strings: that is
`SeriesSet.report` and `Splits.report` alike, so `series.report + splits.report` is the whole
story of a run's data.

Nothing is repaired silently. Per-series events (a series sorted, values filled, gaps kept) are
tallied while the series are read and summarised as one line per kind of event at the end, so a
dataset of 10,000 series does not print 10,000 lines.
"""

from keras_nhits.errors import name_list

# How many series a summary line names before it says "and N more".
EXAMPLES = 5
# How much of each series id a summary line shows: an id is text from the user's file.
ID_CHARS = 80


def name_examples(counts, limit=EXAMPLES):
    """`{"a": 3, "b": 1}` -> `"a (3), b (1)"`, naming at most `limit` series (each id cut to
    `ID_CHARS` before its count, so the count survives a long id)."""
    entries = [f"{_shown(sid)} ({n})" for sid, n in counts.items()]
    return name_list(entries, limit, width=ID_CHARS + 24)


def _shown(series_id):
    text = str(series_id)
    return text if len(text) <= ID_CHARS else text[: ID_CHARS - 1] + "…"


class Report:
    """Collects the notices of one load or split as one-line strings.

    `add` appends a finished line; `tally` counts an event for a series and `summarise` turns
    the tallies of one kind into a single line naming the first few series.

    Example:
        >>> report = Report()
        >>> report.tally("sorted", "a", 3)
        >>> report.summarise("sorted", "sorted {n_series} series by time: {examples}")
        >>> report.lines
        ['sorted 1 series by time: a (3)']
    """

    def __init__(self):
        self.lines = []
        self._tallies = {}

    def add(self, line):
        self.lines.append(" ".join(str(line).split()))

    def tally(self, kind, series_id, count=1):
        if count:
            per_series = self._tallies.setdefault(kind, {})
            per_series[series_id] = per_series.get(series_id, 0) + int(count)

    def total(self, kind):
        return sum(self._tallies.get(kind, {}).values())

    def summarise(self, kind, template):
        """Adds `template` filled with `total`, `n_series` and `examples` (if any tallies)."""
        counts = self._tallies.pop(kind, {})
        if counts:
            self.add(
                template.format(
                    total=sum(counts.values()),
                    n_series=len(counts),
                    examples=name_examples(counts),
                )
            )
