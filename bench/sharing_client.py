#!/usr/bin/env python3
"""Client of bench/sharing.sh.
`book SEED.json BASE CONC SECONDS OUT.json`: CONC clients book random overlapping hours on the
seeded instruments for SECONDS; writes the acknowledged bookings and the latencies.
`redeem SEED.json BASE CONC OUT.json`: CONC clients redeem the seeded vouchers (two to four
claims each, some beyond the balance), each claim with its own request key; a claim whose answer
is lost (the server killed) is sent again with the same key until answered; writes the
acknowledged redemptions and the latencies.
Each client is its own process (one connection, one request at a time), so 64 clients are 64
users, not 64 threads waiting for one Python interpreter's lock: the latencies are the server's
and the machine's, not the client's queueing."""
import http.client, json, multiprocessing, random, sys, time, urllib.parse
from datetime import date, timedelta

def connect(base):
    u = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)

class Client:
    def __init__(self, base, token):
        self.base, self.token, self.conn = base, token, None

    def post(self, path, body):
        data = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        while True:
            try:
                if self.conn is None:
                    self.conn = connect(self.base)
                t0 = time.perf_counter()
                self.conn.request("POST", path, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                return r.status, raw, (time.perf_counter() - t0) * 1000
            except (ConnectionError, OSError, http.client.HTTPException):
                # the server is down (killed): try again, the same request, until it answers
                self.conn = None
                time.sleep(0.05)

def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))] if xs else 0.0

def book(seed, base, conc, seconds, out):
    s = json.load(open(seed))
    instruments = s["instruments"]
    start = date.today() + timedelta(days=1)
    stop = time.time() + seconds

    def worker(k, results):
        rng = random.Random(k)
        c = Client(base, s["book_tokens"][k % len(s["book_tokens"])])
        acks, lat, refused, errors = [], [], 0, 0
        while time.time() < stop:
            ins = rng.choice(instruments)
            day = start + timedelta(days=rng.randrange(14))
            hour, minute = rng.randrange(0, 22), rng.choice([0, 30])
            body = {"date": day.isoformat(), "from": f"{hour:02d}:{minute:02d}", "to": f"{hour + 1:02d}:{minute:02d}", "purpose": "基准测试"}
            st, raw, ms = c.post(f"/api/v1/instruments/{ins}/bookings", body)
            lat.append(ms)
            if st == 201:
                acks.append(json.loads(raw)["id"])
            elif st == 422:
                refused += 1
            else:
                errors += 1
        results.put((acks, lat, refused, errors))

    acks, lat, refused, errors = gather(worker, conc)
    json.dump({"acks": acks, "refused": refused, "errors": errors, "p99": p99(lat), "requests": len(lat)}, open(out, "w"))

def gather(worker, conc, parts=None):
    """Runs `conc` client processes and sums what they report."""
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(k, results) if parts is None else (k, results, parts[k])) for k in range(conc)]
    [p.start() for p in procs]
    got = [results.get() for _ in procs]
    [p.join() for p in procs]
    acks = [a for g in got for a in g[0]]
    lat = [x for g in got for x in g[1]]
    return acks, lat, sum(g[2] for g in got), sum(g[3] for g in got)

def redeem(seed, base, conc, out):
    s = json.load(open(seed))
    rng = random.Random(7)
    claims = []
    for v in s["vouchers"]:
        left = v["value_fen"]
        for n in range(rng.randrange(2, 5)):
            # some claims go beyond what is left: the server must refuse them
            amount = rng.choice([left // 2, left // 3, left, left + 100]) if left > 0 else 100
            amount = max(100, amount)
            total = (amount * 10 + 6) // 7 + 100  # the voucher pays at most 70%
            claims.append({"number": v["number"], "code": v["code"], "service": "testing",
                           "order_total_yuan": f"{total / 100:.2f}", "amount_yuan": f"{amount / 100:.2f}",
                           "evidence": f"发票 {v['number']}-{n}", "request_key": f"{v['number']}-{n}"})
            left = max(0, left - amount)
    rng.shuffle(claims)

    def worker(k, results, mine):
        c = Client(base, s["redeem_token"])
        acks, lat, refused, errors = [], [], 0, 0
        for claim in mine:
            st, raw, ms = c.post("/api/v1/voucher-redemptions", claim)
            lat.append(ms)
            if st == 200:
                r = json.loads(raw)
                acks.append({"id": r["id"], "amount_fen": r["amount_fen"], "key": claim["request_key"]})
            elif st in (409, 422):
                refused += 1
            else:
                errors += 1
        results.put((acks, lat, refused, errors))

    # the shuffled claims dealt round: claims on one voucher run in different clients at once
    parts = [claims[k::conc] for k in range(conc)]
    acks, lat, refused, errors = gather(worker, conc, parts)
    json.dump({"acks": acks, "refused": refused, "errors": errors, "p99": p99(lat), "claims": len(claims)}, open(out, "w"))

if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    mode = sys.argv[1]
    if mode == "book":
        book(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    else:
        redeem(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
