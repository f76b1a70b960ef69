"""The one JSON reader and the message helpers every module shares (backend-independent)."""

import pytest

from keras_nhits.errors import NHITSInputError, first_line, name_list
from keras_nhits.saving.json_file import read_json, read_json_or_none


def test_an_object_is_read(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"horizon": 24, "ids": ["a"]}')
    assert read_json(path, "fix it") == {"horizon": 24, "ids": ["a"]}
    assert read_json_or_none(path) == {"horizon": 24, "ids": ["a"]}


@pytest.mark.parametrize(
    "content, words",
    [
        ('{"horizon": ', ["is damaged: not JSON", "fix it"]),
        ("[1, 2]", ["is damaged: not a JSON object", "fix it"]),
        ("[" * 100_000 + "]" * 100_000, ["is damaged: not JSON", "fix it"]),
        (b"\xff\xfe{}", ["is damaged: not JSON", "fix it"]),
        ("{" + '"k": 1, ' * 40 + '"k": 1}', None),
    ],
    ids=["cut", "a-list", "deeply-nested", "not-utf8", "big"],
)
def test_a_damaged_or_foreign_file_is_one_line_naming_it(tmp_path, content, words):
    path = tmp_path / "a.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    if words is None:  # a valid object, but over the limit given
        words = ["is too large", "at most 100", "fix it"]
        with pytest.raises(NHITSInputError) as caught:
            read_json(path, "fix it", max_bytes=100)
    else:
        with pytest.raises(NHITSInputError) as caught:
            read_json(path, "fix it")
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message
    assert read_json_or_none(path, max_bytes=100) is None


def test_a_missing_file_or_a_folder_cannot_be_read(tmp_path):
    for path in (tmp_path / "missing.json", tmp_path):
        with pytest.raises(NHITSInputError, match="cannot be read"):
            read_json(path, "fix it")
        assert read_json_or_none(path) is None


def test_first_line_quotes_a_library_error_in_one_line():
    assert first_line(ValueError("\n  bad shape (3, 4)\nTraceback...")) == "bad shape (3, 4)"
    assert first_line(KeyError()) == "KeyError"


def test_name_list_shows_the_first_names_then_a_count():
    assert name_list(["a", "b"]) == "a, b"
    assert name_list([f"c{i}" for i in range(100_000)]) == "c0, c1, c2 and 99997 more"
    assert name_list(["x" * 500], limit=1) == "x" * 79 + "…"
