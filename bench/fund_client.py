#!/usr/bin/env python3
"""Client of the ledger half of bench/finance.sh.

`fund_client.py SEED.json BASE OPS CLIENTS OUT.json`: CLIENTS client processes post OPS operations
(100,000) to the risk-compensation fund, in loan lifecycles taken in turn until OPS have been
posted. A lifecycle is five operations in order, each through the API with the token of whoever
does it:
  1. the bank records a loan (50–800 万元, 4.35 %, 12 months, started 200 days ago);
  2. the bank claims on its default (a loss of 30–100 % of the principal, overdue 100 days);
  3. the bureau's first officer ("bureau") approves: the fund's share is committed, refused
     (409) when the fund has too little available;
  4. the second officer ("admin") pays;
  5. the bank reports money recovered (10–60 % of the loss): the fund's share flows back.
A refused step (409, 422) ends its lifecycle and counts as refused, not as an error; the next
lifecycle begins, so OPS operations are posted whatever was refused. Every POST
that creates something carries its own request key (approve and pay are idempotent by the claim's
state); a request whose answer is lost (the server killed) is sent again, the same request, until
answered. Writes the acknowledged operations ({"op", "id", "loan_or_claim_id"}) so the shell can
look for each in the database, the refusals, the errors and the latencies.
Each client is its own process (one connection, one request at a time), as in sharing_client.py:
the latencies are the server's and the machine's, not one interpreter's lock."""
import http.client, json, multiprocessing, random, sys, time, urllib.parse
from datetime import date, timedelta

# Give up on a request the server has not answered for this long (it is not coming back).
GIVE_UP_S = 300


def connect(base):
    u = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


class Client:
    def __init__(self, base):
        self.base, self.conn = base, None

    def post(self, path, token, body):
        """(status, parsed body or None, ms of the answered attempt); status 0 when never answered."""
        data = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        deadline = time.time() + GIVE_UP_S
        while True:
            try:
                if self.conn is None:
                    self.conn = connect(self.base)
                t0 = time.perf_counter()
                self.conn.request("POST", path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                ms = (time.perf_counter() - t0) * 1000
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = None
                return r.status, parsed, ms, raw[:300]
            except (ConnectionError, OSError, http.client.HTTPException):
                # the server is down (killed): the same request again, until it answers
                self.conn = None
                if time.time() > deadline:
                    return 0, None, 0.0, b"no answer"
                time.sleep(0.05)


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))] if xs else 0.0


def yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def lifecycle(c, s, i, today, out):
    """The five operations of loan lifecycle `i`; stops at the first one not acknowledged."""
    rng = random.Random(i)
    bank = i % len(s["bank_tokens"])
    bank_token = s["bank_tokens"][bank]
    principal = rng.randrange(500_000, 8_000_001) * 100  # 50–800 万元, whole yuan, in fen
    loss = principal * rng.randint(30, 100) // 100
    recovered = max(1, loss * rng.randint(10, 60) // 100)
    loan = {
        "fund_id": s["fund_id"], "borrower_credit_code": s["borrowers"][i % len(s["borrowers"])],
        "contract_no": f"BENCH-{i:06d}", "principal_yuan": yuan(principal), "rate_pct": "4.35",
        "term_months": 12, "start_date": (today - timedelta(days=200)).isoformat(),
        "repayment": "bullet" if i % 2 else "equal_principal", "guarantee": "信用",
        "request_key": f"bench-loan-{i}",
    }
    claim = {
        "loss_yuan": yuan(loss), "defaulted_on": (today - timedelta(days=100)).isoformat(),
        "steps": "逾期后多次电话、上门催收并发出催收函；向兰州市城关区人民法院起诉；申请强制执行，执行回款不足",
        "request_key": f"bench-claim-{i}",
    }
    recovery = {"recovered_yuan": yuan(recovered), "note": "执行回款（基准测试）", "request_key": f"bench-recovery-{i}"}

    if not out.take():
        return
    loan_id = out.step("loan", c.post("/api/v1/fund-loans", bank_token, loan), None)
    if loan_id is None or not out.take():
        return
    claim_id = out.step("claim", c.post(f"/api/v1/fund-loans/{loan_id}/claims", bank_token, claim), loan_id)
    if claim_id is None or not out.take():
        return
    if out.step("approve", c.post(f"/api/v1/fund-claims/{claim_id}/approve", s["approve_token"], {}), claim_id, claim_id) is None:
        return
    if not out.take():
        return
    if out.step("pay", c.post(f"/api/v1/fund-claims/{claim_id}/pay", s["pay_token"], {}), claim_id, claim_id) is None:
        return
    if not out.take():
        return
    out.step("recover", c.post(f"/api/v1/fund-claims/{claim_id}/recoveries", bank_token, recovery), claim_id)


class Tally:
    """What one client saw; `posted` is the count all clients share."""

    def __init__(self, posted, target):
        self.acks, self.lat, self.refused, self.errors, self.samples = [], {}, {}, {}, []
        self.posted, self.target = posted, target

    def take(self):
        """Whether one more operation may be posted (and counts it)."""
        with self.posted.get_lock():
            if self.posted.value >= self.target:
                return False
            self.posted.value += 1
            return True

    def step(self, op, answer, ref, known_id=None):
        """The id the operation acknowledged, or None (refused or failed)."""
        status, body, ms, raw = answer
        if status:
            self.lat.setdefault(op, []).append(ms)
        if 200 <= status < 300:
            id_ = known_id if known_id is not None else (body or {}).get("id")
            if id_ is not None:
                self.acks.append({"op": op, "id": id_, "loan_or_claim_id": ref})
                return id_
        if status in (409, 422):
            self.refused[op] = self.refused.get(op, 0) + 1
            return None
        self.errors[op] = self.errors.get(op, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{op}: {status} {raw.decode('utf-8', 'replace')}")
        return None


def run(seed_file, base, ops, clients, out_file):
    s = json.load(open(seed_file))
    today = date.fromisoformat(s["today"])
    results = multiprocessing.Queue()
    posted, lifecycles = multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)

    def worker(k):
        c, t = Client(base), Tally(posted, ops)
        while posted.value < ops:
            with lifecycles.get_lock():
                i = lifecycles.value
                lifecycles.value += 1
            lifecycle(c, s, i, today, t)
        results.put((t.acks, t.lat, t.refused, t.errors, t.samples))

    t0 = time.perf_counter()
    procs = [multiprocessing.Process(target=worker, args=(k,)) for k in range(clients)]
    [p.start() for p in procs]
    got = [results.get() for _ in procs]
    [p.join() for p in procs]
    elapsed = time.perf_counter() - t0
    acks = [a for g in got for a in g[0]]
    lat = {}
    refused, errors, samples = {}, {}, []
    for g in got:
        for op, xs in g[1].items():
            lat.setdefault(op, []).extend(xs)
        for op, n in g[2].items():
            refused[op] = refused.get(op, 0) + n
        for op, n in g[3].items():
            errors[op] = errors.get(op, 0) + n
        samples += g[4]
    everything = [x for xs in lat.values() for x in xs]
    acked_by = {}
    for a in acks:
        acked_by[a["op"]] = acked_by.get(a["op"], 0) + 1
    json.dump({
        "acks": acks, "acked_by_op": acked_by, "refused": sum(refused.values()), "refused_by_op": refused,
        "errors": sum(errors.values()), "errors_by_op": errors, "error_samples": samples[:10],
        "p99": p99(everything), "p99_by_op": {op: p99(xs) for op, xs in lat.items()},
        "ops": len(acks) + sum(refused.values()) + sum(errors.values()), "requests": len(everything),
        "elapsed_s": elapsed, "lifecycles": lifecycles.value,
    }, open(out_file, "w"))


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    run(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
