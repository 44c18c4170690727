"""The council commands as a person uses them, on a real SQLite file: found a council, invite,
join, propose, vote, close and read the decision."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from rada.cli.main import ExitCode

RADA = [sys.executable, "-m", "rada.cli"]
PASSWORD = "a long enough password"


@pytest.fixture
def rada(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "RADA_DATA_DIR": str(tmp_path / "data"),
        "RADA_PASSWORD": PASSWORD,
    }
    env.pop("RADA_DATABASE_URL", None)
    env.pop("RADA_TOKEN", None)

    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*RADA, *args], capture_output=True, text=True, env={**env, **extra}, check=False
        )

    return run


def ok(result: subprocess.CompletedProcess[str]) -> object:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_council_from_founding_to_decision(rada) -> None:  # type: ignore[no-untyped-def]
    upgraded = ok(rada("db", "upgrade", "--json"))
    assert isinstance(upgraded, dict)
    assert upgraded["revision"]
    for name in ("ana", "bo"):
        ok(rada("account", "create", "--name", name.title(), "--email", f"{name}@b.coop", "--json"))
    council = ok(
        rada(
            "council",
            "create",
            "Bakery North",
            "--slug",
            "bakery-north",
            "--json",
            "--as",
            "ana@b.coop",
        )
    )
    assert isinstance(council, dict)
    assert council["kind"] == "workplace"
    invitation = ok(
        rada("member", "invite", "bakery-north", "bo@b.coop", "--json", "--as", "ana@b.coop")
    )
    assert isinstance(invitation, dict)
    ok(rada("member", "join", invitation["code"], "--json", "--as", "bo@b.coop"))
    shown = ok(rada("council", "show", "bakery-north", "--json"))
    assert isinstance(shown, dict)
    assert sorted(m["name"] for m in shown["members"]) == ["Ana", "Bo"]

    # Default standing orders give motions 24 hours of discussion before the vote.
    opened = ok(
        rada(
            "proposal",
            "open",
            "bakery-north",
            "--title",
            "Second oven",
            "--text",
            "Buy one.",
            "--json",
            "--as",
            "bo@b.coop",
        )
    )
    assert isinstance(opened, dict)
    assert opened["stage"] == "discussion"
    early = rada("proposal", "start-vote", str(opened["id"]), "--as", "ana@b.coop")
    assert early.returncode == ExitCode.CONFLICT
    assert "rada: error: the discussion must last 24 hours" in early.stderr

    listed = ok(rada("proposal", "list", "bakery-north", "--stage", "discussion", "--json"))
    assert [p["title"] for p in listed] == ["Second oven"]  # type: ignore[union-attr]


def test_acting_needs_a_password_or_token(rada) -> None:  # type: ignore[no-untyped-def]
    ok(rada("account", "create", "--name", "Ana", "--email", "ana@b.coop", "--json"))
    nobody = rada("council", "create", "X", "--slug", "x")
    assert nobody.returncode == ExitCode.NOT_ALLOWED
    assert "say who" in nobody.stderr
    wrong = rada(
        "council",
        "create",
        "X",
        "--slug",
        "x",
        "--as",
        "ana@b.coop",
        RADA_PASSWORD="not the password",
    )
    assert wrong.returncode == ExitCode.NOT_ALLOWED
    token = ok(rada("account", "token", "--json", "--as", "ana@b.coop"))
    assert isinstance(token, dict)
    made = rada("council", "create", "X", "--slug", "x", "--json", RADA_TOKEN=token["token"])
    assert made.returncode == 0, made.stderr


def test_tokens_are_listed_and_revoked(rada) -> None:  # type: ignore[no-untyped-def]
    for name in ("ana", "bo"):
        ok(rada("account", "create", "--name", name.title(), "--email", f"{name}@b.coop", "--json"))
    none = rada("account", "tokens", "--as", "ana@b.coop")
    assert none.returncode == 0, none.stderr
    assert "no API tokens" in none.stderr
    laptop = ok(rada("account", "token", "--name", "laptop", "--json", "--as", "ana@b.coop"))
    phone = ok(rada("account", "token", "--name", "phone", "--json", "--as", "ana@b.coop"))
    bos = ok(rada("account", "token", "--name", "bo's", "--json", "--as", "bo@b.coop"))
    assert isinstance(laptop, dict)
    assert isinstance(phone, dict)
    assert isinstance(bos, dict)
    listed = ok(rada("account", "tokens", "--json", RADA_TOKEN=phone["token"]))
    assert isinstance(listed, list)
    assert {t["id"]: t["name"] for t in listed} == {laptop["id"]: "laptop", phone["id"]: "phone"}
    assert all(t["revoked_at"] is None for t in listed)
    assert laptop["token"] not in json.dumps(listed)

    others = rada("account", "revoke-token", bos["id"], "--as", "ana@b.coop")
    assert others.returncode == ExitCode.BAD_INPUT
    assert f"rada: error: you have no API token '{bos['id']}'" in others.stderr
    assert "hint: " in others.stderr

    revoked = ok(rada("account", "revoke-token", laptop["id"], "--json", "--as", "ana@b.coop"))
    assert isinstance(revoked, dict)
    assert revoked["name"] == "laptop"
    assert revoked["revoked_at"]
    again = rada("account", "revoke-token", laptop["id"], "--as", "ana@b.coop")
    assert again.returncode == 0, again.stderr
    when = datetime.fromisoformat(revoked["revoked_at"]).strftime("%Y-%m-%d %H:%M")
    assert again.stdout.strip() == f"token {laptop['id']} (laptop) revoked at {when} UTC"
    refused = rada("account", "tokens", RADA_TOKEN=laptop["token"])
    assert refused.returncode == ExitCode.NOT_ALLOWED
    assert "RADA_TOKEN is not a valid API token" in refused.stderr
    table = rada("account", "tokens", RADA_TOKEN=phone["token"])
    assert table.returncode == 0, table.stderr
    assert laptop["id"] in table.stdout
    assert when in table.stdout
    still = ok(rada("account", "tokens", "--json", RADA_TOKEN=bos["token"]))
    assert isinstance(still, list)
    assert [(t["id"], t["name"], t["revoked_at"]) for t in still] == [(bos["id"], "bo's", None)]


def test_bad_input_names_what_is_wrong(rada) -> None:  # type: ignore[no-untyped-def]
    ok(rada("account", "create", "--name", "Ana", "--email", "ana@b.coop", "--json"))
    bad_kind = rada(
        "council", "create", "X", "--slug", "x", "--kind", "guild", "--as", "ana@b.coop"
    )
    assert bad_kind.returncode == ExitCode.BAD_INPUT
    assert "--kind 'guild' is not one of workplace" in bad_kind.stderr
    bad_slug = rada("council", "create", "X", "--slug", "Not Valid", "--as", "ana@b.coop")
    assert bad_slug.returncode == ExitCode.BAD_INPUT
    assert "hint: use lower-case letters" in bad_slug.stderr
    missing = rada("council", "show", "nowhere")
    assert missing.returncode == ExitCode.BAD_INPUT
    assert "there is no council 'nowhere'" in missing.stderr


def test_an_unknown_option_is_a_usage_error(rada) -> None:  # type: ignore[no-untyped-def]
    result = rada("member", "join", "-oxyz")
    assert result.returncode == ExitCode.USAGE
    assert "No such option: -o" in result.stderr
    assert "bug in Rada" not in result.stderr


def test_a_federation_invites_and_the_council_decides_from_the_command_line(  # type: ignore[no-untyped-def]
    rada,
) -> None:
    ok(rada("db", "upgrade", "--json"))
    for name in ("ana", "dan"):
        ok(rada("account", "create", "--name", name.title(), "--email", f"{name}@b.coop", "--json"))
    ok(rada("council", "create", "Bakery", "--slug", "bakery", "--json", "--as", "ana@b.coop"))
    ok(
        rada(
            "council", "create", "Food", "--slug", "food", "--kind", "federation",
            "--json", "--as", "dan@b.coop",
        )
    )  # fmt: skip
    refused = rada("proposal", "affiliate", "food", "bakery", "--as", "ana@b.coop")
    assert refused.returncode != 0
    assert "only a convenor of Food" in refused.stderr
    invited = ok(
        rada(
            "proposal", "affiliate", "food", "bakery", "--delegates", "2", "--json",
            "--as", "dan@b.coop",
        )
    )  # fmt: skip
    assert isinstance(invited, dict)
    assert invited["kind"] == "affiliation"
    assert invited["details"]["delegates"] == 2
    shown = ok(rada("council", "show", "food", "--json"))
    assert isinstance(shown, dict)
    assert shown["affiliates"] == []  # nothing until the bakery decides
    leave = rada("proposal", "disaffiliate", "food", "bakery", "--as", "ana@b.coop")
    assert leave.returncode != 0
    assert "not affiliated" in leave.stderr


def test_a_password_prompt_that_meets_the_end_of_its_input_is_an_interruption(
    tmp_path: Path,
) -> None:
    """No RADA_PASSWORD and nothing on standard input: the prompt gives up, and the command
    line says it was interrupted (exit 130), not that Rada has a bug."""
    env = {**os.environ, "RADA_DATA_DIR": str(tmp_path / "data")}
    for name in ("RADA_PASSWORD", "RADA_DATABASE_URL", "RADA_TOKEN"):
        env.pop(name, None)
    args = [*RADA, "account", "create", "--name", "Jana", "--email", "jana@example.cz"]
    result = subprocess.run(args, capture_output=True, text=True, env=env, input="", check=False)
    assert result.returncode == ExitCode.INTERRUPTED, result.stderr
    assert "rada: error: interrupted" in result.stderr
    assert "bug" not in result.stderr


def test_what_members_write_is_printed_as_written(rada) -> None:  # type: ignore[no-untyped-def]
    """Names, titles and texts are not markup: "[/x]" stopped the commands with an
    unexpected MarkupError, and "[bold]" or a tombstone's "[removed by a council decision]"
    silently vanished."""
    ok(rada("db", "upgrade", "--json"))
    ok(rada("account", "create", "--name", "Ana [b]", "--email", "ana@b.coop", "--json"))
    ok(rada("council", "create", "Mill [/x]", "--slug", "mill", "--json", "--as", "ana@b.coop"))
    title, text = "Oven [/x] [bold]2", "[removed by a council decision] is how it reads"
    args = ("--title", title, "--text", text, "--json", "--as", "ana@b.coop")
    ok(rada("proposal", "open", "mill", *args))
    for command, shown in [
        (("council", "list"), ["Mill [/x]"]),
        (("council", "show", "mill"), ["Mill [/x]", "Ana [b]"]),
        (("proposal", "list", "mill"), ["Oven [/x]", "[bold]2"]),
        (("proposal", "show", "1"), [title, text]),
    ]:
        result = rada(*command, COLUMNS="200")
        assert result.returncode == 0, result.stderr
        for words in shown:
            assert words in result.stdout, (command, result.stdout)
