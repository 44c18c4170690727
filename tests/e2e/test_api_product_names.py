"""The API names a proposal's product by the economy the instance plans, as its pages do,
not by the table Rada ships."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from rada.config import Settings
from rada.councils.orders import CouncilKind, ProposalKind
from rada.planning.formats import load_economy
from rada.services import accounts
from rada.services import councils as cs
from rada.services import proposals as ps
from rada.web.app import create_app

DOCS = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


def test_the_api_names_a_product_by_the_instances_economy(tmp_path: Path) -> None:
    toy = load_economy(DOCS / "toy.toml")
    products = tuple(
        replace(p, name="Wholemeal bread") if p.id == "bread" else p for p in toy.products
    )
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'rada.db'}")
    app = create_app(settings, economy=replace(toy, products=products), clock=lambda: NOW)
    with TestClient(app) as client:
        with app.state.api.uow() as uow:
            ana = accounts.register(
                uow, name="Ana", email="ana@bakery.coop", password="long enough pw", now=NOW
            )
            cs.create_council(
                uow, name="Bakery", slug="bakery", kind=CouncilKind.WORKPLACE,
                founder_id=ana.id, now=NOW,
            )  # fmt: skip
            oven = ps.open_proposal(
                uow, council="bakery", kind=ProposalKind.INVESTMENT, title="A second oven",
                text="More bread.", by=ana.id, now=NOW,
                details={"cost": "100", "product": "bread", "capacity": "0.5"},
            )  # fmt: skip
            uow.commit()
        api = client.get(f"/api/v1/proposals/{oven.id}").json()
        page = client.get(f"/proposals/{oven.id}").text
    fact = {"heading": "Product", "text": "Wholemeal bread", "href": None}
    assert fact in api["substance"]
    assert "<dt>Product</dt><dd>Wholemeal bread</dd>" in page
