"""Random, well-formed input for `innocity qualify sme|hnte`, dense around every band boundary.

usage: python3 bench/qualify_gen.py sme|hnte --n N --seed S --output FILE.json

Amounts are generated in integer cents (0-2 decimals) from exact ratios (6 of 100, 3 of 50, ...)
and then, with some probability, nudged by one cent or one unit to sit just beside the boundary.
Never malformed: tech_staff <= employees, no negative amounts, expert points within maxima.
"""
import argparse
import datetime
import json
import math
import random
from fractions import Fraction as F

rnd = random.Random()
MAX_CENTS = 10 ** 10  # 1亿万元: far above any enterprise, far below any implementation limit


def cents_text(c):
    """A non-negative amount in cents as a JSON number with 0-2 decimals (no trailing zeros)."""
    c = max(0, c)
    whole, frac = divmod(c, 100)
    if frac == 0:
        return str(whole)
    return f"{whole}.{frac:02d}".rstrip("0")


class Cents(int):
    """Marks an int as an amount in cents for the JSON writer."""


def nudge(c, p=0.4):
    """Leave c on the boundary, or move it one cent / one unit either side."""
    if rnd.random() >= p:
        return c
    return max(0, c + rnd.choice([-1, 1, -100, 100]))


def scale():
    """A random multiplier so amounts come with 0, 1 or 2 decimals."""
    return rnd.choice([1, 10, 100, 100, 1000])


def pair_for_ratio(r, big=None):
    """(num, den) in cents with num/den == r exactly; den near `big` cents if given."""
    r = F(r)
    unit = r.denominator
    if big is None:
        big = rnd.choice([rnd.randint(1, 2000), rnd.randint(1, 30000)]) * 100
    m = max(1, big // unit // scale()) * scale() if rnd.random() < 0.5 else max(1, big // unit)
    return m * r.numerator, m * unit


def amount_near(limit_units):
    """Amounts around a limit in 万元: exactly, +0.01, +1, -0.01, or random."""
    c = limit_units * 100
    return rnd.choice([c, c + 1, c + 100, c - 1, rnd.randint(0, c * 2), rnd.randint(0, c)])


def ratio_or_random(bands_pct, near_zero=True):
    """A ratio exactly on a band edge, or a random one."""
    if rnd.random() < 0.8:
        return F(rnd.choice(bands_pct), 100)
    return F(rnd.randint(0, 4000 if near_zero else 10000), 100000)


# ------------------------------------------------------------------ sme

def gen_sme(i):
    # staff: employees a multiple of 20 so 10/15/20/25/30% are whole people, then nudged
    employees = rnd.choice([0, 1, 3, 20, 80, 100, 120, 500, 500, 501, 520,
                            20 * rnd.randint(1, 30), rnd.randint(1, 600)])
    share = F(rnd.choice([0, 10, 15, 20, 25, 30, 35, 100]), 100)
    tech = int(employees * share)
    if rnd.random() < 0.35:
        tech += rnd.choice([-1, 1])
    tech = min(max(tech, 0), employees)
    if rnd.random() < 0.1:
        tech = rnd.randint(0, employees)

    # R&D against sales (2..6%) or against costs (10..30%); the other denominator random
    mode = rnd.random()
    if mode < 0.45:
        rd, sales = pair_for_ratio(ratio_or_random([2, 3, 4, 5, 6, 1, 7]))
        cost = rnd.choice([0, rnd.randint(0, sales * 2 + 100), rd * rnd.randint(4, 20)])
    elif mode < 0.9:
        rd, cost = pair_for_ratio(ratio_or_random([10, 15, 20, 25, 30, 5, 40], near_zero=False))
        sales = rnd.choice([0, rnd.randint(0, cost * 2 + 100), rd * rnd.randint(10, 60)])
    else:  # both exactly on (possibly different) edges
        rd, sales = pair_for_ratio(F(rnd.choice([2, 3, 4, 5, 6]), 100))
        edge = rnd.choice([10, 15, 20, 25, 30])
        cost = rd * 100 // edge if rd * 100 % edge == 0 else rd * 5
    rd, sales, cost = nudge(rd), nudge(sales, 0.3), nudge(cost, 0.3)
    if rnd.random() < 0.3:
        sales = amount_near(20000)
    if rnd.random() < 0.05:
        rd = 0

    e = {"id": f"s{i}", "resident_mainland": rnd.random() < 0.93,
         "employees": employees, "tech_staff": tech,
         "sales": Cents(sales), "total_assets": Cents(amount_near(20000)),
         "rd_expense": Cents(rd), "cost_expense": Cents(cost),
         "ip_class1": rnd.choice([0, 0, 0, 0, 1, 2]), "ip_class2": rnd.randint(0, 6),
         "prohibited_industry": rnd.random() < 0.05, "bad_record": rnd.random() < 0.05}
    for k in ["hnte_valid", "national_award_top3_5y", "provincial_rd_institution",
              "led_standard_5y"]:
        e[k] = rnd.random() < 0.07
    return e


# ------------------------------------------------------------------ hnte

# exact rates: every band edge, one hundredth of a percent either side of some, and a few others
GROWTH_EDGES = [F(x, 100) for x in (0, 5, 15, 25, 35, -5, 50)] + \
    [F(x, 10000) for x in (1, -1, 499, 1499, 2501, 3499, 200)]


def three_years_for_growth():
    """Three years in cents with an exact growth rate on a band edge (or a special case)."""
    rate = rnd.choice(GROWTH_EDGES)
    kind = rnd.random()
    base = rnd.randint(1, 8000) * rnd.choice([1, 10, 100])
    if kind < 0.12:      # Y1 = 0: rate = Y3/Y2 - 1
        y2 = base * rate.denominator
        return [0, y2, int(y2 * (1 + rate))]
    if kind < 0.2:       # Y2 = 0: no points, null growth
        return [rnd.choice([0, base]), 0, rnd.choice([0, base])]
    if kind < 0.25:      # Y3 = 0 or all zero
        return rnd.choice([[base, base, 0], [0, 0, 0], [0, base, 0]])
    if kind < 0.3:       # random
        return [rnd.randint(0, 3000000) for _ in range(3)]
    # ½(q + b) = 1 + rate with q = Y2/Y1 chosen, b = Y3/Y2 = 2(1 + rate) - q
    q = rnd.choice([F(1), F(11, 10), F(6, 5), F(4, 5), F(3, 2), 1 + rate, F(21, 20)])
    b = 2 * (1 + rate) - q
    if b < 0:
        b = 1 + rate
        q = b
    unit = math.lcm(q.denominator, (q * b).denominator)  # smallest Y1 (cents) keeping all exact
    top = unit * max(1, q, q * b)
    if top > MAX_CENTS:
        return three_years_for_growth()
    y1 = unit * rnd.randint(1, min(base, int(MAX_CENTS // top)))
    return [y1, int(y1 * q), int(y1 * q * b)]


def split3(total):
    """Three non-negative cents summing to total."""
    a = rnd.randint(0, total)
    b = rnd.randint(0, total - a)
    parts = [a, b, total - a - b]
    rnd.shuffle(parts)
    return parts


def gen_hnte(i):
    # dates: 365 days apart (±1), often spanning a 29 February
    start = datetime.date(rnd.choice([2019, 2020, 2021, 2022, 2023, 2024, 2025]), 1, 1)
    registered = start + datetime.timedelta(days=rnd.choice(
        [rnd.randint(0, 364), 58, 59, 60, 365 + 58, 365 + 59]))
    gap = rnd.choice([365, 365, 365, 364, 366, 366, rnd.randint(0, 2000)])
    if rnd.random() < 0.2:  # same calendar date a year later (365 or 366 days)
        try:
            apply = registered.replace(year=registered.year + 1)
        except ValueError:
            apply = registered.replace(year=registered.year + 1, day=28)
    else:
        apply = registered + datetime.timedelta(days=gap)

    employees = rnd.choice([0, 1, 10, 100, 200, 10 * rnd.randint(1, 100), rnd.randint(1, 999)])
    tech = employees // 10 + rnd.choice([-1, 0, 0, 1, 5])
    tech = min(max(tech, 0), employees)

    # sales: either tuned for the intensity threshold or for growth
    if rnd.random() < 0.5:
        sales = three_years_for_growth()
    else:
        sales = [rnd.randint(0, 3000000) for _ in range(3)]
    if rnd.random() < 0.5:
        sales[2] = rnd.choice([500000, 500001, 2000000, 2000001, 499999, 1999999])
    total_sales = sum(sales)
    threshold = F(rnd.choice([3, 4, 5, 3, 4, 5, 2, 6]), 100)
    rd_total = total_sales * threshold
    rd_total = int(rd_total) if rd_total.denominator == 1 or rnd.random() < 0.5 else int(rd_total) + 1
    rd_total = nudge(rd_total, 0.3)
    rd = split3(rd_total)
    dom_total = rd_total * F(3, 5)
    dom_total = nudge(int(dom_total) + (0 if dom_total.denominator == 1 else rnd.choice([0, 1])), 0.3)
    rd_domestic = split3(min(dom_total, rd_total) if rnd.random() < 0.9 else dom_total)
    if rnd.random() < 0.03:
        rd = rd_domestic = [0, 0, 0]

    hitech, revenue = pair_for_ratio(F(3, 5) if rnd.random() < 0.7 else F(rnd.randint(0, 100), 100))
    hitech = nudge(hitech, 0.3)
    if rnd.random() < 0.03:
        hitech = revenue = 0

    # expert points: often at their maxima, total with growth straddling 71
    maxima = [30, 30, 20]
    target = 71 - rnd.randint(-2, 20)
    points = [m if rnd.random() < 0.3 else rnd.randint(0, m) for m in maxima]
    for _ in range(50):
        if sum(points) == target:
            break
        k = rnd.randrange(3)
        if sum(points) < target and points[k] < maxima[k]:
            points[k] += 1
        elif sum(points) > target and points[k] > 0:
            points[k] -= 1

    return {"id": f"h{i}", "registered_on": registered.isoformat(), "apply_on": apply.isoformat(),
            "core_ip": rnd.random() < 0.95, "key_field": rnd.random() < 0.95,
            "employees": employees, "tech_staff": tech,
            "sales": [Cents(c) for c in sales],
            "net_assets": [Cents(c) for c in three_years_for_growth()],
            "rd": [Cents(c) for c in rd], "rd_domestic": [Cents(c) for c in rd_domestic],
            "hitech_revenue": Cents(hitech), "total_revenue": Cents(revenue),
            "serious_violation": rnd.random() < 0.04,
            "ip_points": points[0], "conversion_points": points[1],
            "organisation_points": points[2]}


def dump(v):
    if isinstance(v, Cents):
        return cents_text(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(dump(x) for x in v) + "]"
    return json.dumps(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("subject", choices=["sme", "hnte"])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    rnd.seed(args.seed)
    gen = gen_sme if args.subject == "sme" else gen_hnte
    with open(args.output, "w", encoding="utf-8") as f:
        f.write('{"enterprises": [\n')
        f.write(",\n".join(dump(gen(i)) for i in range(args.n)))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
