"""The Examples in the public docstrings run and print what they show."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import fastup

PUBLIC = [name for name in fastup.__all__ if callable(getattr(fastup, name))]


def test_every_public_callable_has_examples() -> None:
    missing = [name for name in PUBLIC if ">>>" not in (getattr(fastup, name).__doc__ or "")]
    assert missing == []


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_examples(name: str) -> None:
    obj = getattr(fastup, name)
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = finder.find(obj, name, globs={"np": np, "fastup": fastup})
    assert tests and tests[0].examples
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
