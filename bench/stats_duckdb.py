"""DuckDB over the exported values: every value counted for its org unit and every unit above
it, grouped by unit × element × disaggregation — the same totals `innocity stats aggregate`
computes. Prints the best of three timings (read_csv + GROUP BY) and the number of groups.

usage: stats_duckdb.py VALUES.csv [INNOCITY_TOTALS.csv]
With innocity's totals, also checks that every total agrees (relative 1e-9) and exits 1 if not.
"""
import sys
import time

import duckdb

path = sys.argv[1]
con = duckdb.connect()
sql = f"""
SELECT unit, element, disaggregation, SUM(value) AS total, COUNT(*) AS n FROM (
  SELECT unnest(string_split(trim(unit_path, '/'), '/')) AS unit, element, coalesce(disaggregation, '') AS disaggregation, value
  FROM read_csv('{path}', header = true, columns = {{'org': 'VARCHAR', 'unit_path': 'VARCHAR', 'element': 'VARCHAR',
       'disaggregation': 'VARCHAR', 'period': 'VARCHAR', 'row': 'BIGINT', 'value': 'DOUBLE'}})
  WHERE value IS NOT NULL
) GROUP BY ALL
"""
times = []
for _ in range(3):
    t = time.perf_counter()
    rows = con.execute(sql).fetchall()
    times.append(time.perf_counter() - t)
if len(sys.argv) > 2:
    import csv
    ours = {}
    with open(sys.argv[2], encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ours[(r["unit"], r["element"], r["disaggregation"])] = (float(r["sum"]), int(r["count"]))
    theirs = {(str(u), e, d): (t, n) for u, e, d, t, n in rows}
    bad = [k for k in theirs if k not in ours or abs(ours[k][0] - theirs[k][0]) > 1e-9 * max(1.0, abs(theirs[k][0])) or ours[k][1] != theirs[k][1]]
    if bad or len(ours) != len(theirs):
        print(f"totals differ: {len(bad)} of {len(theirs)}, e.g. {bad[:3]}", file=sys.stderr)
        sys.exit(1)
    print(f"all {len(theirs)} totals agree with DuckDB's", file=sys.stderr)
print(f"{min(times):.4f} {len(rows)}")
