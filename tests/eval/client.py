#!/usr/bin/env python3
"""Posts tests/eval's stream through the public HTTP API and reads the campaigns back.

    client.py post  PORT STREAM.jsonl IDS.tsv      (env EVAL_REPORTER_KEY; EVAL_THREADS, 4)
    client.py wait  PORT IDS.tsv                   (env EVAL_ANALYST_KEY; EVAL_WAIT, 600 s)
    client.py read  PORT IDS.tsv RESULT.tsv        (env EVAL_ANALYST_KEY; EVAL_THREADS, 4)

post: POST /v1/reports with keep-alive connections (http.client), a few threads, each report
with an Idempotency-Key so a retry after 429/503 or a dropped connection stores nothing twice;
writes "seq<TAB>report id".
wait: polls GET /metrics (spamgw_cluster_reports_assigned_total, spamgw_cluster_lag_seconds)
and GET /v1/reports/{highest id} until that report is assigned (the worker follows reports in
id order, so every lower id is assigned too).
read: GET /v1/reports/{id} for every report; writes "seq<TAB>id<TAB>campaign_id<TAB>assigned"
(campaign_id resolved through merges by the server; empty when unassigned).
Standard library only.
"""
import http.client
import json
import os
import sys
import threading
import time


def conn(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def request(state, port, method, path, body=None, headers=None, tries=20):
    """One request on this thread's keep-alive connection; retries 429/503 and broken
    connections. Returns (status, parsed JSON or text)."""
    for attempt in range(tries):
        c = state.get("c")
        if c is None:
            c = state["c"] = conn(port)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                state["c"] = None
        except (http.client.HTTPException, OSError):
            try:
                c.close()
            except Exception:
                pass
            state["c"] = None
            time.sleep(min(2.0, 0.05 * (attempt + 1)))
            continue
        if r.status in (429, 503):
            time.sleep(float(r.getheader("Retry-After", "1") or 1))
            continue
        ctype = r.getheader("Content-Type", "")
        if "json" in ctype:
            return r.status, json.loads(data.decode("utf-8"))
        return r.status, data.decode("utf-8", errors="replace")
    raise RuntimeError("%s %s: gave up after %d attempts" % (method, path, tries))


def run_threads(n, fn, items):
    out = [None] * len(items)
    errors = []
    lock = threading.Lock()
    nxt = [0]

    def worker():
        state = {}
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(items):
                break
            try:
                out[i] = fn(state, items[i])
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append("%r: %s" % (items[i] if not isinstance(items[i], dict) else items[i].get("seq"), e))
        if state.get("c"):
            state["c"].close()

    ts = [threading.Thread(target=worker) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out, errors


def cmd_post(port, stream, ids_path):
    key = os.environ["EVAL_REPORTER_KEY"]
    threads = int(os.environ.get("EVAL_THREADS", "4"))
    recs = []
    with open(stream, encoding="utf-8") as f:
        for line in f:
            recs.append(json.loads(line))
    prefix = "eval-%d-" % int(time.time())

    def post(state, rec):
        body = json.dumps(rec["body"], ensure_ascii=False).encode("utf-8")
        st, js = request(state, port, "POST", "/v1/reports", body, {
            "Authorization": "Bearer " + key, "Content-Type": "application/json",
            "Idempotency-Key": prefix + str(rec["seq"])})
        if st not in (200, 202):
            raise RuntimeError("status %d: %s" % (st, js))
        return js["id"]

    t0 = time.time()
    ids, errors = run_threads(threads, post, recs)
    dt = time.time() - t0
    with open(ids_path, "w") as f:
        for rec, i in zip(recs, ids):
            f.write("%d\t%s\n" % (rec["seq"], "" if i is None else i))
    ok = sum(1 for i in ids if i is not None)
    print("posted %d/%d reports in %.1f s (%.0f/s, %d threads, keep-alive)" % (ok, len(recs), dt, ok / dt, threads))
    for e in errors[:10]:
        print("  post error: %s" % e, file=sys.stderr)
    if errors:
        print("  %d post errors" % len(errors), file=sys.stderr)


def read_ids(path):
    rows = []
    with open(path) as f:
        for line in f:
            seq, rid = line.rstrip("\n").split("\t")
            rows.append((int(seq), int(rid) if rid else None))
    return rows


def metrics(state, port):
    st, txt = request(state, port, "GET", "/metrics")
    m = {}
    for line in txt.splitlines():
        if line.startswith("spamgw_cluster_reports_assigned_total ") or line.startswith("spamgw_cluster_lag_seconds "):
            k, v = line.split()
            m[k] = float(v)
    return m


def cmd_wait(port, ids_path):
    key = os.environ["EVAL_ANALYST_KEY"]
    limit = float(os.environ.get("EVAL_WAIT", "600"))
    ids = [i for _, i in read_ids(ids_path) if i is not None]
    top = max(ids)
    state = {}
    t0 = time.time()
    last = -1.0
    while True:
        st, js = request(state, port, "GET", "/v1/reports/%d" % top, None, {"Authorization": "Bearer " + key})
        m = metrics(state, port)
        done = st == 200 and js.get("assigned")
        n = m.get("spamgw_cluster_reports_assigned_total", -1)
        if time.time() - last >= 5 or done:
            print("  wait: %.0f s, assigned_total %d, lag %.2f s, report %d assigned=%s" % (
                time.time() - t0, n, m.get("spamgw_cluster_lag_seconds", -1), top, bool(done)))
            last = time.time()
        if done:
            print("clustering caught up %.1f s after the last post (report %d assigned)" % (time.time() - t0, top))
            return
        if time.time() - t0 > limit:
            print("clustering did NOT catch up within %.0f s; reading what is assigned" % limit)
            return
        time.sleep(0.5)


def cmd_read(port, ids_path, out_path):
    key = os.environ["EVAL_ANALYST_KEY"]
    threads = int(os.environ.get("EVAL_THREADS", "4"))
    rows = read_ids(ids_path)

    def get(state, row):
        seq, rid = row
        if rid is None:
            return None
        st, js = request(state, port, "GET", "/v1/reports/%d" % rid, None, {"Authorization": "Bearer " + key})
        if st != 200:
            raise RuntimeError("GET /v1/reports/%d: %d %s" % (rid, st, js))
        return js

    t0 = time.time()
    res, errors = run_threads(threads, get, rows)
    na = 0
    with open(out_path, "w") as f:
        for (seq, rid), js in zip(rows, res):
            if js is None:
                f.write("%d\t\t\t0\n" % seq)
                continue
            cid = js.get("campaign_id")
            assigned = bool(js.get("assigned"))
            na += assigned
            f.write("%d\t%d\t%s\t%d\n" % (seq, rid, "" if cid is None else cid, assigned))
    print("read back %d reports in %.1f s (%d assigned)" % (len(rows), time.time() - t0, na))
    for e in errors[:10]:
        print("  read error: %s" % e, file=sys.stderr)


def main():
    cmd = sys.argv[1]
    port = int(sys.argv[2])
    if cmd == "post":
        cmd_post(port, sys.argv[3], sys.argv[4])
    elif cmd == "wait":
        cmd_wait(port, sys.argv[3])
    elif cmd == "read":
        cmd_read(port, sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
