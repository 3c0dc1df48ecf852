"""The Python examples of the READMEs run as written (doctests): the short one of
the repository's README.md and the package page's (bindings/python/README.md, the
PyPI description)."""

from __future__ import annotations

import doctest
import re

import pytest

from conftest import REPO


@pytest.mark.parametrize(
    ("readme", "least"),
    [("README.md", 12), ("bindings/python/README.md", 25)],
)
def test_readme_python_examples(monkeypatch: pytest.MonkeyPatch, readme: str, least: int) -> None:
    path = REPO / readme
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, f"{readme} has a Python example"
    monkeypatch.chdir(REPO)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for i, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"{readme} python block {i}", str(path), 0)
        assert test.examples
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0 and results.attempted >= least
