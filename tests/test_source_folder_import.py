"""Python started in a checkout's root imports its source folder, whose
Cython modules are not compiled there: ``import skmlp`` then says so and what
to do, instead of naming a missing ``skmlp._engine._engine``."""

import shutil
import subprocess
import sys
from pathlib import Path

import skmlp


def test_importing_the_uncompiled_source_folder_says_what_to_do(tmp_path):
    package = Path(skmlp.__file__).parent
    shutil.copytree(
        package,
        tmp_path / "skmlp",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c", "__pycache__"),
    )
    result = subprocess.run(
        [sys.executable, "-c", "import skmlp"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONNOUSERSITE": "1"},
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        f"ImportError: skmlp is imported from its source folder "
        f"{tmp_path / 'skmlp'}, whose compiled modules are not built: start "
        "Python from another folder to use the installed skmlp, or build them "
        "in place with pip install -e ."
    )
