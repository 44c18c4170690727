"""Property-based tests from the API's own OpenAPI document (schemathesis, in process):
whatever a client sends that the schema allows, or nearly allows, no answer is a 5xx.

A small world exists first (a council, a proposal in discussion, a post) and the requests
carry a member's API token, so that the generated calls reach past authentication into the
services; signed-out calls run too. The number of examples is bounded to keep this fast.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from rada.config import Settings
from rada.councils.orders import CouncilKind, ProposalKind
from rada.services import accounts, discussion
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.services.ports import UnitOfWork
from rada.store.memory import MemoryState, MemoryUnitOfWork
from rada.web.app import create_app

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TOKEN: dict[str, str] = {}
#: Path parameters that name things that exist, so that half the requests get past 404.
KNOWN: dict[str, object] = {}


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def api_schema(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> schemathesis.schemas.BaseSchema:
    """The API's schema, served by an app on the in-memory unit of work or on SQLite."""
    data = Path(tmp_path_factory.mktemp("schema"))
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'rada.db'}")
    factory: Callable[[], UnitOfWork]
    if request.param == "memory":
        state = MemoryState()
        factory = lambda: MemoryUnitOfWork(state)  # noqa: E731
    else:
        from rada.bootstrap import open_database

        factory = open_database(settings).unit_of_work
    with factory() as uow:
        ana = accounts.register(
            uow, name="Ana", email="ana@example.org", password="correct horse battery", now=T0
        )
        TOKEN["member"] = accounts.issue_token(uow, person_id=ana.id, name="fuzz", now=T0)
        cs.create_council(
            uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE, founder_id=ana.id, now=T0
        )
        proposal = ps.open_proposal(
            uow,
            council="bakery",
            kind=ProposalKind.MOTION,
            title="A motion",
            text="Text.",
            by=ana.id,
            now=T0,
        )
        post = discussion.write_post(uow, proposal_id=proposal.id, text="A post", by=ana.id, now=T0)
        KNOWN.update(slug="bakery", proposal_id=proposal.id, post_id=post.id, code="receipt")
        uow.commit()
    app = create_app(settings, uow_factory=factory)
    return schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex="^/api/")


_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def test_no_operation_answers_with_a_server_error(
    api_schema: schemathesis.schemas.BaseSchema,
) -> None:
    # The operations are driven here rather than by schemathesis's pytest plugin, which
    # does not work with this pytest; hypothesis shrinks any failure to a minimal request.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 27
    member = {"Authorization": f"Bearer {TOKEN['member']}"}
    for operation in operations:

        @given(case=operation.as_strategy(), known=st.booleans())
        @_SETTINGS
        def run(case: schemathesis.Case, known: bool) -> None:
            if known and case.path_parameters:
                case.path_parameters = {
                    name: KNOWN.get(name, value) for name, value in case.path_parameters.items()
                }
            for headers in (member, None):
                response = case.call(headers=headers)
                case.validate_response(response, checks=[not_a_server_error])

        run()
