#!/usr/bin/env python3
"""Client of bench/submit.sh. `submit SEED.json BASE CONCURRENCY OUT.json [KILL_AT]`: every applicant
uploads a 2 MB PDF (deterministic bytes, SHA-256 kept) and submits, concurrently; connection
failures are retried (the server may be killed and restarted by the caller); writes what was
acknowledged. `board SEED.json BASE CONNECTIONS SECONDS`: the board page at so many connections,
prints p50 and p99 in ms."""
import hashlib, http.client, json, os, sys, threading, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor

def payload(n):
    # 2 MB: a PDF header, then bytes that differ per applicant.
    seed = hashlib.sha256(f"applicant-{n}".encode()).digest()
    block = b"".join(hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(2048))  # 64 KiB
    body = b"%PDF-1.7\n" + block * 32
    return body[: 2 * 1024 * 1024]

def request(base, method, path, token, body=b"", headers=None):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    h = {"Authorization": f"Bearer {token}"}
    h.update(headers or {})
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data

def submit_one(base, a, n, stats, lock):
    body = payload(n)
    boundary = "----benchboundary"
    mp = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"申报书{n}.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
    app = a["application"]
    def retry(fn):
        for _ in range(600):
            try:
                return fn()
            except (ConnectionError, OSError, http.client.HTTPException):
                time.sleep(0.1)
        return (0, b"")
    st, _ = retry(lambda: request(base, "POST", f"/applications/{app}/upload", a["token"], mp, {"Content-Type": f"multipart/form-data; boundary={boundary}"}))
    if st >= 500:
        with lock: stats["errors"] += 1
    if not (200 <= st < 400):
        return None
    form = urllib.parse.urlencode({"action": "submit", "version": a["version"]}).encode()
    st, _ = retry(lambda: request(base, "POST", f"/applications/{app}/act", a["token"], form, {"Content-Type": "application/x-www-form-urlencoded"}))
    if st >= 500:
        with lock: stats["errors"] += 1
    if st == 409:
        # Lost the answer and retried: acknowledged only if the application shows as submitted.
        st2, page = retry(lambda: request(base, "GET", f"/applications/{app}", a["token"]))
        if st2 == 200 and 'data-stage-code="submitted"' in page.decode("utf-8", "replace"):
            st = 303
    if not (200 <= st < 400):
        return None
    with lock:
        stats["acknowledged"] += 1
    return {"application": app, "sha256": hashlib.sha256(body).hexdigest()}

def submit(seed, base, conc, out):
    data = json.load(open(seed))
    stats = {"acknowledged": 0, "errors": 0}
    lock = threading.Lock()
    start = time.time()
    with ThreadPoolExecutor(conc) as ex:
        acks = [r for r in ex.map(lambda p: submit_one(base, p[1], p[0], stats, lock), enumerate(data["applicants"])) if r]
    elapsed = time.time() - start
    json.dump({"acks": acks, "errors": stats["errors"], "elapsed": elapsed, "n": len(data["applicants"])}, open(out, "w"))

def board(seed, base, conns, seconds):
    token = json.load(open(seed))["board_token"]
    u = urllib.parse.urlparse(base)
    times, lock = [], threading.Lock()
    stop = time.time() + seconds
    def worker():
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        while time.time() < stop:
            t0 = time.perf_counter()
            c.request("GET", "/projects/board", headers={"Authorization": f"Bearer {token}"})
            r = c.getresponse(); r.read()
            dt = (time.perf_counter() - t0) * 1000
            assert r.status == 200, r.status
            with lock: times.append(dt)
    ts = [threading.Thread(target=worker) for _ in range(conns)]
    for t in ts: t.start()
    for t in ts: t.join()
    times.sort()
    print(f"{len(times)} {times[len(times)//2]:.2f} {times[int(len(times)*0.99)]:.2f}")

if __name__ == "__main__":
    if sys.argv[1] == "submit":
        submit(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        board(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
