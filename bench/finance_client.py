#!/usr/bin/env python3
"""The policy half of bench/finance.sh: through the API, a policy (R&D post-subsidy on growth) is
run for 2025 over every enterprise three times (the checker returns each list so it may run
again); the last list is compared line by line with the same rule computed straight from the
database in Python (the peer), which is timed too. Prints one JSON line."""
import json, math, sqlite3, sys, time, urllib.request

base, seed_file, db_file = sys.argv[1:4]
seed = json.load(open(seed_file))


def call(method, path, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b"null")


maker, checker = seed["maker_token"], seed["checker_token"]
policy = call("POST", "/api/v1/policies", maker, {
    "code": "BENCH-RD-GROWTH", "title": "企业研发投入后补助（基准）", "issuer": "兰州市科学技术局",
    "doc_number": "兰科发〔2025〕12号", "issued_on": "2025-02-20", "effective_from": "2025-01-01",
    "effective_to": "2027-12-31",
    "eligible": "#{RD_EXP} > #{RD_EXP}.periodOffset(-1) && #{BAD_CREDIT} == 0",
    "amount": "(#{RD_EXP} - #{RD_EXP}.periodOffset(-1)) * 0.1", "firm_cap_fen": 50_000_000,
})["id"]

times, run = [], None
for i in range(3):
    if run is not None:
        call("POST", f"/api/v1/policy-runs/{run}/check", checker, {"decision": "return", "note": "基准测试：退回重算"})
    t0 = time.perf_counter()
    run = call("POST", f"/api/v1/policies/{policy}/runs", maker, {"year": 2025})["id"]
    times.append(time.perf_counter() - t0)
listed = call("GET", f"/api/v1/policy-runs/{run}", maker)

# The peer: the same rule straight from the database (approved returns, 千元 → 万元).
t0 = time.perf_counter()
c = sqlite3.connect(db_file)
rd = {}
for org, period, num in c.execute(
        "SELECT r.organisation_id, r.period, v.num FROM stat_values v JOIN stat_returns r ON r.id = v.return_id "
        "JOIN organisations o ON o.id = r.organisation_id WHERE o.kind = 'enterprise' AND r.form = '107-2' "
        "AND r.period IN ('2024', '2025') AND r.status IN ('approved', 'locked') AND v.element = 'RD_EXP' "
        "AND v.disagg = '' AND v.row_no = 0 AND v.num IS NOT NULL"):
    rd.setdefault(org, {})[period] = num / 10.0
barred = {k for (k,) in c.execute("SELECT subject_key FROM credit_records WHERE subject_kind = 'organisation'")}
codes = dict(c.execute("SELECT id, credit_code FROM organisations"))
expected = {}
for org, y in rd.items():
    now, before = y.get("2025"), y.get("2024")
    if now is None or before is None or not now > before or codes[org] in barred:
        continue
    v = (now - before) * 0.1 * 1_000_000.0
    fen = min(int(math.floor(v + 0.5)), 50_000_000)
    if fen > 0:
        expected[org] = fen
reference_s = time.perf_counter() - t0
got = {l["organisation_id"]: l["amount_fen"] for l in listed["lines"]}
print(json.dumps({
    "run_s": times, "assessed": listed["assessed"], "entitled": listed["entitled"],
    "total_fen": listed["total_fen"], "match": int(got == expected), "expected": len(expected),
    "differ": sum(1 for k in set(got) | set(expected) if got.get(k) != expected.get(k)),
    "reference_s": reference_s,
}))
