"""Where the shared third-party corpus lives, and the rule for when it is missing.

Tests read it from ``../shared/corpus`` beside the clone (override with
``CUSTODY_CORPUS``). Outside CI a missing corpus skips; with ``CI`` set it fails.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("CUSTODY_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus_path(*parts: str) -> Path:
    """Return a path inside the corpus; fail in CI, skip elsewhere, when it is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        message = f"shared corpus not found at {path}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run beside ../shared/corpus)")
        pytest.skip(message)
    return path
