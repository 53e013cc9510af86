"""Malformed and borderline inputs for `innocity qualify`, run through the binary and the reference.

usage: python3 bench/qualify_malformed.py --bin PATH/innocity [--work DIR]

Each case edits one field of a valid enterprise (placed second, at index 1, after a valid one).
For "malformed" cases both must exit 1, name enterprises[1].<field> on stderr and write nothing;
"edge" cases (the contract does not say) just show what each side does.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SME = ('{"id": "e1", "resident_mainland": true, "employees": 120, "tech_staff": 30, "sales": 5000,'
       ' "total_assets": 8000, "rd_expense": 400, "cost_expense": 4500, "ip_class1": 0,'
       ' "ip_class2": 3, "prohibited_industry": false, "bad_record": false, "hnte_valid": false,'
       ' "national_award_top3_5y": false, "provincial_rd_institution": false,'
       ' "led_standard_5y": false}')
HNTE = ('{"id": "h1", "registered_on": "2023-05-01", "apply_on": "2026-06-30", "core_ip": true,'
        ' "key_field": true, "employees": 200, "tech_staff": 25, "sales": [3000, 4000, 4500],'
        ' "net_assets": [2000, 2500, 3100], "rd": [200, 230, 260], "rd_domestic": [190, 220, 250],'
        ' "hitech_revenue": 3000, "total_revenue": 4600, "serious_violation": false,'
        ' "ip_points": 24, "conversion_points": 22, "organisation_points": 16}')


def edit(base, field, text):
    """Replace a field's JSON text (None: remove the field)."""
    obj = json.loads(base)
    parts = []
    for k in obj:
        if k == field:
            if text is not None:
                parts.append(f'"{k}": {text}')
        else:
            parts.append(f'"{k}": {json.dumps(obj[k])}')
    return "{" + ", ".join(parts) + "}"


# (subject, kind, field named, field edited, new JSON text or None to remove, raw override)
CASES = [
    ("sme", "malformed", "sales", "sales", "-1", None),
    ("sme", "malformed", "rd_expense", "rd_expense", "-0.01", None),
    ("sme", "malformed", "employees", "employees", None, None),
    ("sme", "malformed", "sales", "sales", '"5000"', None),
    ("sme", "malformed", "employees", "employees", '"120"', None),
    ("sme", "malformed", "hnte_valid", "hnte_valid", "1", None),
    ("sme", "malformed", "tech_staff", "tech_staff", "121", None),
    ("sme", "malformed", "employees", "employees", "12.5", None),
    ("sme", "malformed", "ip_class2", "ip_class2", "-1", None),
    ("sme", "malformed", "sales", "sales", "null", None),
    ("hnte", "malformed", "sales", "sales", "[3000, 4000]", None),
    ("hnte", "malformed", "rd", "rd", "[1, 2, 3, 4]", None),
    ("hnte", "malformed", "net_assets[1]", "net_assets", "[2000, -1, 3100]", None),
    ("hnte", "malformed", "sales[2]", "sales", '[3000, 4000, "4500"]', None),
    ("hnte", "malformed", "sales", "sales", "4500", None),
    ("hnte", "malformed", "ip_points", "ip_points", "31", None),
    ("hnte", "malformed", "conversion_points", "conversion_points", "31", None),
    ("hnte", "malformed", "organisation_points", "organisation_points", "21", None),
    ("hnte", "malformed", "ip_points", "ip_points", "-1", None),
    ("hnte", "malformed", "registered_on", "registered_on", '"2023-02-29"', None),
    ("hnte", "malformed", "apply_on", "apply_on", '"2026-13-01"', None),
    ("hnte", "malformed", "apply_on", "apply_on", '"30/06/2026"', None),
    ("hnte", "malformed", "registered_on", "registered_on", "20230501", None),
    ("hnte", "malformed", "tech_staff", "tech_staff", "201", None),
    ("hnte", "malformed", "serious_violation", "serious_violation", None, None),
    ("hnte", "malformed", "total_revenue", "total_revenue", "-4600", None),
    ("sme", "malformed", "<file>", None, None, '{"enterprises": [' + SME + ", " + SME[:-5]),
    ("sme", "malformed", "<file>", None, None, '{"enterprise": []}'),
    ("sme", "malformed", "enterprises[1]", None, None, '{"enterprises": [' + SME + ", 7]}"),
    ("sme", "malformed", "<file>", "sales", "NaN", None),
    # the contract does not say; shown side by side
    ("sme", "edge", "id", "id", "7", None),
    ("sme", "edge", "employees", "employees", "120.0", None),
    ("sme", "edge", "employees", "employees", "1.2e2", None),
    ("sme", "edge", "sales", "sales", "5000.125", None),
    ("sme", "edge", "sales", "sales", "5000.0000001", None),
    ("sme", "edge", "sales", "sales", "1e11", None),
    ("sme", "edge", "sales", "sales", "-0", None),
    ("hnte", "edge", "ip_points", "ip_points", "24.5", None),
    ("hnte", "edge", "registered_on", "registered_on", '"2023-5-1"', None),
    ("hnte", "edge", "registered_on", "registered_on", '"2023-05-01T00:00:00"', None),
    ("hnte", "edge", "net_assets", "net_assets", "[0.01, 10000000000, 10000000000]", None),
    ("hnte", "edge", "rd", "rd", "[10000000000, 0, 0]", None),
    ("hnte", "edge", "employees", "employees", "0", None),
    ("sme", "edge", "sales", None, None,
     '{"enterprises": [' + SME + ", " + SME[:-1] + ', "sales": 30000}]}'),
]


def run(cmd, out):
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run(cmd, capture_output=True, text=True)
    body = open(out, encoding="utf-8").read() if os.path.exists(out) else None
    return p.returncode, p.stderr.strip().splitlines()[-1:] if p.stderr else [], body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", default="/tmp/qualify_malformed")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    bad = 0
    for n, (subject, kind, named, field, text, raw) in enumerate(CASES):
        base = SME if subject == "sme" else HNTE
        doc = raw or '{"enterprises": [' + base + ", " + edit(base, field, text) + "]}"
        inp = os.path.join(args.work, f"case{n}.json")
        with open(inp, "w", encoding="utf-8") as f:
            f.write(doc)
        out = os.path.join(args.work, f"case{n}.out.json")
        sides = {"binary": [args.bin, "qualify", subject],
                 "reference": [sys.executable, os.path.join(HERE, "qualify_reference.py"), subject]}
        got = {k: run(v + ["--input", inp, "--output", out], out) for k, v in sides.items()}
        label = f"[{kind}] {subject} {field}={text if raw is None else '(raw file)'}"
        if kind == "malformed":
            want = named if named.startswith(("enterprises", "<")) else f"enterprises[1].{named}"
            for side, (rc, err, body) in got.items():
                ok = rc == 1 and body is None and (named == "<file>" or want in " ".join(err))
                bad += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {label} {side}: rc={rc} wrote={body is not None} {err}")
        else:
            print(f"EDGE {label}")
            for side, (rc, err, body) in got.items():
                shown = body
                if body:
                    r = json.loads(body)["results"][-1]
                    r.pop("checks", None)
                    shown = json.dumps(r, ensure_ascii=False)
                print(f"     {side}: rc={rc} {err if rc else shown}")
    print(f"{bad} malformed-case failures")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
