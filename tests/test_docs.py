"""The user guide stays true to the code: every flag documented, every doc page linked."""

import dataclasses
import pathlib

from keras_nhits import NHITSTrainingConfig

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


def test_configuration_reference_lists_every_flag_with_its_default():
    text = (DOCS / "configuration.md").read_text()
    for field in dataclasses.fields(NHITSTrainingConfig):
        name = field.name.replace("_", "-")
        flag = f"--no-{name}" if field.default is True else f"--{name}"
        assert f"`{flag}`" in text, flag


def test_every_doc_page_is_linked_from_the_index():
    index = (DOCS / "README.md").read_text()
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"({page.name})" in index, page.name
