#!/usr/bin/env python3
"""memo_answers.py - valid answer sets for a form, for the publication test.

    memo_answers.py FORM.json TEAM N SEED

Prints N lines {"form": ID, "team": TEAM, "answers": {...}}: every item
whose show_if holds is answered (its own options; now and then "liever-niet"
for a sensitive item), follow-ups only when their condition holds. Seeded,
so the test is repeatable.
"""
import json
import random
import sys


def main():
    form = json.load(open(sys.argv[1]))
    team, n, rnd = sys.argv[2], int(sys.argv[3]), random.Random(int(sys.argv[4]))
    for _ in range(n):
        ans = {}
        for it in form["items"]:
            cond = it.get("show_if")
            if cond:
                ref, val = [x.strip() for x in cond.split("==")]
                if ans.get(ref) is not (val == "true"):
                    continue
            t = it["type"]
            if it.get("sensitive") and rnd.random() < 0.05:
                ans[it["id"]] = "liever-niet"
            elif t == "likert5":
                ans[it["id"]] = rnd.randint(1, 5)
            elif t == "freq5":
                ans[it["id"]] = rnd.randint(0, 4)
            elif t == "scale0_10":
                ans[it["id"]] = rnd.randint(0, 10)
            elif t == "yesno":
                ans[it["id"]] = rnd.random() < 0.3
            elif t == "choice":
                ans[it["id"]] = rnd.choice(it["options"])["value"]
            elif t == "multi":
                opts = [o["value"] for o in it["options"]]
                ans[it["id"]] = sorted(rnd.sample(opts, rnd.randint(1, len(opts))))
        print(json.dumps({"form": form["id"], "team": team, "answers": ans}))


main()
