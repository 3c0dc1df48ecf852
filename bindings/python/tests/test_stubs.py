"""The stubs match the module, and the package is the installed wheel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import samtykke
import samtykke._native

from conftest import REPO


def test_the_installed_package_is_tested_not_the_sources() -> None:
    installed = Path(samtykke.__file__).resolve()
    assert REPO / "bindings" / "python" / "python" not in installed.parents
    assert Path(samtykke._native.__file__).parent == installed.parent


def test_stubs_match_the_module(tmp_path: Path) -> None:
    # From an empty folder, so that only the installed package is seen.
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "samtykke"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout


def test_all_names_are_exported() -> None:
    assert sorted(samtykke.__all__) == sorted(set(samtykke._native.__all__) | {"CookieColumns"})
    for name in samtykke.__all__:
        assert getattr(samtykke, name) is not None


def test_help_documents_every_public_method() -> None:
    for cls in (samtykke.Policy, samtykke.ConsentState):
        assert cls.__doc__
        for name, member in vars(cls).items():
            if not name.startswith("_"):
                assert getattr(member, "__doc__", None), f"{cls.__name__}.{name}"
    text = subprocess.run(
        [sys.executable, "-c", "import samtykke; help(samtykke.Policy)"],
        capture_output=True,
        text=True,
        check=True,
        env={"PAGER": "cat", "TERM": "dumb"},
    ).stdout
    for method in ("from_json", "load", "lint", "new_state", "decode_cookie", "decode_cookies"):
        assert method in text
    assert "Decodes many consent cookies in one call" in text
