#!/usr/bin/env python3
"""Writes realistic POST /v1/reports bodies for tests/bench/ingest, one JSON object per line.

usage: make_bodies.py SMSSpamCollection COUNT OUT

Texts come from the UCI SMS Spam Collection (Almeida, Gomez Hidalgo, Yamakami, ACM DocEng
2011; CC BY 4.0): every spam message first (747), then ham messages until COUNT is reached,
shuffled with a fixed seed so that every run sends the same sequence. Senders, cities,
countries, reporters and channels vary the way operator traffic does: mostly phone numbers in
national and international notation, some short codes, alphanumeric sender IDs and e-mail
senders (email-to-text). A line holds no raw newline (JSON escapes it), so consumers can read
the file line by line (the wrk Lua script and tests/bench/loadgen.c both do).
"""

import datetime
import json
import random
import sys

# (city, country, sender templates in local or international notation, reporter template).
# Numbers are only required to be *possible* for the region (spamgw does not insist on
# IsValidNumber); the ranges used are the fictional/drama ones where a country has them.
PLACES = [
    ("New York", "US", ["+1 212 555 {4}", "(646) 555-{4}", "212-555-{4}"], "+1212555{4}"),
    ("Chicago", "US", ["+1 312 555 {4}", "(773) 555-{4}"], "+1312555{4}"),
    ("Los Angeles", "US", ["+1 213 555 {4}", "310.555.{4}"], "+1213555{4}"),
    ("Houston", "US", ["+1 713 555 {4}"], "+1713555{4}"),
    ("Toronto", "CA", ["+1 416 555 {4}", "(647) 555-{4}"], "+1416555{4}"),
    ("London", "GB", ["+44 7700 900{3}", "07700 900{3}"], "+447700900{3}"),
    ("Manchester", "GB", ["07700 900{3}"], "+447700900{3}"),
    ("Paris", "FR", ["+33 6 12 34 {2} {2}", "06 12 34 {2} {2}"], "+33612345{3}"),
    ("Berlin", "DE", ["+49 1512 345{4}", "01512 345{4}"], "+491512345{4}"),
    ("München", "DE", ["+49 1523 456{4}"], "+491523456{4}"),
    ("São Paulo", "BR", ["+55 11 98765-{4}", "(11) 98765-{4}"], "+5511987654{3}"),
    ("Zürich", "CH", ["+41 79 123 {2} {2}", "079 123 {2} {2}"], "+4179123{4}"),
    ("Mumbai", "IN", ["+91 98200 {5}", "098200 {5}"], "+9198200{5}"),
    ("Sydney", "AU", ["+61 412 345 {3}", "0412 345 {3}"], "+61412345{3}"),
    ("Madrid", "ES", ["+34 612 34 {2} {2}", "612 345 {3}"], "+34612345{3}"),
]
SHORT_CODES = ["72345", "87121", "80488", "62468", "69669", "85233", "7726", "88039"]
ALPHANUMERIC = ["AMAZON", "USPS", "PayPal", "HMRC", "DHL-Info", "Netflix", "BankAlert", "VERIFY"]
EMAIL_SENDERS = ["alerts@secure-pay.example", "noreply@usps-track.example",
                 "support@wallet-verify.example", "info@prize-claim.example"]
CHANNELS = ["sms"] * 16 + ["rcs", "rcs", "imessage", "mms"]


def fill(template, rng):
    """Replaces {k} by k random digits."""
    out = []
    i = 0
    while i < len(template):
        if template[i] == "{":
            j = template.index("}", i)
            k = int(template[i + 1:j])
            out.append("".join(rng.choice("0123456789") for _ in range(k)))
            i = j + 1
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    src, count, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    spam, ham = [], []
    with open(src, encoding="utf-8", errors="replace") as f:
        for line in f:
            label, _, text = line.rstrip("\n").partition("\t")
            text = text.strip()
            if not text:
                continue
            (spam if label == "spam" else ham).append(text)
    rng = random.Random(20240501)
    texts = spam[:count] + ham[:max(0, count - len(spam))]
    rng.shuffle(texts)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    with open(dst, "w", encoding="utf-8") as out:
        for text in texts:
            city, country, senders, reporter = rng.choice(PLACES)
            kind = rng.random()
            if kind < 0.70:
                sender = fill(rng.choice(senders), rng)
            elif kind < 0.82:
                sender = rng.choice(SHORT_CODES)
            elif kind < 0.94:
                sender = rng.choice(ALPHANUMERIC)
            else:
                sender = rng.choice(EMAIL_SENDERS)
            body = {"content": text, "sender": sender}
            if rng.random() < 0.9:
                body["city"] = city
            body["country"] = country
            body["reporter"] = fill(reporter, rng)
            body["channel"] = rng.choice(CHANNELS)
            if rng.random() < 0.5:
                when = now - datetime.timedelta(seconds=rng.randint(60, 3 * 86400))
                body["received_at"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            out.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
