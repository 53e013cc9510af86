"""Writes one annual 107-2 return per enterprise-like organisation as long-format CSV
(element, disaggregation, period, org, value): about 57 values each, consistent with the
form's error rules (parts add up, "of which" within totals), R&D intensity 0.5–8 %.

usage: stats_gen.py DB.sqlite PERIOD N OUT.csv
"""
import random
import sqlite3
import sys

db, period, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
codes = [r[0] for r in sqlite3.connect(db).execute("SELECT credit_code FROM organisations WHERE kind = 'enterprise' ORDER BY id LIMIT ?", (n,))]
rnd = random.Random(2026)


def share(lo, hi):
    return rnd.uniform(lo, hi) / 100


with open(out, "w", encoding="utf-8") as f:
    f.write("element,disaggregation,period,org,value\n")
    for code in codes:
        revenue = round(20000 * 2 ** rnd.randrange(8) * rnd.uniform(1, 2))
        rd = max(50, round(revenue * rnd.uniform(0.005, 0.08)))
        parts = {}
        used = 0
        for k, lo, hi in [("RD_EXP_PERS", 40, 52), ("RD_EXP_DIRECT", 18, 26), ("RD_EXP_DEPR", 3, 6), ("RD_EXP_AMORT", 1, 3),
                          ("RD_EXP_DESIGN", 1, 3), ("RD_EXP_EQUIP", 1, 3), ("RD_EXP_OUTSRC", 2, 6)]:
            parts[k] = int(rd * share(lo, hi))
            used += parts[k]
        parts["RD_EXP_OTHER"] = rd - used
        out_ = parts["RD_EXP_OUTSRC"]
        univ, inst, abroad = int(out_ * share(30, 50)), int(out_ * share(10, 30)), int(out_ * share(0, 5))
        gov, overseas, other = int(rd * share(2, 15)), int(rd * share(0, 2)), int(rd * share(0, 3))
        employees = max(20, round(revenue / rnd.uniform(600, 1500)))
        staff = max(3, round(employees * share(8, 25)))
        ft = round(staff * share(60, 90))
        apps = rnd.randrange(40)
        sales = round(revenue * share(10, 40))
        rows = [
            ("EMPLOYEES", "", employees), ("REVENUE", "", revenue), ("ASSETS", "", round(revenue * share(120, 200))),
            ("PROFIT", "", round(revenue * (share(0, 20) - 0.05))), ("EXPORT_VALUE", "", round(revenue * share(0, 20))),
            ("RD_STAFF", "", staff), ("RD_STAFF_FT", "", ft), ("RD_STAFF_FEMALE", "", round(staff * share(20, 40))),
            ("RD_STAFF_DOCTOR", "", round(staff * share(1, 8))), ("RD_STAFF_MASTER", "", round(staff * share(15, 30))),
            ("RD_FTE", "", round(ft + (staff - ft) * 0.4, 1)),
            ("RD_EXP", "", rd), ("RD_EXP", "GOV", gov), ("RD_EXP", "ENT", rd - gov - overseas - other),
            ("RD_EXP", "OVERSEAS", overseas), ("RD_EXP", "OTHER", other),
            *[(k, "", v) for k, v in parts.items()],
            ("RD_EXP_OUTSRC", "UNIV", univ), ("RD_EXP_OUTSRC", "INST", inst), ("RD_EXP_OUTSRC", "ABROAD", abroad),
            ("RD_EXP_OUTSRC", "ENT", out_ - univ - inst - abroad),
            ("RD_PROJECTS", "", rnd.randrange(2, 12)), ("RD_PROJ_EXP", "", int(rd * share(55, 85))),
            ("RD_INSTITUTES", "", rnd.randrange(3)), ("INST_STAFF", "", round(staff * share(20, 60))),
            ("INST_EXP", "", round(rd * share(20, 60))), ("INST_EQUIP", "", round(rd * share(50, 200))),
            ("NEWPROD_PROJECTS", "", rnd.randrange(1, 9)), ("NEWPROD_EXP", "", round(rd * share(40, 80))),
            ("NEWPROD_SALES", "", sales), ("NEWPROD_EXPORT", "", round(sales * share(0, 25))),
            ("PATENT_APPS", "", apps), ("PATENT_INV_APPS", "", int(apps * share(20, 60))),
            ("PATENT_VALID_INV", "", rnd.randrange(60)), ("PATENT_LICENSED", "", rnd.randrange(4)),
            ("PATENT_LICENSE_INCOME", "", rnd.randrange(500)), ("PAPERS", "", rnd.randrange(12)),
            ("STANDARDS", "", rnd.randrange(3)), ("TRADEMARKS", "", rnd.randrange(20)),
            ("TECH_IMPORT", "", round(rd * share(0, 5))), ("TECH_ABSORB", "", round(rd * share(0, 2))),
            ("TECH_DOMESTIC", "", round(rd * share(0, 6))), ("TECH_RENOVATE", "", round(rd * share(5, 30))),
            ("GOV_RD_FUNDS", "", gov), ("TAX_RD_DEDUCTION", "", round(rd * share(15, 25))),
            ("TAX_HITECH", "", round(revenue * share(0, 2))),
        ]
        for e, d, v in rows:
            f.write(f"{e},{d},{period},{code},{v}\n")
print(len(codes))
