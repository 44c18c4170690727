"""Reading bad input gives a clear error naming file, line and column, and writes nothing."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from rada.planning.errors import InputError, UnproductiveEconomy
from rada.planning.formats import detect_format, load_economy
from rada.planning.formats.cockshott import read_cockshott
from rada.planning.formats.iot import read_iot
from rada.planning.formats.rada_toml import dumps, loads

DATA = Path(__file__).resolve().parents[4] / "shared" / "data"
TOY = DATA / "cockshott-toy" / "v2019"


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    return folder


def _replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text().splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n")


def test_a_non_numeric_cell_is_named_by_file_line_and_column(toy: Path) -> None:
    _replace_line(toy / "flows.csv", 3, "coal,2,x1,0.04,0.2")
    with pytest.raises(InputError) as caught:
        read_cockshott(toy)
    message = str(caught.value)
    assert "flows.csv" in message
    assert "line 3" in message
    assert "column 'coal'" in message
    assert "'x1' is not a number" in message


def test_a_negative_coefficient_is_refused(toy: Path) -> None:
    _replace_line(toy / "cap.csv", 2, "iron,10,-7,1.4,1")
    with pytest.raises(InputError, match=r"cap\.csv, line 2, column 'coal': -7\.0 is negative"):
        read_cockshott(toy)


def test_headings_that_do_not_match_are_refused(toy: Path) -> None:
    _replace_line(toy / "dep.csv", 1, "headings,iron,coal,bread,corn")
    with pytest.raises(InputError, match=r"dep\.csv, line 1, column '#4': heading 'bread'"):
        read_cockshott(toy)


def test_a_missing_labour_row_is_refused(toy: Path) -> None:
    lines = [ln for ln in (toy / "flows.csv").read_text().splitlines() if ln[:6] != "labour"]
    (toy / "flows.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="there is no 'labour' row"):
        read_cockshott(toy)


def test_plan_years_must_be_numbered_in_order(toy: Path) -> None:
    _replace_line(toy / "labtarg.csv", 3, "year3,0.1,3,0.00,2.010000,3.010000")
    with pytest.raises(InputError, match=r"labtarg\.csv, line 3: row 'year3' should be 'year2'"):
        read_cockshott(toy)


def _small_table(tmp_path: Path, flows: list[list[str]], labour: list[str]) -> Path:
    codes = ["a", "b"]
    lines = ["code,a,b,Households,Total demand"]
    for code, row in zip(codes, flows, strict=True):
        lines.append(f"{code},{','.join(row)},5,0")
    lines.append("Compensation of employees," + ",".join(labour) + ",,")
    lines.append("Total output,10,10,,")
    path = tmp_path / "table.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_unproductive_table_says_by_how_much(tmp_path: Path) -> None:
    path = _small_table(tmp_path, [["6", "6"], ["6", "6"]], ["1", "1"])
    with pytest.raises(UnproductiveEconomy) as caught:
        read_iot(path)
    assert caught.value.spectral_radius == pytest.approx(1.2)
    assert "spectral radius of A is 1.2" in str(caught.value)
    assert "(0.2 above 1)" in str(caught.value)


def test_a_table_without_the_named_labour_row_lists_the_rows_it_has(tmp_path: Path) -> None:
    path = _small_table(tmp_path, [["1", "2"], ["3", "1"]], ["1", "1"])
    with pytest.raises(InputError) as caught:
        read_iot(path, labour_row="Wages")
    assert "there is no labour row 'Wages'" in str(caught.value)
    assert caught.value.hint is not None
    assert "'Compensation of employees'" in caught.value.hint
    assert "value added instead" not in caught.value.hint


def test_a_table_whose_rows_and_columns_differ_is_refused(tmp_path: Path) -> None:
    path = _small_table(tmp_path, [["1", "2"], ["3", "1"]], ["1", "1"])
    path.write_text(path.read_text().replace("\nb,", "\nc,"))
    with pytest.raises(InputError, match="headings do not match"):
        read_iot(path)


def test_a_bad_cell_in_a_table_is_named(tmp_path: Path) -> None:
    path = _small_table(tmp_path, [["1", "two"], ["3", "1"]], ["1", "1"])
    with pytest.raises(InputError, match=r"table\.csv, line 2, column 'b': 'two' is not a number"):
        read_iot(path)


def test_a_negative_flow_in_a_table_is_refused(tmp_path: Path) -> None:
    path = _small_table(tmp_path, [["1", "2"], ["-3", "1"]], ["1", "1"])
    with pytest.raises(InputError, match=r"line 3, column 'a': '-3' is negative"):
        read_iot(path)


def test_toml_errors_name_the_technique_and_field() -> None:
    text = dumps(read_cockshott(TOY)).replace("inputs = { coal = 1.0 }", 'inputs = { coal = "x" }')
    with pytest.raises(InputError, match=r"technique 'coal'\.inputs\.coal: 'x' is not a number"):
        loads(text, file="economy.toml")
    broken = dumps(read_cockshott(TOY)).replace("years = 5", "years = [5")
    with pytest.raises(InputError, match=r"economy\.toml, line 6: not valid TOML"):
        loads(broken, file="economy.toml")
    # The collector, paused while an economy is read, runs again after a refusal too.
    assert gc.isenabled()


def test_an_unknown_product_in_a_technique_is_refused() -> None:
    text = dumps(read_cockshott(TOY)).replace("inputs = { coal = 1.0 }", "inputs = { cole = 1.0 }")
    with pytest.raises(InputError, match="technique 'coal', inputs: unknown product 'cole'"):
        loads(text)


def test_formats_are_detected_from_the_path(tmp_path: Path) -> None:
    assert detect_format(TOY) == "cockshott"
    assert detect_format(tmp_path / "e.toml") == "rada"
    assert detect_format(DATA / "io" / "uk-2010" / "iot.csv") == "iot"
    with pytest.raises(InputError, match="cannot tell the format"):
        detect_format(tmp_path / "e.xlsx")
    economy = load_economy(TOY)
    assert [p.id for p in economy.products] == ["iron", "coal", "corn", "bread"]


def test_an_unproductive_cockshott_economy_is_refused(toy: Path) -> None:
    # Coal uses 7 units of coal per 6 made: no net output is possible.
    _replace_line(toy / "flows.csv", 3, "coal,2,7,0.04,0.2")
    with pytest.raises(UnproductiveEconomy, match=r"flows\.csv: the economy is not productive"):
        read_cockshott(toy)


def test_a_zero_output_is_refused(toy: Path) -> None:
    _replace_line(toy / "flows.csv", 7, "output,10,0,10,1")
    with pytest.raises(InputError, match=r"line 7, column 'coal': the output of 'coal' is 0\.0"):
        read_cockshott(toy)


def test_a_cell_beyond_a_floats_range_is_named_in_flows_and_final_demand(tmp_path: Path) -> None:
    path = _small_table(tmp_path, [["1", "1e999"], ["3", "1"]], ["1", "1"])
    with pytest.raises(InputError, match=r"line 2, column 'b': '1e999' is not a finite number"):
        read_iot(path)
    path.write_text(path.read_text().replace("b,3,1,5,", "b,3,1,nan,"))
    path.write_text(path.read_text().replace("1e999", "2"))
    with pytest.raises(InputError, match=r"line 3, column 'Households': 'nan' is not a finite"):
        read_iot(path)


def test_blank_cells_count_as_zero_in_flows_and_final_demand(tmp_path: Path) -> None:
    path = _small_table(tmp_path, [["1", ""], ["", "1"]], ["1", ""])
    path.write_text(path.read_text().replace("b,,1,5,", "b,,1,,"))
    table = read_iot(path)
    assert table.flows.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert table.labour.tolist() == [1.0, 0.0]
    assert table.final_demand.tolist() == [5.0, 0.0]
