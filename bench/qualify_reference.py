"""Independent reference for docs/../shared/contracts/qualification.md (`innocity qualify`).

usage: python3 bench/qualify_reference.py sme|hnte --input IN.json --output OUT.json

Numbers are parsed from the JSON text as int / Decimal and all arithmetic is done with
fractions.Fraction, so every comparison is exact. Ratios are rounded to 6 decimals, half away
from zero, for output only. A malformed file exits 1 naming enterprises[i].field and writes
nothing. Choices where the contract is silent are marked "ASSUMPTION".
"""
import argparse
import datetime
import json
import re
import sys
from decimal import Decimal
from fractions import Fraction as F


class Malformed(Exception):
    pass


# ---------------------------------------------------------------- input validation

class Enterprise:
    """Typed access to one enterprise object; every error names enterprises[i].field."""

    def __init__(self, i, obj):
        self.i = i
        if not isinstance(obj, dict):
            raise Malformed(f"enterprises[{i}]: not an object")
        self.obj = obj

    def fail(self, field, why):
        raise Malformed(f"enterprises[{self.i}].{field}: {why}")

    def get(self, field):
        if field not in self.obj:
            self.fail(field, "missing")
        return self.obj[field]

    def string(self, field):
        v = self.get(field)
        if not isinstance(v, str):
            self.fail(field, "expected a string")
        return v

    def boolean(self, field):
        v = self.get(field)
        if not isinstance(v, bool):
            self.fail(field, "expected true or false")
        return v

    def count(self, field):
        # ASSUMPTION: a count must be a JSON integer token (120.0 is mistyped).
        v = self.get(field)
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(field, "expected an integer")
        if v < 0:
            self.fail(field, "negative")
        return v

    def _amount(self, field, v):
        if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
            self.fail(field, "expected a number")
        if v < 0:
            self.fail(field, "negative amount")
        # ASSUMPTION: more than two decimals is accepted (the contract only lists bad JSON,
        # missing/mistyped fields, negatives and tech_staff > employees as malformed).
        return F(v)

    def amount(self, field):
        return self._amount(field, self.get(field))

    def years(self, field):
        v = self.get(field)
        if not isinstance(v, list) or len(v) != 3:
            self.fail(field, "expected an array of three amounts")
        return [self._amount(f"{field}[{k}]", x) for k, x in enumerate(v)]

    def points(self, field, maximum):
        v = self.amount(field)  # ASSUMPTION: expert points may carry decimals
        if v > maximum:
            self.fail(field, f"above its maximum {maximum}")
        return v

    def date(self, field):
        v = self.string(field)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            self.fail(field, "expected a date YYYY-MM-DD")
        try:
            return datetime.date(int(v[:4]), int(v[5:7]), int(v[8:]))
        except ValueError:
            self.fail(field, "invalid date")

    def staff(self):
        employees = self.count("employees")
        tech = self.count("tech_staff")
        if tech > employees:
            self.fail("tech_staff", "more tech staff than employees")
        return employees, tech


def ratio(num, den):
    """num/den, or None over a zero denominator."""
    return None if den == 0 else num / den


def band(value, bands):
    """bands: [(lower bound inclusive, points)] from high to low; value None scores 0."""
    if value is None:
        return 0
    for lower, points in bands:
        if value >= lower:
            return points
    return 0


def pct(n):
    return F(n, 100)


# ---------------------------------------------------------------- sme

STAFF_BANDS = [(pct(30), 20), (pct(25), 16), (pct(20), 12), (pct(15), 8), (pct(10), 4)]
RD_SALES_BANDS = [(pct(6), 50), (pct(5), 40), (pct(4), 30), (pct(3), 20), (pct(2), 10)]
RD_COST_BANDS = [(pct(30), 50), (pct(25), 40), (pct(20), 30), (pct(15), 20), (pct(10), 10)]
DIRECT = ["hnte_valid", "national_award_top3_5y", "provincial_rd_institution", "led_standard_5y"]


def sme(e):
    eid = e.string("id")
    resident = e.boolean("resident_mainland")
    employees, tech = e.staff()
    sales, assets = e.amount("sales"), e.amount("total_assets")
    rd, cost = e.amount("rd_expense"), e.amount("cost_expense")
    ip1, ip2 = e.count("ip_class1"), e.count("ip_class2")
    prohibited, bad = e.boolean("prohibited_industry"), e.boolean("bad_record")
    direct = any([e.boolean(k) for k in DIRECT])  # all four validated

    staff_points = band(ratio(F(tech), employees), STAFF_BANDS)
    rd_points = max(band(ratio(rd, sales), RD_SALES_BANDS), band(ratio(rd, cost), RD_COST_BANDS))
    if ip1 >= 1:
        ip_points = 30
    else:
        ip_points = {0: 0, 1: 6, 2: 12, 3: 18}.get(ip2, 24)
    score = staff_points + rd_points + ip_points

    failed = []
    for reason, bad_case in [("not_resident", not resident),
                             ("too_many_employees", employees > 500),
                             ("sales_over_limit", sales > 20000),
                             ("assets_over_limit", assets > 20000),
                             ("prohibited_industry", prohibited),
                             ("bad_record", bad)]:
        if bad_case:
            failed.append(reason)
    if not direct:
        if score < 60:
            failed.append("score_below_60")
        if staff_points == 0:
            failed.append("no_tech_staff_points")
    # ASSUMPTION: "direct" reports that a direct condition holds (whatever the basic conditions).
    return {"id": eid, "eligible": not failed, "direct": direct, "score": score,
            "staff_points": staff_points, "rd_points": rd_points, "ip_points": ip_points,
            "failed": failed}


# ---------------------------------------------------------------- hnte

GROWTH_BANDS = [(pct(35), (9, 10)), (pct(25), (7, 8)), (pct(15), (5, 6)), (pct(5), (3, 4))]


def growth(y):
    """(rate or None, (min points, max points)) for three years oldest first."""
    y1, y2, y3 = y
    if y2 == 0:
        return None, (0, 0)
    rate = y3 / y2 - 1 if y1 == 0 else (y2 / y1 + y3 / y2) / 2 - 1
    for lower, points in GROWTH_BANDS:
        if rate >= lower:
            return rate, points
    return rate, ((1, 2) if rate > 0 else (0, 0))


def hnte(e):
    eid = e.string("id")
    registered, apply = e.date("registered_on"), e.date("apply_on")
    core_ip, key_field = e.boolean("core_ip"), e.boolean("key_field")
    employees, tech = e.staff()
    sales, net_assets = e.years("sales"), e.years("net_assets")
    rd, rd_domestic = e.years("rd"), e.years("rd_domestic")
    hitech, total = e.amount("hitech_revenue"), e.amount("total_revenue")
    violation = e.boolean("serious_violation")
    base = (e.points("ip_points", 30) + e.points("conversion_points", 30)
            + e.points("organisation_points", 20))

    def at_least(r, lower):  # a ratio over a zero denominator fails
        return r is not None and r >= lower

    rd_ratio = ratio(sum(rd), sum(sales))
    latest = sales[2]
    threshold = pct(5) if latest <= 5000 else pct(4) if latest <= 20000 else pct(3)
    na_rate, na_points = growth(net_assets)
    sa_rate, sa_points = growth(sales)
    growth_points = [na_points[0] + sa_points[0], na_points[1] + sa_points[1]]
    score = [base + growth_points[0], base + growth_points[1]]
    innovation = True if score[0] >= 71 else False if score[1] < 71 else None

    checks = [("registered_one_year", (apply - registered).days >= 365),
              ("core_ip", core_ip),
              ("key_field", key_field),
              # ASSUMPTION: 0 employees fails the share (ratio over zero)
              ("tech_staff_share", at_least(ratio(F(tech), employees), pct(10))),
              ("rd_intensity", at_least(rd_ratio, threshold)),
              ("rd_domestic_share", at_least(ratio(sum(rd_domestic), sum(rd)), pct(60))),
              ("hitech_revenue_share", at_least(ratio(hitech, total), pct(60))),
              ("innovation_score", innovation),
              ("no_serious_violation", not violation)]
    passes = [p for _, p in checks]
    verdict = "fail" if False in passes else "pass" if all(p is True for p in passes) else "undecided"
    return {"id": eid, "verdict": verdict,
            "checks": [{"rule": r, "pass": p} for r, p in checks],
            "rd_ratio": round6(rd_ratio), "rd_threshold": threshold,
            "net_assets_growth": round6(na_rate), "sales_growth": round6(sa_rate),
            "growth_points": growth_points, "score": score}


# ---------------------------------------------------------------- output

def round6(x):
    """Round a Fraction to 6 decimals, half away from zero (None stays None)."""
    if x is None:
        return None
    sign = -1 if x < 0 else 1
    scaled = abs(x) * 10 ** 6
    n = int(scaled)
    if scaled - n >= F(1, 2):
        n += 1
    return F(sign * n, 10 ** 6)


def number_text(x):
    """Exact JSON text of an int or a Fraction with a finite decimal expansion."""
    if isinstance(x, int):
        return str(x)
    if x.denominator == 1:
        return str(x.numerator)
    d = Decimal(x.numerator) / Decimal(x.denominator)  # exact: denominators are 2^a 5^b
    assert F(d) == x
    return format(d.normalize(), "f")


def dump(v):
    if v is None or isinstance(v, (bool, str)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (int, F)):
        return number_text(v)
    if isinstance(v, list):
        return "[" + ", ".join(dump(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)}: {dump(x)}" for k, x in v.items()) + "}"


def reject_constant(name):
    raise ValueError(f"bad JSON: {name} is not a JSON number")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("subject", choices=["sme", "hnte"])
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    evaluate = sme if args.subject == "sme" else hnte
    try:
        with open(args.input, encoding="utf-8") as f:
            doc = json.loads(f.read(), parse_float=Decimal, parse_int=int,
                             parse_constant=reject_constant)
        if not isinstance(doc, dict) or not isinstance(doc.get("enterprises"), list):
            raise Malformed("enterprises: expected {\"enterprises\": [ ... ]}")
        results = [evaluate(Enterprise(i, obj)) for i, obj in enumerate(doc["enterprises"])]
    except (OSError, ValueError, Malformed) as err:  # JSONDecodeError is a ValueError
        print(f"malformed input: {err}", file=sys.stderr)
        sys.exit(1)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write('{"results": [\n' + ",\n".join(dump(r) for r in results) + "\n]}\n")


if __name__ == "__main__":
    main()
