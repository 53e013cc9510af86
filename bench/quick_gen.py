"""Writes the quarterly quick report (KB-Q) of every reporting organisation for the quarters of a
half year as long-format CSV, one file per quarter (element, disaggregation, period, org, value):
year-to-date amounts that never fall within the year, R&D at most revenue, R&D staff within half
of last quarter's.

usage: quick_gen.py DB.sqlite YEAR HALF OUT_PREFIX   (writes OUT_PREFIX-YYYYQn.csv)
"""
import random
import sqlite3
import sys

db, year, half, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
orgs = [r[0] for r in sqlite3.connect(db).execute(
    "SELECT credit_code FROM organisations WHERE kind IN ('enterprise', 'institute', 'university') ORDER BY id")]
rnd = random.Random(2026)
quarters = range(1, 2 * half + 1)
profiles = []
for code in orgs:
    revenue = 5000 * 2 ** rnd.randrange(8) * rnd.uniform(1, 2)
    profiles.append((code, revenue, rnd.uniform(0.005, 0.08), max(3, round(revenue / 2000))))
ytd = {code: [0.0, 0.0, 0, 0.0, 0.0] for code, *_ in profiles}
for q in quarters:
    period = f"{year}Q{q}"
    with open(f"{prefix}-{period}.csv", "w", encoding="utf-8") as f:
        f.write("element,disaggregation,period,org,value\n")
        for code, revenue, intensity, staff in profiles:
            acc = ytd[code]
            quarter_revenue = revenue * rnd.uniform(0.2, 0.3)
            acc[0] += quarter_revenue
            acc[1] += quarter_revenue * intensity
            acc[2] += rnd.randrange(4)
            acc[3] += quarter_revenue * rnd.uniform(0, 0.05)
            acc[4] += quarter_revenue * rnd.uniform(0.1, 0.5)
            rows = [("Q_REVENUE", round(acc[0])), ("Q_RD_EXP", round(acc[1])),
                    ("Q_RD_STAFF", staff + rnd.randrange(2)), ("Q_PATENT_APPS", acc[2]),
                    ("Q_TECH_CONTRACTS", round(acc[3])), ("Q_HITECH_OUTPUT", round(acc[4]))]
            for element, value in rows:
                f.write(f"{element},,{period},{code},{value}\n")
    print(f"{period}: {len(profiles)} returns", file=sys.stderr)
