"""Cross-check `innocity qualify` against bench/qualify_reference.py on generated cases.

usage: python3 bench/qualify_compare.py sme|hnte --bin PATH/innocity --n 20000 --seeds 1 2 3
       [--work DIR]

Groups disagreements by class (field, and for categorical fields the two values) and prints
the shortest example input of each class with both results.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
HNTE_FIELDS = ["verdict", "rd_ratio", "rd_threshold", "net_assets_growth", "sales_growth",
               "growth_points", "score"]
CATEGORICAL = {"verdict", "eligible", "direct", "failed", "rd_threshold"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {p.stderr[:500]}")


def norm(v):
    """Typed value so that true != 1 and 0.06 == 0.060."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return (type(v).__name__, v)
    if isinstance(v, (int, Decimal)):
        return ("number", Decimal(v))
    if isinstance(v, list):
        return ("list", tuple(norm(x) for x in v))
    return ("other", json.dumps(v, default=str, sort_keys=True))


def fields(subject, r):
    """Flatten a result into {field: value} with the judged fields only."""
    if subject == "sme":
        return {k: v for k, v in r.items()}
    out = {k: r.get(k, "<missing>") for k in ["id"] + HNTE_FIELDS}
    for c in r.get("checks", []):
        out["check." + c.get("rule", "?")] = c.get("pass", "<missing>")
    out["check_order"] = [c.get("rule") for c in r.get("checks", [])]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("subject", choices=["sme", "hnte"])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--work", default="/tmp/qualify_compare")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    classes = collections.defaultdict(list)
    total = differing = 0
    for seed in args.seeds:
        base = os.path.join(args.work, f"{args.subject}_{seed}")
        inp, ref, rust = base + "_in.json", base + "_ref.json", base + "_rust.json"
        for p in (ref, rust):
            if os.path.exists(p):
                os.remove(p)
        run([sys.executable, os.path.join(HERE, "qualify_gen.py"), args.subject,
             "--n", str(args.n), "--seed", str(seed), "--output", inp])
        run([sys.executable, os.path.join(HERE, "qualify_reference.py"), args.subject,
             "--input", inp, "--output", ref])
        run([args.bin, "qualify", args.subject, "--input", inp, "--output", rust])
        cases = load(inp)["enterprises"]
        a, b = load(ref)["results"], load(rust)["results"]
        if len(a) != len(b):
            sys.exit(f"seed {seed}: {len(a)} reference results, {len(b)} binary results")
        for case, ra, rb in zip(cases, a, b):
            total += 1
            fa, fb = fields(args.subject, ra), fields(args.subject, rb)
            diff = [k for k in sorted(set(fa) | set(fb)) if norm(fa.get(k, "<missing>")) != norm(fb.get(k, "<missing>"))]
            if not diff:
                continue
            differing += 1
            for k in diff:
                key = (k, json.dumps(fa.get(k), default=str), json.dumps(fb.get(k), default=str)) \
                    if k in CATEGORICAL or k.startswith("check") else (k,)
                classes[key].append((case, ra, rb))
    print(f"{args.subject}: {total} cases, {differing} with a difference, {len(classes)} classes")
    for key, items in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        case, ra, rb = min(items, key=lambda t: len(json.dumps(t[0], default=str)))
        print(f"\n== {' | '.join(key)}: {len(items)} cases; example:")
        print("input:    ", json.dumps(case, default=str, ensure_ascii=False))
        for name, r in (("reference", ra), ("binary", rb)):
            r = {k: v for k, v in r.items() if k != "checks"}
            print(f"{name}:", json.dumps(r, default=str, ensure_ascii=False))
        if args.subject == "hnte":
            for name, r in (("reference", ra), ("binary", rb)):
                print(f"{name} checks:", [(c["rule"], c["pass"]) for c in r["checks"]])
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
