"""The record page remembers the log's checkpoint in the browser and checks each new one, in
Debian's Chromium: the first visit remembers it, a later larger one must come with a valid
consistency proof, a fork or a rollback is called out, and witnesses' cosignatures are
counted against the quorum (with Web Crypto's Ed25519 where the browser has it)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route
from tests.browser.conftest import ORIGIN, fill_record
from tests.browser.server import running_server

from rada.record import Signer
from rada.record.checkpoint import Checkpoint, sign_checkpoint
from rada.record.merkle import root_of
from rada.record.note import COSIGNATURE_TYPE, parse_note
from rada.record.witness import AddCheckpoint, read_cosignatures
from rada.store.engine import record_engine
from rada.store.record_repository import RecordRepository
from rada.store.witness_repository import CosignatureRepository, WitnessRepository

LOG = Signer(ORIGIN, bytes([8]) * 32)  # the key fill_record writes
W1 = Signer("w1.browser.test/witness", bytes([1]) * 32, key_type=COSIGNATURE_TYPE)
W2 = Signer("w2.browser.test/witness", bytes([2]) * 32, key_type=COSIGNATURE_TYPE)


def _outcome(page: Page) -> tuple[str, str]:
    box = page.locator("#log-check")
    page.wait_for_function(
        "() => ['verified', 'incomplete', 'failed', 'none']"
        ".includes(document.getElementById('log-check').dataset.outcome)"
    )
    return str(box.get_attribute("data-outcome")), box.inner_text()


def _leaves(page: Page) -> list[bytes]:
    leaves = []
    for index in range(5):
        proof = page.request.get(f"/record/entries/{index}/proof").json()
        leaves.append(base64.b64decode(proof["leaf_hash"]))
    return leaves


def _remember(page: Page, size: int, root: bytes) -> None:
    value = json.dumps({"size": size, "root": base64.b64encode(root).decode()})
    page.evaluate(f"localStorage.setItem('rada.checkpoint.{ORIGIN}', {json.dumps(value)})")


def _serve_note(page: Page, note: str) -> None:
    def answer(route: Route) -> None:
        route.fulfill(status=200, body=note, content_type="text/plain; charset=utf-8")

    page.route("**/log/checkpoint", answer)


def test_the_page_remembers_the_checkpoint_and_checks_the_next_extends_it(page: Page) -> None:
    page.goto("/record")
    outcome, text = _outcome(page)
    assert "This browser had not seen this log before" in text
    if "cannot check Ed25519" not in text:
        assert outcome == "verified"
        assert "The checkpoint of size 5 is signed by the log's key." in text
    assert "This log names no witnesses" in text
    page.reload()
    _, text = _outcome(page)
    assert "It is the checkpoint this browser saw last time." in text
    leaves = _leaves(page)
    _remember(page, 3, root_of(leaves[:3]))
    page.reload()
    _, text = _outcome(page)
    assert "It extends the checkpoint of size 3 this browser saw before" in text
    _remember(page, 3, bytes(32))
    page.reload()
    outcome, text = _outcome(page)
    assert outcome == "failed"
    assert "does not extend the one of size 3" in text


def test_a_fork_and_a_rollback_are_called_out(page: Page) -> None:
    page.goto("/record")
    _outcome(page)  # remembers the true checkpoint of size 5
    leaves = _leaves(page)
    forked = sign_checkpoint(Checkpoint(ORIGIN, 5, root_of([bytes(32), *leaves[1:]])), LOG)
    _serve_note(page, forked)
    page.reload()
    outcome, text = _outcome(page)
    assert outcome == "failed"
    assert "another tree of the same size 5: the log has forked" in text
    page.unroute("**/log/checkpoint")
    _serve_note(page, sign_checkpoint(Checkpoint(ORIGIN, 4, root_of(leaves[:4])), LOG))
    page.reload()
    outcome, text = _outcome(page)
    assert outcome == "failed"
    assert "went back from size 5" in text
    page.unroute("**/log/checkpoint")
    page.reload()
    _, text = _outcome(page)
    assert "It is the checkpoint this browser saw last time." in text  # still the true one


@pytest.fixture(scope="module")
def witnessed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Rada whose log names two witnesses; its checkpoint carries W1's cosignature only."""
    data_dir: Path = tmp_path_factory.mktemp("witnessed")
    fill_record(data_dir)
    repository = RecordRepository(record_engine(f"sqlite:///{data_dir / 'rada.db'}"))
    note = repository.latest_checkpoint()
    assert note is not None
    head = Checkpoint.parse(parse_note(note).text)
    answer = WitnessRepository(repository.engine).add_checkpoint(
        AddCheckpoint(0, (), note), log_keys=[LOG.verifier], cosigner=W1
    )
    lines = read_cosignatures(answer, checkpoint=head, witness_key=W1.verifier)
    CosignatureRepository(repository.engine).add(head.size, lines)
    repository.engine.dispose()
    saved = dict(os.environ)
    os.environ["RADA_WITNESSES"] = ", ".join(
        f"http://127.0.0.1:9/{n} {w.verifier.vkey()}" for n, w in (("w1", W1), ("w2", W2))
    )
    os.environ["RADA_WITNESS_QUORUM"] = "1"
    os.environ["RADA_CHECKPOINT_INTERVAL_SECONDS"] = "0"
    try:
        with running_server(data_dir) as base:
            yield base
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_witnesses_cosignatures_are_counted_against_the_quorum(
    page: Page, witnessed_server: str
) -> None:
    page.goto(f"{witnessed_server}/record")
    outcome, text = _outcome(page)
    if "cannot check Ed25519" in text:
        pytest.skip("this Chromium has no Ed25519 in Web Crypto: cosignatures are not checked")
    assert outcome == "verified"
    assert "Cosigned by witnesses: 1 of 2 known (w1.browser.test/witness); the quorum" in text
    note = page.request.get(f"{witnessed_server}/log/checkpoint").text()
    lines = note.splitlines()
    w1 = next(i for i, line in enumerate(lines) if "w1.browser.test" in line)
    raw = bytearray(base64.b64decode(lines[w1].rsplit(" ", 1)[1]))
    raw[-1] ^= 1
    lines[w1] = lines[w1].rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(raw)).decode()
    _serve_note(page, "\n".join(lines) + "\n")
    page.reload()
    outcome, text = _outcome(page)
    assert outcome == "failed"
    assert "The cosignature of the witness w1.browser.test/witness does not verify." in text
    page.unroute("**/log/checkpoint")
    without = "\n".join(line for i, line in enumerate(note.splitlines()) if i != w1) + "\n"
    _serve_note(page, without)
    page.reload()
    outcome, text = _outcome(page)
    assert outcome == "incomplete"
    assert "Too few witnesses cosigned it: 0 of 2 known, and the quorum is 1." in text
    assert "This checkpoint was not remembered" in text


def test_the_czech_page_says_it_in_czech(page: Page) -> None:
    page.goto("/record?lang=cs")
    _, text = _outcome(page)
    assert "Tento prohlížeč tento rejstřík dosud neviděl" in text
