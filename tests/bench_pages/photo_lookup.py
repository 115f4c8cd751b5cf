"""`make bench`, re-used photos (BENCH_SECTIONS=photos): the near-duplicate lookup a submit makes
(db.photo_matches.reused_photos, one photo) against 1,000,000 stored hashes — 100,000 photos of
other merchants at 10 stored crops each — p95 of 200 lookups, half of them for a photo planted
as a near-duplicate of a stored one (target <= 20 ms); the baseline, in the same run, is reading
one evidence row by its id. The stored hashes are random, which spreads them over the index
more evenly than real photos' would. Figures, not a test."""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.photo_hash import STORED_CROPS

PHOTOS = 100_000
REQUESTS = 1_000  # the photos are spread over these (other merchants', submitted)
LOOKUPS = 200
CROPS = len(STORED_CROPS)  # stored per photo


def _hash_row(rng: random.Random, evidence_id: int, crop: int) -> tuple[Any, ...]:
    from domain.photo_hash import parts, signed

    phash, dhash = rng.getrandbits(64), rng.getrandbits(64)
    return (evidence_id, crop, signed(phash), signed(dhash), *parts(phash))


async def _seed(rng: random.Random) -> tuple[int, int, int]:
    """The stored photos; (first evidence id, a request to look up from, its merchant)."""
    from db.tables import EvidenceFile, PhotoHashEntry, ReturnRequest
    from tests.integration import factories

    now = datetime.now(UTC)
    others = await factories.merchant(name="别的商户")
    order_id, items = await factories.order(others, now - timedelta(days=3), serials=())
    requests = [await factories.draft(others, order_id, items, evidence=0) for _ in range(REQUESTS)]
    await ReturnRequest.update({ReturnRequest.submitted_at: now}).where(
        ReturnRequest.id.is_in(requests)
    )
    evidence = [
        (requests[i % REQUESTS], "image", "p.jpg", f"bench-photo-{i}.jpg", "", "image/jpeg",
         1000, f"{i:064d}", "", "merchant:bench", now)
        for i in range(PHOTOS)
    ]  # fmt: skip
    columns = ("request", "kind", "original_name", "stored_name", "thumb_name", "content_type",
               "size", "sha256", "photo_hashes", "uploaded_by", "created_at")  # fmt: skip
    first = await _bulk(EvidenceFile._meta.tablename, columns, evidence)
    entries = [_hash_row(rng, first + i, crop) for i in range(PHOTOS) for crop in range(CROPS)]
    await _bulk(PhotoHashEntry._meta.tablename,
                ("evidence", "crop", "phash", "dhash", "part0", "part1", "part2", "part3"),
                entries)  # fmt: skip
    mine = await factories.merchant(name="查找的商户")
    own_order, own_items = await factories.order(mine, now - timedelta(days=3), serials=())
    looking = await factories.draft(mine, own_order, own_items, evidence=0)
    return first, looking, mine


async def _bulk(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> int:
    """Insert many rows straight through the driver (a million of them: Piccolo builds each
    row's SQL, as the staff section's 100,000 can afford); the id of the first."""
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.querystring import QueryString

    from db.engine import engine

    db = engine()
    before = await db.run_querystring(
        QueryString(f"SELECT COALESCE(MAX(id), 0) AS top FROM {table}")
    )
    if isinstance(db, PostgresEngine):
        import asyncpg

        connection = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            await connection.copy_records_to_table(table, records=rows, columns=list(columns))
            # the statistics autovacuum would gather before long, so the planner knows the table
            await connection.execute(f"ANALYZE {table}")
        finally:
            await connection.close()
    else:
        import sqlite3

        from db.location import sqlite_file

        path = sqlite_file(os.environ["DATABASE_URL"])
        with sqlite3.connect(str(path)) as connection:
            marks = ", ".join("?" * len(columns))
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [
                    tuple(v.isoformat() if isinstance(v, datetime) else v for v in row)
                    for row in rows
                ],
            )
    return int(before[0]["top"]) + 1


async def _p95(
    runs: int, action: Callable[[int], Awaitable[Any]], setup: Callable[[int], Awaitable[Any]]
) -> tuple[float, float]:
    samples = []
    for i in range(runs):
        await setup(i)  # not timed
        started = time.perf_counter()
        await action(i)
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(runs * 0.95) - 1] * 1000


async def photos_section() -> None:
    from db.engine import bind_database, close_database, open_database, run_migrations
    from db.photo_matches import reused_photos
    from db.tables import EvidenceFile
    from domain.photo_hash import QUERY_CROPS, PhotoHash, PhotoHashes

    # pooled, as a web process or worker reads (without a pool each query opens a connection)
    bind_database(os.environ["DATABASE_URL"], 4)
    await open_database()
    await run_migrations()
    rng = random.Random(5)
    started = time.perf_counter()
    first, looking, mine = await _seed(rng)
    print(f"re-used photos: {PHOTOS * CROPS:,} stored hashes ({PHOTOS:,} photos × {CROPS} crops), "
          f"seeded in {time.perf_counter() - started:.0f} s")  # fmt: skip
    photo = await EvidenceFile.insert(EvidenceFile(
        request=looking, kind="image", original_name="q.jpg", stored_name="bench-query.jpg",
        content_type="image/jpeg", size=1000, sha256="q" * 64, uploaded_by="merchant:bench",
    )).returning(EvidenceFile.id)  # fmt: skip
    photo_id = photo[0]["id"]

    found = 0

    async def new_photo(i: int) -> None:
        if i % 2:  # a near-duplicate of a stored photo: its stored hashes, 3 bits flipped
            phash, dhash = await _stored_hashes(first + rng.randrange(PHOTOS))
            flips = (1 << rng.randrange(64)) ^ (1 << rng.randrange(64)) ^ (1 << 7)
            query = PhotoHash(phash ^ flips, dhash ^ flips)
        else:
            query = PhotoHash(rng.getrandbits(64), rng.getrandbits(64))
        hashes = PhotoHashes((query,) * len(STORED_CROPS), (query,) * len(QUERY_CROPS))
        await EvidenceFile.update({EvidenceFile.photo_hashes: hashes.as_text()}).where(
            EvidenceFile.id == photo_id
        )

    async def lookup(i: int) -> None:
        nonlocal found
        found += bool(await reused_photos(looking, mine))

    async def nothing(i: int) -> None:
        pass

    base_median, base_p95 = await _p95(LOOKUPS, lambda i: EvidenceFile.select().where(
        EvidenceFile.id == first + i).first(), nothing)  # fmt: skip
    median, p95 = await _p95(LOOKUPS, lookup, new_photo)
    print(
        f"  baseline: one evidence row by id       median {base_median:6.2f} ms   p95 {base_p95:6.2f} ms"
    )
    print(f"  near-duplicate lookup (one photo)      median {median:6.2f} ms   p95 {p95:6.2f} ms"
          f"   (target p95 <= 20 ms; {found} of the {LOOKUPS // 2} planted found)")  # fmt: skip
    await close_database()


async def _stored_hashes(evidence_id: int) -> tuple[int, int]:
    from db.tables import PhotoHashEntry
    from domain.photo_hash import unsigned

    row = (
        await PhotoHashEntry.select(PhotoHashEntry.phash, PhotoHashEntry.dhash)
        .where((PhotoHashEntry.evidence == evidence_id) & (PhotoHashEntry.crop == 0))
        .first()
    )
    assert row is not None
    return unsigned(row["phash"]), unsigned(row["dhash"])
