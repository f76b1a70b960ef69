"""The user guide stays true to the code: every flag documented, every doc page linked."""

import dataclasses
import pathlib
import re
import shlex

from keras_nhits import NHITSTrainingConfig
from keras_nhits.cli.common import OneLineArgumentParser

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


def test_configuration_reference_lists_every_flag_with_its_default():
    text = (DOCS / "configuration.md").read_text()
    for field in dataclasses.fields(NHITSTrainingConfig):
        name = field.name.replace("_", "-")
        flag = f"--no-{name}" if field.default is True else f"--{name}"
        assert f"`{flag}`" in text, flag


def test_configuration_reference_lists_every_flag_of_the_search():
    from keras_nhits.tuning.config import PER_RUN, TuneConfig

    text = (DOCS / "configuration.md").read_text()
    own = {f.name for f in dataclasses.fields(TuneConfig)}
    own -= {f.name for f in dataclasses.fields(NHITSTrainingConfig)} - {"output"}
    assert own == {"trials", "timeout", "storage", "study", "space", "prune", "output"}
    for name in own:
        flag = "--no-prune" if name == "prune" else f"--{name}"
        assert f"`{flag}`" in text.split("keras_nhits.tune", 1)[1], flag
    for name in PER_RUN:  # the refused ones are named too
        assert f"`--{name.replace('_', '-')}`" in text.split("keras_nhits.tune", 1)[1], name


def test_every_doc_page_is_linked_from_the_index():
    index = (DOCS / "README.md").read_text()
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, page.name


def test_train_commands_in_the_configuration_reference_parse():
    text = (DOCS / "configuration.md").read_text()
    commands = re.findall(r"^python -m keras_nhits\.train (.*?)(?:\s+#.*)?$", text, re.M)
    assert commands
    parser = OneLineArgumentParser(NHITSTrainingConfig, prog="train")
    for command in commands:
        given = parser.given_flags(shlex.split(command))
        assert given, command
