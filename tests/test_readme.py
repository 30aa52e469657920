"""The README's Python examples run as written (in one namespace, in order), and none of them
trips fastup's warnings."""

from __future__ import annotations

import pathlib
import re
import warnings

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_examples_run():
    if not README.exists():
        pytest.skip("README.md is not next to the tests (an installed copy)")
    blocks = python_blocks()
    assert len(blocks) >= 3
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    # the image examples resize H and W of the photo
    assert namespace["thumb"].shape == (224, 398, 3)
    assert namespace["big"].shape == (2160, 3840, 3)
