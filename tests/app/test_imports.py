"""Importing any module of the packages does nothing: pytest imports them all for doctests."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT_ALL = """
import importlib, pkgutil, sys
for top in ("app", "epcis", "scanners", "gs1"):
    package = importlib.import_module(top)
    for module in pkgutil.walk_packages(package.__path__, top + "."):
        importlib.import_module(module.name)
print(len([m for m in sys.modules if m.split(".")[0] in ("app", "epcis", "scanners", "gs1")]))
"""


def test_every_module_imports_without_settings_and_writes_nothing(tmp_path):
    """No settings, database, key directory or log file is needed or touched by an import."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 100  # every module, not just the packages
    assert list(tmp_path.iterdir()) == []
    assert done.stderr == ""
