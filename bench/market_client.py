#!/usr/bin/env python3
"""Client of bench/market.sh: `register BASE SELLER_TOKEN OFFICE_TOKEN SELLER_JSON N CONCURRENCY`
submits N technology contracts through POST /api/v1/market/contracts as the seller and uploads
each one's signed text (POST /api/v1/market/contracts/{id}/files, a small PDF), then the
registration office registers each through POST /api/v1/market/contracts/{id}/actions, both
CONCURRENCY at a time; prints `register_s=… submitted=… registered=… errors=…`.
`figures BASE YEAR`: times GET /api/v1/market/figures?year=YEAR (five runs), prints the median
as `stats_s=…` and the year's registered contracts."""
import http.client, json, statistics, sys, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor


def request(base, method, path, token=None, body=None):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    c.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


SIGNED = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(base, token, cid):
    """The signed contract's text, as a multipart upload; True when stored."""
    boundary = "----benchsigned"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"signed.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + SIGNED + f"\r\n--{boundary}--\r\n".encode()
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    c.request("POST", f"/api/v1/market/contracts/{cid}/files", body=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status == 201


def contract(seller, i):
    # Distinct amounts (to the fen) make every contract a different one.
    amount = f"{10 + i // 100}.{i % 100:02d}"
    return {
        "title": f"技术服务合同（基准 {i}）", "contract_type": "service.general",
        "seller_name": seller["name"], "seller_code": seller["credit_code"],
        "buyer_name": seller["buyer_name"], "buyer_code": seller["buyer_code"], "buyer_region": "local",
        "subject": "提供检测与工艺优化技术服务。", "signed_on": "2026-06-30", "amount_wan": amount,
        "payments": [{"due_on": "2026-12-31", "amount_wan": amount}],
    }


def register(base, seller_token, office_token, seller_json, n, conc):
    seller = json.loads(seller_json)
    errors = 0
    start = time.time()
    def submit(i):
        st, data = request(base, "POST", "/api/v1/market/contracts", seller_token, contract(seller, i))
        if st != 201:
            return None
        cid = json.loads(data)["id"]
        return cid if upload(base, seller_token, cid) else None
    with ThreadPoolExecutor(conc) as ex:
        ids = list(ex.map(submit, range(n)))
    submitted = [i for i in ids if i]
    def decide(cid):
        st, _ = request(base, "POST", f"/api/v1/market/contracts/{cid}/actions", office_token, {"action": "register", "version": 1})
        return st == 200
    with ThreadPoolExecutor(conc) as ex:
        done = sum(ex.map(decide, submitted))
    secs = time.time() - start
    errors = n - len(submitted) + len(submitted) - done
    print(f"register_s={secs:.2f} submitted={len(submitted)} registered={done} errors={errors}")


def figures(base, year):
    times = []
    count = 0
    for _ in range(5):
        start = time.time()
        st, data = request(base, "GET", f"/api/v1/market/figures?year={year}")
        times.append(time.time() - start)
        assert st == 200, data
        count = sum(k["contracts"] for k in json.loads(data)["kinds"])
    print(f"stats_s={statistics.median(times):.3f} contracts={count}")


if __name__ == "__main__":
    if sys.argv[1] == "register":
        register(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7]))
    else:
        figures(sys.argv[2], sys.argv[3])
