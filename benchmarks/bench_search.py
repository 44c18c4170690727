"""Search over 100,000 posts: the median time of a query, on SQLite and on PostgreSQL.

The index holds 40 councils, 2,000 proposals and 100,000 posts (``--posts``) of 15 to 80
words each, English and Czech mixed (a third of the posts Czech, with their diacritics), the
words drawn from a Zipf-like distribution so that some are in most posts and most in few.
Each query of a fixed set (rare and common words, two and three words, Czech typed without
diacritics, an unfinished last word, one council only) runs through the use case
(:func:`rada.services.searching.search`: parsing, the database's ranked search and the
snippets, 20 hits a page), once to warm up and then ``--repeat`` times; the median of all
those times is the figure, against a target of 50 ms.

Usage::

    python benchmarks/bench_search.py --db sqlite
    python benchmarks/bench_search.py --db postgres   # the server of RADA_TEST_POSTGRES_URL
    python benchmarks/bench_search.py --db both --posts 100000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from rada.services.ports import SearchDocument
from rada.services.searching import search
from rada.store.database import Database
from rada.store.engine import record_engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import machine

POSTGRES_URL = os.environ.get(
    "RADA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

_ENGLISH = (
    "the council budget vote proposal workers plan we should agree meeting oven bakery "
    "production investment delegates federation union members target year shift wages "
    "safety machine repair training kitchen canteen transport energy heating roof repairs "
    "schedule holiday overtime suppliers flour bread delivery contract manager election "
    "recall minutes report accounts surplus deficit equipment tools warehouse stock orders "
    "customers quality inspection maintenance cleaning night weekend committee housing "
    "childcare nursery library garden bicycles solar panels insulation windows ventilation "
    "noise dust injury first aid fire drill pension sick leave parental rota apprentices "
    "mentor translation software printer paper coffee lunch break lockers showers parking"
)
ENGLISH = _ENGLISH.split()
_CZECH = (
    "přehled rozpočtu hlasování návrh dělníci plán souhlasíme schůze pec pekárna výroba "
    "investice delegáti federace odbory členové cíl rok směna mzdy bezpečnost stroj oprava "
    "školení kuchyně jídelna doprava energie topení střecha opravy rozvrh dovolená přesčasy "
    "dodavatelé mouka chléb rohlíky dodávka smlouva ředitel volba odvolání zápis zpráva "
    "účetnictví přebytek schodek vybavení nářadí sklad zásoby objednávky zákazníci kvalita "
    "údržba úklid noc víkend výbor bydlení školka knihovna zahrada kola solární panely "
    "zateplení okna větrání hluk prach úraz požár důchod nemocenská žádost připomínka"
)
CZECH = _CZECH.split()

#: The queries timed: rare and common words, several words, Czech without diacritics, an
#: unfinished word; ``@`` before a query asks within one council.
QUERIES = (
    "solar panels",
    "budget",
    "prehled rozpoctu",
    "ucetnictvi",
    "oven repair",
    "pekarna",
    "delegates federation vote",
    "insul",
    "rohliky chleb",
    "ventilation noise",
    "zprava",
    "overtime night shift",
    "@budget",
    "@prehled",
    "parental leave",
    "xylophone",
)


def _zipf(words: list[str], rng: random.Random, size: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=size)


def documents(posts: int, *, seed: int = 16) -> Iterator[SearchDocument]:
    """The councils, proposals and posts of the benchmark's index."""
    rng = random.Random(seed)
    english, czech = ENGLISH[:], CZECH[:]
    rng.shuffle(english)
    rng.shuffle(czech)
    councils, proposals = 40, 2_000
    for c in range(1, councils + 1):
        yield SearchDocument("council", c, c, f"Council {c} pekárna", "A workplace council")
    for p in range(1, proposals + 1):
        words = czech if p % 3 == 0 else english
        title = " ".join(_zipf(words, rng, 4)).capitalize()
        body = " ".join(_zipf(words, rng, rng.randint(30, 120)))
        yield SearchDocument("proposal", p, 1 + p % councils, title, body)
    for n in range(1, posts + 1):
        words = czech if n % 3 == 0 else english
        proposal = 1 + n % proposals
        body = " ".join(_zipf(words, rng, rng.randint(15, 80))).capitalize() + "."
        yield SearchDocument("post", n, 1 + proposal % councils, "", body, proposal=proposal)


def fill(database: Database, posts: int) -> float:
    """Index the documents, 5,000 per transaction; seconds taken."""
    started = time.perf_counter()
    batch: list[SearchDocument] = []
    for document in documents(posts):
        batch.append(document)
        if len(batch) == 5_000:
            with database.unit_of_work() as uow:
                uow.search.index(batch)
                uow.commit()
            batch = []
    with database.unit_of_work() as uow:
        uow.search.index(batch)
        uow.commit()
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("ANALYZE search_documents"))
    return time.perf_counter() - started


def measure(database: Database, repeat: int) -> dict[str, list[float]]:
    """Each query's times, in milliseconds."""
    times: dict[str, list[float]] = {}
    with database.unit_of_work() as uow:
        for query in QUERIES:
            words, council = (query[1:], 7) if query.startswith("@") else (query, None)
            search(uow, words, council=council)  # warm
            times[query] = []
            for _ in range(repeat):
                started = time.perf_counter()
                results = search(uow, words, council=council)
                times[query].append((time.perf_counter() - started) * 1000)
            times[query].append(float(len(results.hits)))  # kept apart below
    return times


def run(url: str, name: str, posts: int, repeat: int) -> float:
    database = Database(url)
    database.upgrade()
    seconds = fill(database, posts)
    print(f"{name}: indexed {posts:,} posts (and 2,040 other documents) in {seconds:.1f} s")
    found = measure(database, repeat)
    database.dispose()
    every: list[float] = []
    for query, values in found.items():
        *ms, hits = values
        every += ms
        print(f"  {query!r:30} median {statistics.median(ms):6.1f} ms  max {max(ms):6.1f} ms"
              f"  ({int(hits)} hits on the first page)")  # fmt: skip
    overall = statistics.median(every)
    verdict = "under" if overall < 50 else "OVER"
    print(f"{name}: median {overall:.1f} ms over {len(every)} queries ({verdict} the 50 ms target)")
    return overall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{Path(folder) / 'rada.db'}", "SQLite", args.posts, args.repeat)
    if args.db in ("postgres", "both"):
        schema = f"bench_search_{uuid.uuid4().hex[:12]}"
        admin = record_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in POSTGRES_URL else "?"
        try:
            url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
            run(url, "PostgreSQL", args.posts, args.repeat)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
