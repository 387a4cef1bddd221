#!/usr/bin/env python3
"""expect.py - the publication test's independent oracle.

    expect.py FORM.json ORG.csv ANSWERS.jsonl REPORTS_DIR K WITHHELD

Computes, from the answers the test gave (one JSON object per line:
{"team": ..., "answers": {item: value}}), every unit's figures the way
docs/scoring.md, docs/indicators.md and docs/disclosure.md define them -
with exact fractions, not with the server's code - and checks each
REPORTS_DIR/UNIT.json (the published JSON report of that unit) against
them: respondents and counts exactly (bands for sensitive items at team
level and for counts of 0 or all; district-only items withheld below
district level and under 10 respondents), means, shares and Cronbach's
alpha (from 30 complete respondents, above team level) to 1e-9, signals,
and that exactly the units in WITHHELD
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


def band(c):
    return "geen" if c == 0 else "1-2" if c <= 2 else "3 of meer"


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
        team = r["kind"] == "team"
        # item counts: exact, or bands where the policy says so
        shown_items = {it["id"]: it for it in rep["items"]}
        held_items = {x["id"] for x in rep.get("withheld_items", [])}
        for item in form["items"]:
            iid = item["id"]
            district_only = item.get("publish") == "district"
            if district_only and (team or n < 10):
                if iid in shown_items or iid not in held_items:
                    fail("%s %s: a district-only item must be withheld here" % (u, iid))
                continue
            if iid not in shown_items:
                fail("%s %s: item missing" % (u, iid))
            want = {}
            for a in resp:
                v = a.get(iid)
                if v is None:
                    cond = item.get("show_if")
                    shown = True
                    if cond:
                        ref, val = [x.strip() for x in cond.split("==")]
                        shown = a.get(ref) is (val == "true")
                    key = ["_ns"] if not shown else ["_na"]
                elif isinstance(v, bool):
                    key = [str(v).lower()]
                elif isinstance(v, list):
                    key = v
                else:
                    key = [str(v)]
                for kk in key:
                    want[kk] = want.get(kk, 0) + 1
            got = shown_items[iid]
            opts = [str(o["value"]).lower() if isinstance(o.get("value"), bool) else str(o["value"])
                    for o in item.get("options", [])] if item.get("options") else None
            sens = item.get("sensitive", False)
            nshown = n - want.get("_ns", 0)
            if sens and team:
                if "counts" in got:
                    fail("%s %s: sensitive item with exact counts at team level" % (u, iid))
                for key, b in got["bands"].items():
                    if b != band(want.get(key, 0)):
                        fail("%s %s=%s: band %s, want %s" % (u, iid, key, b, band(want.get(key, 0))))
                    figures += 1
                continue
            for key, c in got["counts"].items():
                w = want.get(key, 0)
                if sens and key not in ("_na", "_ns") and (w == 0 or w == nshown):
                    if c != band(w):
                        fail("%s %s=%s: %r, want the band %r" % (u, iid, key, c, band(w)))
                elif c != w:
                    fail("%s %s=%s: count %s, answers say %d" % (u, iid, key, c, w))
                figures += 1
        # yes/no signals: share of "ja", or a band
        for item in form["items"]:
            if item["type"] != "yesno" or item.get("show_if") or item.get("publish") == "district":
                continue
            got = next((x for x in rep["signals"] if x["id"] == item["id"]), None)
            yes = sum(1 for a in resp if a.get(item["id"]) is True)
            m = sum(1 for a in resp if isinstance(a.get(item["id"]), bool))
            if got is None:
                fail("%s: signal %s missing" % (u, item["id"]))
            if item.get("sensitive") and (team or yes == 0 or yes == m):
                if got.get("band") != band(yes):
                    fail("%s %s: signal band %r, want %r" % (u, item["id"], got.get("band"), band(yes)))
            elif abs(got["share"] - yes / m) > 1e-9 or got["answered"] != m:
                fail("%s %s: share %s of %s, want %d/%d" % (u, item["id"], got["share"], got.get("answered"), yes, m))
            figures += 1
        print("  %-8s n=%-3d %d scales, %d items, %d signals: exact" % (
            u, n, len(rep["scales"]), len(rep["items"]), len(rep["signals"])))
        checked += 1
    print("checked %d units, %d figures against the answers" % (checked, figures))


main()
