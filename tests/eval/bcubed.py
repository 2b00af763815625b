#!/usr/bin/env python3
"""B-cubed scores of spamgw's campaigns against tests/eval's ground truth.

    bcubed.py STREAM.jsonl RESULT.tsv TEMPLATES.json [--worst 10]

For every report i with true template L(i) and campaign C(i) (as GET /v1/reports/{id} returned
it, resolved through merges; a report still unassigned counts as a campaign of its own):
    precision(i) = |{j in C(i) : L(j) = L(i)}| / |C(i)|
    recall(i)    = |{j : L(j) = L(i), C(j) = C(i)}| / |{j : L(j) = L(i)}|
averaged over the reports of a subset (English = English spam + ham, Chinese, spam only...);
F1 = 2PR / (P + R). Campaigns are always counted whole, so a Chinese report in an English
campaign lowers the Chinese precision too. Also scored against the looser "family" truth
(templates whose corpus texts are >= 0.5 similar count as one), ham handling, and the worst
templates by recall and campaigns by precision with sample texts.
Standard library only.
"""
import argparse
import http.client
import json
import os
import sys
from collections import Counter, defaultdict

TARGET_F1 = 0.95
TARGET_P = 0.98


def load(stream, result):
    recs = {}
    with open(stream, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            recs[r["seq"]] = r
    rows = []
    with open(result) as f:
        for line in f:
            seq, rid, cid, assigned = line.rstrip("\n").split("\t")
            r = recs[int(seq)]
            if assigned == "1" and cid:
                camp = "c" + cid
            else:
                camp = "u" + (rid or seq)  # unassigned: alone
            rows.append({"seq": int(seq), "id": rid, "camp": camp, "assigned": assigned == "1",
                         "tpl": r["tpl"], "fam": r["fam"], "lang": r["lang"], "kind": r["kind"],
                         "text": r["body"]["content"]})
    return rows


def bcubed(rows, label, subset):
    n_c = Counter(r["camp"] for r in rows)
    n_l = Counter(r[label] for r in rows)
    n_cl = Counter((r["camp"], r[label]) for r in rows)
    sp = sr = 0.0
    n = 0
    for r in rows:
        if not subset(r):
            continue
        both = n_cl[(r["camp"], r[label])]
        sp += both / n_c[r["camp"]]
        sr += both / n_l[r[label]]
        n += 1
    if n == 0:
        return None
    p, rc = sp / n, sr / n
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    return n, p, rc, f1


def short(s, n=110):
    s = " ".join(s.split())
    return s if len(s) <= n else s[:n - 1] + "…"


def campaign_info(cid):
    """Strong indicators and counts of campaign cid through GET /v1/campaigns/{id}, when the
    gateway is still up (EVAL_PORT, EVAL_ANALYST_KEY); None otherwise."""
    port, key = os.environ.get("EVAL_PORT"), os.environ.get("EVAL_ANALYST_KEY")
    if not port or not key:
        return None
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        c.request("GET", "/v1/campaigns/%s" % cid, headers={"Authorization": "Bearer " + key})
        r = c.getresponse()
        js = json.loads(r.read().decode("utf-8"))
        c.close()
        return js if r.status == 200 else None
    except (OSError, ValueError, http.client.HTTPException):
        return None


def print_campaigns(title, by_camp, meta, label, worst):
    cprec = []
    for c, rs in by_camp.items():
        if len(rs) < 2:
            continue
        comp = Counter(r[label] for r in rs)
        prec = sum(x * x for x in comp.values()) / (len(rs) ** 2)
        if prec < 1.0:
            cprec.append((prec, len(rs), c, comp))
    # Damage first: the precision mass a campaign loses is (1 - its precision) x its reports.
    cprec.sort(key=lambda x: (-(1 - x[0]) * x[1], x[2]))
    lost = sum((1 - p) * n for p, n, _, _ in cprec)
    print()
    print("%d %s (%d impure campaigns of %d with >= 2 reports; they lose %.0f report-units of precision):" % (
        worst, title, len(cprec), sum(1 for rs in by_camp.values() if len(rs) >= 2), lost))
    for prec, n, c, comp in cprec[:worst]:
        tpls = Counter(r["tpl"] for r in by_camp[c])
        fams = {meta.get(t, {}).get("family") for t in tpls}
        print("  campaign %s: %d reports, precision %.3f (%s), %d templates, %d families: %s" % (
            c[1:], n, prec, label, len(tpls), len(fams),
            ", ".join("%s×%d" % (t, k) for t, k in tpls.most_common(5))))
        info = campaign_info(c[1:]) if c.startswith("c") else None
        if info is not None:
            ind = info.get("indicators") or []
            print("      via API: %s reports, %d merged campaigns, indicators (%d): %s" % (
                (info.get("counts") or {}).get("reports"), len(info.get("merged_campaigns") or []),
                len(ind), ", ".join(str(x) for x in ind[:8])))
        shown = 0
        for key, _ in comp.most_common(3):
            r0 = next(r for r in by_camp[c] if r[label] == key)
            m = meta.get(r0["tpl"], {})
            print("      %s [%s%s]: %s" % (r0["tpl"], m.get("kind"), ("/" + m["category"]) if m.get("category") else "",
                                          short(m.get("variants", [""])[0])))
            print("         report: %r" % short(r0["text"]))
            shown += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stream")
    ap.add_argument("result")
    ap.add_argument("templates")
    ap.add_argument("--worst", type=int, default=10)
    a = ap.parse_args()
    rows = load(a.stream, a.result)
    with open(a.templates, encoding="utf-8") as f:
        meta = json.load(f)

    unassigned = sum(1 for r in rows if not r["assigned"])
    campaigns = len({r["camp"] for r in rows})
    print("reports scored: %d (%d unassigned, counted as singletons); %d campaigns; %d templates" % (
        len(rows), unassigned, campaigns, len({r["tpl"] for r in rows})))
    print()
    subsets = [
        ("overall", lambda r: True),
        ("English (spam+ham)", lambda r: r["lang"] == "en"),
        ("English spam only", lambda r: r["lang"] == "en" and r["kind"] == "spam"),
        ("Chinese", lambda r: r["lang"] == "zh"),
        ("all spam (no ham)", lambda r: r["kind"] == "spam"),
    ]
    print("%-22s %7s %9s %9s %9s   %s" % ("B-cubed (template)", "reports", "precision", "recall", "F1", "targets P>=%.2f F1>=%.2f" % (TARGET_P, TARGET_F1)))
    verdict = {}
    for name, sub in subsets:
        res = bcubed(rows, "tpl", sub)
        if res is None:
            continue
        n, p, rc, f1 = res
        ok = "met" if p >= TARGET_P and f1 >= TARGET_F1 else "MISSED"
        verdict[name] = ok
        print("%-22s %7d %9.4f %9.4f %9.4f   %s" % (name, n, p, rc, f1, ok))
    print()
    print("%-22s %7s %9s %9s %9s   (secondary: templates >= 0.5 similar in the corpus count as one)" % (
        "B-cubed (family)", "reports", "precision", "recall", "F1"))
    for name, sub in subsets:
        res = bcubed(rows, "fam", sub)
        if res is None:
            continue
        n, p, rc, f1 = res
        print("%-22s %7d %9.4f %9.4f %9.4f" % (name, n, p, rc, f1))

    # --- where precision is lost: each report's campaign-mates of another template are the same
    # family (corpus near-relatives), another family of spam, or ham (for a ham report: any mate)
    print()
    print("precision lost (1 - P, averaged over the subset's reports), by what the wrong campaign-mates are:")
    print("%-22s %9s %14s %14s %14s" % ("", "lost", "same family", "other family", "ham involved"))
    by_c = defaultdict(Counter)
    n_c2 = Counter()
    for r in rows:
        by_c[r["camp"]][(r["tpl"], r["fam"], r["kind"])] += 1
        n_c2[r["camp"]] += 1
    for name, sub in subsets:
        tot = [0.0, 0.0, 0.0]
        n = 0
        for r in rows:
            if not sub(r):
                continue
            n += 1
            size = n_c2[r["camp"]]
            for (t, f, k), c in by_c[r["camp"]].items():
                if t == r["tpl"]:
                    continue
                if r["kind"] == "ham" or k == "ham":
                    tot[2] += c / size
                elif f == r["fam"]:
                    tot[0] += c / size
                else:
                    tot[1] += c / size
        if n:
            print("%-22s %9.4f %14.4f %14.4f %14.4f" % (name, sum(tot) / n, tot[0] / n, tot[1] / n, tot[2] / n))

    # --- ham handling
    by_camp = defaultdict(list)
    for r in rows:
        by_camp[r["camp"]].append(r)
    ham = [r for r in rows if r["kind"] == "ham"]
    if ham:
        alone = with_spam = with_ham_only = 0
        for r in ham:
            members = by_camp[r["camp"]]
            if len(members) == 1:
                alone += 1
            elif any(m["kind"] == "spam" for m in members):
                with_spam += 1
            else:
                with_ham_only += 1
        print()
        print("ham: %d reports; alone %.2f%%, in a campaign with spam %.2f%% (%d), with other ham only %.2f%% (%d)" % (
            len(ham), 100 * alone / len(ham), 100 * with_spam / len(ham), with_spam,
            100 * with_ham_only / len(ham), with_ham_only))
        ex = [r for r in ham if any(m["kind"] == "spam" for m in by_camp[r["camp"]])][:5]
        for r in ex:
            sp = next(m for m in by_camp[r["camp"]] if m["kind"] == "spam")
            print("  ham  %s\n   in campaign %s (%d reports) with spam %s: %s" % (
                short(r["text"], 90), r["camp"][1:], len(by_camp[r["camp"]]), sp["tpl"], short(sp["text"], 90)))

    # --- worst templates by recall
    by_tpl = defaultdict(list)
    for r in rows:
        by_tpl[r["tpl"]].append(r)
    n_c = Counter(r["camp"] for r in rows)
    trec = []
    for t, rs in by_tpl.items():
        if len(rs) < 2:
            continue
        pieces = Counter(r["camp"] for r in rs)
        rec = sum(c * c for c in pieces.values()) / (len(rs) ** 2)
        trec.append((rec, -len(rs), t, pieces))
    trec.sort()
    print()
    print("%d worst templates by recall (reports, B-cubed recall, campaigns it is split into):" % a.worst)
    for rec, negn, t, pieces in trec[:a.worst]:
        m = meta.get(t, {})
        top = pieces.most_common(4)
        print("  %s [%s%s, links %s, numbers %s] %d reports, recall %.3f, %d campaigns, largest pieces %s" % (
            t, m.get("source", "?"), ("/" + m["category"]) if m.get("category") else "", m.get("link_mode"),
            m.get("phone_mode"), -negn, rec, len(pieces), [c for _, c in top]))
        print("      template: %s" % short(m.get("variants", [""])[0]))
        main_camp = top[0][0]
        strays = [r for r in by_tpl[t] if r["camp"] != main_camp][:2]
        mains = [r for r in by_tpl[t] if r["camp"] == main_camp][:1]
        for r in mains:
            print("      main   : %r" % short(r["text"]))
        for r in strays:
            print("      stray  : %r (campaign %s, %d reports)" % (short(r["text"]), r["camp"][1:], n_c[r["camp"]]))

    # --- worst campaigns by precision
    print_campaigns("campaigns costing the most precision against the template truth", by_camp, meta, "tpl", a.worst)
    print_campaigns("campaigns costing the most precision against the family truth (joins of "
                    "unrelated texts)", by_camp, meta, "fam", a.worst)

    # --- summary line for the log
    print()
    print("verdict: English %s, Chinese %s (targets: precision >= %.2f and F1 >= %.2f per language)" % (
        verdict.get("English (spam+ham)", "?"), verdict.get("Chinese", "?"), TARGET_P, TARGET_F1))


if __name__ == "__main__":
    main()
