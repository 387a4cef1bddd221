#!/usr/bin/env python3
"""expect.py - the publication test's independent oracle.

    expect.py FORM.json ORG.csv ANSWERS.jsonl REPORTS_DIR K WITHHELD

Computes, from the answers the test gave (one JSON object per line:
{"team": ..., "answers": {item: value}}), every unit's figures the way
docs/scoring.md and docs/indicators.md define them - with exact fractions,
not with the server's code - and checks each REPORTS_DIR/UNIT.json (the
published JSON report of that unit) against them: respondents and counts
exactly, means and shares to 1e-9, and that exactly the units in WITHHELD
(comma-separated unit=reason-word pairs, e.g. "t12=weinig,t10=afgeschermd")
are withheld, with no figure of theirs shown. Prints one line per unit and
a total; exits 1 on the first difference.
"""
import csv
import json
import os
import sys
from fractions import Fraction as F


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def item_score(item, v):
    t = item["type"]
    if t == "likert5":
        s = (v - 1) * 25
    elif t == "freq5":
        s = v * 25
    elif t == "scale0_10":
        s = v * 10
    else:
        return None
    return 100 - s if item.get("reverse") else s


def zone(scale, score):
    red, amber = F(scale["cut"]["red"]), F(scale["cut"]["amber"])
    if scale["direction"] == "higher_is_worse":
        return "red" if score >= red else "amber" if score >= amber else "green"
    return "red" if score <= red else "amber" if score <= amber else "green"


def main():
    form = json.load(open(sys.argv[1]))
    org = list(csv.DictReader(open(sys.argv[2])))
    answers = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
    rdir, k = sys.argv[4], int(sys.argv[5])
    withheld = dict(p.split("=") for p in sys.argv[6].split(",") if p)
    items = {i["id"]: i for i in form["items"]}
    parent = {r["id"]: r["parent"] for r in org}
    head = {r["id"]: int(r["headcount"] or 0) for r in org}

    def chain(team):
        u = team
        while u:
            yield u
            u = parent[u]

    members = {r["id"]: [] for r in org}
    for a in answers:
        for u in chain(a["team"]):
            members[u].append(a["answers"])
    teams_below = {r["id"]: 0 for r in org}
    for r in org:
        if r["kind"] == "team":
            for u in chain(r["id"]):
                teams_below[u] += head[r["id"]]

    checked = figures = 0
    for r in org:
        u = r["id"]
        path = os.path.join(rdir, u + ".json")
        if not os.path.exists(path):
            fail("no report for %s" % u)
        rep = json.load(open(path))
        if rep.get("unit") != u:
            fail("%s: report is for %s" % (u, rep.get("unit")))
        if u in withheld:
            if rep.get("suppressed") is not True:
                fail("%s: expected withheld (%s), it is published" % (u, withheld[u]))
            if withheld[u] not in rep.get("reason", ""):
                fail("%s: reason %r, expected %r" % (u, rep.get("reason"), withheld[u]))
            for key in ("n", "scales", "items", "signals", "headcount", "response"):
                if key in rep:
                    fail("%s: withheld, yet shows %r" % (u, key))
            print("  %-8s withheld: %s" % (u, rep["reason"]))
            checked += 1
            continue
        if rep.get("suppressed") is not False:
            fail("%s: expected published, got %r" % (u, rep.get("reason")))
        resp = members[u]
        n = len(resp)
        if rep["n"] != n:
            fail("%s: n is %s, answers were %d" % (u, rep["n"], n))
        if n < k:
            fail("%s: published with %d < k respondents" % (u, n))
        if abs(rep["response"] - n / teams_below[u]) > 1e-9:
            fail("%s: response %s, want %d/%d" % (u, rep["response"], n, teams_below[u]))
        figures += 2
        # item counts, exact
        for it in rep["items"]:
            item = items[it["id"]]
            want = {}
            for a in resp:
                v = a.get(it["id"])
                key = "_na" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
                want[key] = want.get(key, 0) + 1
            for key, c in it["counts"].items():
                if c != want.get(key, 0):
                    fail("%s %s=%s: count %s, answers say %d" % (u, it["id"], key, c, want.get(key, 0)))
                figures += 1
            if len(it["counts"]) < len(item.get("options", [])) :
                fail("%s %s: options missing" % (u, it["id"]))
        # scales: mean (0-100) to 1e-9, shares of red and amber
        for sc in form["scales"]:
            got = next((x for x in rep["scales"] if x["id"] == sc["id"]), None)
            if got is None:
                fail("%s: scale %s missing" % (u, sc["id"]))
            scores = []
            for a in resp:
                s = [item_score(items[i], a[i]) for i in sc["items"] if a.get(i) is not None]
                if len(s) * 2 >= len(sc["items"]):
                    scores.append(F(sum(s), len(s)))
            if got["n"] != len(scores):
                fail("%s %s: n %s, want %d" % (u, sc["id"], got["n"], len(scores)))
            mean = sum(scores) / len(scores)
            if abs(got["mean"] - float(mean)) > 1e-9:
                fail("%s %s: mean %.12f, want %.12f" % (u, sc["id"], got["mean"], float(mean)))
            zones = [zone(sc, s) for s in scores]
            for z in ("red", "amber"):
                want = F(zones.count(z), len(scores))
                if abs(got["share_" + z] - float(want)) > 1e-9:
                    fail("%s %s: share_%s %s, want %s" % (u, sc["id"], z, got["share_" + z], want))
            lo, hi = got["ci"]
            if not (0 <= lo <= float(mean) + 1e-9 and float(mean) - 1e-9 <= hi <= 100):
                fail("%s %s: interval %s does not hold the mean" % (u, sc["id"], got["ci"]))
            figures += 4
        print("  %-8s n=%-3d %d scales, %d items: exact" % (u, n, len(rep["scales"]), len(rep["items"])))
        checked += 1
    print("checked %d units, %d figures against the answers" % (checked, figures))


main()
