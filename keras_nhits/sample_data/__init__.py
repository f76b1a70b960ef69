"""The sample dataset bundled with the package, so `python -m keras_nhits.train` runs as is.

`ETTh1.csv.gz` is the ETTh1 file of the Electricity Transformer Temperature dataset (Zhou et al.,
"Informer", AAAI 2021), unchanged: hourly load and oil temperature of one transformer station,
2016-07-01 to 2018-06-26, columns `date`, HUFL, HULL, MUFL, MULL, LUFL, LULL, OT. Source:
https://github.com/zhouhaoyi/ETDataset (folder `ETT-small`), licence CC BY-ND 4.0, redistributed
unmodified with attribution.
"""

from pathlib import Path

SAMPLE_PATH = Path(__file__).with_name("ETTh1.csv.gz")
