"""`-- include:` lines (warehouse/query.py, read_sql): every query reads as one whole statement,
and every part is included somewhere (a part no query includes is dead SQL)."""

from __future__ import annotations

from warehouse.query import INCLUDE, SQL_DIR, read_sql


def test_every_query_reads_whole_and_every_part_is_used():
    queries = [p for p in (SQL_DIR / "queries").glob("*.sql") if not p.name.startswith("_")]
    parts = {f"queries/{p.stem}" for p in (SQL_DIR / "queries").glob("_*.sql")}
    used = set()
    for path in queries:
        raw = path.read_text()
        used.update(INCLUDE.findall(raw))
        text = read_sql(f"queries/{path.stem}")
        assert not INCLUDE.search(text), path.name
        for name in INCLUDE.findall(raw):
            assert read_sql(name).strip() in text
    assert parts and parts <= used, parts - used
