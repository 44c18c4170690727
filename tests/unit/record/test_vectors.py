"""Every transparency-dev/merkle test vector in ../shared/data/tlog-vectors."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from rada.record import ProofError, verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parents[4] / "shared" / "data" / "tlog-vectors"


def _load(kind: str) -> list[Any]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS))) for f in files]


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def test_the_vectors_are_the_shared_data_set() -> None:
    assert (VECTORS / "README.md").is_file()
    assert VECTORS.parent.name == "data"
    assert VECTORS.parent.parent.name == "shared"
    assert len(_load("inclusion")) == 98
    assert len(_load("consistency")) == 98


@pytest.mark.parametrize("vector", _load("inclusion"))
def test_inclusion_vector(vector: dict[str, Any]) -> None:
    def check() -> None:
        verify_inclusion(
            leaf_hash=_b64(vector["leafHash"]),
            index=vector["leafIdx"],
            size=vector["treeSize"],
            proof=[_b64(p) for p in vector["proof"] or []],
            root=_b64(vector["root"]),
        )

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("vector", _load("consistency"))
def test_consistency_vector(vector: dict[str, Any]) -> None:
    def check() -> None:
        verify_consistency(
            size1=vector["size1"],
            size2=vector["size2"],
            root1=_b64(vector["root1"]),
            root2=_b64(vector["root2"]),
            proof=[_b64(p) for p in vector["proof"] or []],
        )

    if vector["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()
