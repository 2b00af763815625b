#!/usr/bin/env python3
"""Base texts for tests/bench/seed_gen.c (python3 standard library only).

    seed_bases.py SHARED_DATA_DIR OUT_FILE

Re-uses tests/eval/gen_stream.py's corpus reading and near-duplicate grouping, so the seed and
the evaluation agree on what one English template is: SMishTank, UCI and Mendeley spam texts
whose keys are equal or >= 0.8 character-4-gram Jaccard are one base (its first variant is
kept). URLs, e-mails and phone numbers become {U}, {E}, {P} placeholders that the generator
fills with each campaign's own values, so no two campaigns share an indicator by accident.
The 48 Chinese templates are the evaluation's own. Ham (UCI and Mendeley) is kept as noise.

Output, one base a line: LANG<TAB>KIND<TAB>TEXT with LANG en|zh, KIND spam|ham.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "eval"))
import gen_stream as gs  # noqa: E402


def flat(t):
    # The generator reads one base per line and fills {U} {E} {P} {Q} {W} only.
    t = re.sub(r"\{P\d+\}", "{P}", t)
    return " ".join(t.replace("\t", " ").split())


def main():
    data, out = sys.argv[1], sys.argv[2]
    spam, ham = gs.load_corpora(data)
    keys = {}
    for _, t in spam:
        k = gs.text_key(t)
        if len(k) >= 12:
            keys.setdefault(k, t)
    klist = sorted(keys)
    sets = [gs.shingles(k) for k in klist]
    uf = gs.UF(len(klist))
    for i, j, jj in gs.similar_pairs(sets, 0.8):
        uf.union(i, j)
    en = []
    for i, k in enumerate(klist):
        if uf.find(i) == i:
            en.append(flat(gs.templatize(keys[k])[0]))
    hams = sorted({" ".join(t.split()) for _, t in ham if len(gs.text_key(t)) >= 12})
    with open(out, "w", encoding="utf-8") as f:
        for t in en:
            f.write("en\tspam\t%s\n" % t)
        for _, t in gs.ZH_TEMPLATES:
            f.write("zh\tspam\t%s\n" % flat(t))
        for t in hams:
            f.write("en\tham\t%s\n" % flat(t))
    print("bases: %d English spam, %d Chinese spam, %d ham" % (len(en), len(gs.ZH_TEMPLATES),
                                                              len(hams)))


if __name__ == "__main__":
    main()
