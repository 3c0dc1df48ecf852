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


HERE = Path(__file__).resolve().parent


def mypy(tmp_path: Path, file: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(HERE / file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def test_the_stubs_type_check_real_use(tmp_path: Path) -> None:
    done = mypy(tmp_path, "typed_usage.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_stubs_reject_misuse(tmp_path: Path) -> None:
    done = mypy(tmp_path, "typed_misuse.py")
    expected = (HERE / "typed_misuse.py").read_text().count("# error:")
    assert done.stdout.count(": error:") == expected, done.stdout


def test_all_names_are_exported() -> None:
    # The IAB decoders are exported through the submodules samtykke.tcf and
    # samtykke.gpp (their errors at the top level too).
    through = {"tcf": samtykke.tcf, "gpp": samtykke.gpp}
    in_submodules = {n for m in through.values() for n in m.__all__}
    native_names = {
        "tcf_decode", "tcf_decode_many", "gpp_decode",
        "TcString", "GppSection", "GppString", "UsNat", "UspV1",
    }  # fmt: skip
    top = set(samtykke._native.__all__) - native_names
    assert sorted(samtykke.__all__) == sorted(top | {"CookieColumns"} | set(through))
    for name in samtykke.__all__:
        assert getattr(samtykke, name) is not None
    for module in through.values():
        for name in module.__all__:
            assert getattr(module, name) is not None
    assert {"decode", "decode_many", "TcString", "TcfError"} <= in_submodules
    assert {"GppString", "UsNat", "UspV1", "GppSection", "GppError"} <= in_submodules


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
