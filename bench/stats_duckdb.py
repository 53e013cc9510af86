"""DuckDB over the exported values: every value counted for its org unit and every unit above
it, grouped by unit × element × disaggregation — the same totals `innocity stats aggregate`
computes. Prints the best of three timings (read_csv + GROUP BY) and the number of groups.

usage: stats_duckdb.py VALUES.csv
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
print(f"{min(times):.4f} {len(rows)}")
