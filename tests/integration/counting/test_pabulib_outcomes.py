"""Greedy and Equal Shares reproduce the official ``selected`` projects of the pabulib files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rada.counting.formats.pabulib import read_pb
from rada.counting.mes import equal_shares
from rada.counting.pb import count_pb, greedy

PB = Path(__file__).resolve().parents[4] / "shared" / "data" / "pb"


def _rows() -> list[dict[str, str]]:
    with (PB / "expected.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


ROWS = _rows()
GREEDY = [r for r in ROWS if r["rule"] == "greedy"]
MES = [r for r in ROWS if r["rule"].startswith("equalshares")]


def test_every_file_is_counted_by_one_of_our_rules() -> None:
    # No file is silently dropped: all 16 follow a rule Rada implements.
    assert len(ROWS) == 16
    assert len(GREEDY) + len(MES) == len(ROWS)


@pytest.mark.parametrize("row", GREEDY, ids=[r["file"] for r in GREEDY])
def test_greedy_reproduces_official_selection(row: dict[str, str]) -> None:
    instance = read_pb(PB / row["file"])
    result = count_pb(instance)
    assert set(result.selected) == set(row["selected"].split("|"))
    assert result.cost <= instance.budget


@pytest.mark.parametrize("row", GREEDY, ids=[r["file"] for r in GREEDY])
def test_greedy_no_skip_differs_where_a_project_was_skipped(row: dict[str, str]) -> None:
    # The README counts how many projects a stop-at-first-misfit rule would fund instead.
    no_skip = {
        "Aleksandrow": 1, "Saska_Kepa": 5, "Mlynow": 8, "Nadwisle": 3, "Anin": 7,
        "Wawrzyszew": 10, "2020_Wesola": 13, "2021_Wilanow": 9, "2022_Wilanow": 9,
        "2023_Wesola": 14, "2025_Wesola": 6, "Bienczyce": 4, "Mirow": 4,
    }  # fmt: skip
    key = next(k for k in no_skip if row["file"].removesuffix(".pb").endswith(k))
    result = greedy(read_pb(PB / row["file"]), rule="greedy-no-skip")
    assert len(result.selected) == no_skip[key]


@pytest.mark.parametrize("row", MES, ids=[r["file"] for r in MES])
def test_equal_shares_add1_reproduces_official_selection(row: dict[str, str]) -> None:
    # Wieliczka names "equalshares/add1-comparison"; keeping the last add1 outcome that fits
    # the budget (rather than stopping at the first exhaustive one) reproduces it as well.
    instance = read_pb(PB / row["file"])
    result = count_pb(instance)
    assert set(result.selected) == set(row["selected"].split("|"))
    funded = {"Swiecie": 1_040_337, "Assen": 76_700, "Wieliczka": 995_079}
    assert result.cost == next(v for k, v in funded.items() if k in row["file"])


def test_stopping_at_the_first_exhaustive_outcome_changes_wieliczka() -> None:
    instance = read_pb(PB / "Poland_Wieliczka_2023_Green_Budget.pb")
    official = set(next(r for r in MES if "Wieliczka" in r["file"])["selected"].split("|"))
    early = set(equal_shares(instance, stop_when_exhaustive=True).selected)
    assert early ^ official == {"66", "67", "46"}
