#!/usr/bin/env python3
"""attack.py - the disclosure attacker of tests/e2e/disclosure.sh (issue 6).

Standard library only. Three commands:

  attack.py plan NAME [--small]
      Print the script of scenario NAME ("nested", or "random-SEED") as
      lines for disclosure.sh: the organisation, terminals, accounts, which
      reports each account asks for, and the steps (clock, answers, syncs,
      publications with the snapshot number they must lead to, and the
      moments the views are collected). Deterministic: the seed is in the
      name. --small shrinks a random hierarchy (for ASan runs).

  attack.py analyse DIR
      DIR/views/*.json are the JSON reports the accounts got (any account,
      any moment), DIR/truth/PERIOD.SEQ.json the server's team cells at each
      snapshot (only to check the attacker's own arithmetic, never used to
      derive anything). The attacker pools every view (chiefs, district and
      HR colluding) and tries to learn a withheld figure:
        (1) subtraction: an equation with one unknown, peeled to a fixed
            point: in a snapshot a unit is the sum of its children; between
            two snapshots a unit's step is the sum of its children's steps,
            and a value is the one before plus the step;
        (2) the linear system of every published equality, solved exactly
            over Fraction: a withheld figure is derivable iff its vector
            lies in the row space of the published-equality matrix;
            beyond the brief's unit vectors, every union of respondent
            groups whose total is derivable is listed, and a derivable
            group of 1..k-1 respondents is a disclosure too;
        (3) interval bounds on n and every option count (non-negativity,
            count <= n, the counts of an item add up to n, the reasons "too
            few" (n <= k-1) and "to protect a smaller group" (n >= k), late
            steps of 0 or >= k, the response counts of the open period and
            the "late" marks), propagated to a fixed point: a withheld
            figure pinned to one value is reported and classified: empty
            (no respondents), homogeneous (it is 0 because a derivable group
            of >= k respondents holds none of that answer: the known limit
            of k-thresholds), late step (it is the content of a late step
            of >= k respondents, which the step rule lets through), or
            unexplained.
      Prints the findings and one summary line; exits 1 on an exact
      derivation, a small group or an unexplained pin, 2 when the views or
      the attacker's own arithmetic do not hold up.

  attack.py padding BODY KNOWN TARGET
      BODY: a team's JSON report; KNOWN: the k-1 answers the attacker
      submitted himself, one "v1 v2 v3 v4 v5" per line; TARGET: the
      victim's real answer (to check). Prints what the attacker learns;
      exit 0 when the victim's answer is derived exactly (what the test
      documents), 1 when not.

The model: a unit's figures are the sums of its teams' figures (n, every
option count, every scale sum, histogram bin and zone count). The unknowns
("atoms") are, per team and period, the respondents that arrived in each
snapshot step from the first snapshot in which the team is withheld on;
a withheld unit in snapshot s is its teams' known part plus their atoms up
to s. Every published unit in every snapshot gives one equation per figure.
"""
import itertools
import json
import math
import os
import random
import sys
from fractions import Fraction

ITEMS = ["veiligheid", "sfeer", "werkdruk", "samenwerking", "jezelf-zijn"]
OPTIONS = [str(v) for v in range(11)] + ["_na", "_ns"]
SCORE_UNIT = 840
INF = float("inf")

# ---------------------------------------------------------------- plans


def iso(day, hour=9):
    return "2027-%sT%02d:00:00Z" % (day, hour)


class Plan:
    def __init__(self, k):
        self.k = k
        self.lines = ["k %d" % k]
        self.units = []  # (id, parent, kind)
        self.teams = []

    def unit(self, uid, parent, kind, name, headcount=0):
        self.units.append((uid, parent, kind))
        if kind == "team":
            self.teams.append(uid)
        self.lines.append("unit %s %s %s %d %s" % (uid, parent or "-", kind,
                                                   headcount, name))

    def add(self, *words):
        self.lines.append(" ".join(str(w) for w in words))

    def under(self, uid):
        """uid and every unit below it"""
        out = [uid]
        for u, p, _ in self.units:
            if p == uid:
                out += self.under(u)
        return out

    def views(self, district):
        self.add("account", "hr", "hr", "-")
        self.add("account", "dist", "district", district)
        for u, _, _ in self.units:
            self.add("view", "hr", u)
        for u in self.under(district):
            self.add("view", "dist", u)
        for i, t in enumerate(self.teams):
            self.add("account", "chef%d" % i, "chief", t)
            self.add("view", "chef%d" % i, t)


def answers_for(rng, team, n, homogeneous=False):
    """n responses for a team: an answer profile per item, some items (or
    the whole team) answered alike"""
    out = []
    base = [rng.randint(0, 10) for _ in ITEMS]
    same = [homogeneous or rng.random() < 0.25 for _ in ITEMS]
    for _ in range(n):
        out.append([b if s else min(10, max(0, b + rng.randint(-3, 3)))
                    for b, s in zip(base, same)])
    return out


def emit_answers(plan, term, team, rows):
    for r in rows:
        plan.add("answer", term, team, *r)


def plan_nested():
    """The hand-made scenario: a district withheld to protect its sibling
    while all its own teams are published (eenheid e1), and a district
    withheld above a district with one published team (eenheid e2)."""
    p = Plan(5)
    p.unit("nl", None, "korps", "Korps")
    p.unit("e1", "nl", "eenheid", "Eenheid 1")
    p.unit("e1-d1", "e1", "district", "District 1.1")
    p.unit("e1-d1-t1", "e1-d1", "team", "Team 1.1.1", 40)
    p.unit("e1-d1-t2", "e1-d1", "team", "Team 1.1.2", 40)
    p.unit("e1-d2", "e1", "district", "District 1.2")
    p.unit("e1-d2-t1", "e1-d2", "team", "Team 1.2.1", 30)
    p.unit("e1-d2-t2", "e1-d2", "team", "Team 1.2.2", 30)
    p.unit("e2", "nl", "eenheid", "Eenheid 2")
    p.unit("e2-d1", "e2", "district", "District 2.1")
    p.unit("e2-d1-t1", "e2-d1", "team", "Team 2.1.1", 40)
    p.unit("e2-d1-t2", "e2-d1", "team", "Team 2.1.2", 30)
    p.unit("e2-d2", "e2", "district", "District 2.2")
    p.unit("e2-d2-t1", "e2-d2", "team", "Team 2.2.1", 30)
    p.add("terminal", "m1")
    p.views("e1-d2")
    rng = random.Random(7)
    p.add("now", iso("03-10"))
    sizes = {"e1-d1-t1": 6, "e1-d1-t2": 6, "e1-d2-t1": 1, "e1-d2-t2": 0,
             "e2-d1-t1": 6, "e2-d1-t2": 2, "e2-d2-t1": 2}
    for t in p.teams:
        emit_answers(p, "m1", t, answers_for(rng, t, sizes[t]))
    p.add("sync", "m1")
    p.add("now", iso("03-16", 12))
    p.add("progress", "2027-F05")
    p.add("now", iso("03-17", 1))
    p.add("sync", "m1")
    p.add("publish", "2027-F05", 1)
    p.add("collect", "2027-F05")
    return p


def plan_random(seed, small):
    rng = random.Random(seed)
    k = 5 if seed % 3 else 4
    p = Plan(k)
    p.unit("nl", None, "korps", "Korps")
    n_e = 1 if small else rng.randint(1, 2)
    for e in range(1, n_e + 1):
        eid = "e%d" % e
        p.unit(eid, "nl", "eenheid", "Eenheid %d" % e)
        for d in range(1, (2 if small else rng.randint(1, 3)) + 1):
            did = "%s-d%d" % (eid, d)
            p.unit(did, eid, "district", "District %d.%d" % (e, d))
            for t in range(1, rng.randint(2, 3 if small else 4) + 1):
                p.unit("%s-t%d" % (did, t), did, "team",
                       "Team %d.%d.%d" % (e, d, t), rng.randint(20, 60))
    districts = [u for u, _, kind in p.units if kind == "district"]
    for term in ("m1", "l1", "l2", "l3", "l4"):
        p.add("terminal", term)
    p.views(rng.choice(districts))

    def sizes():
        out = {}
        for d in districts:
            small_district = rng.random() < 0.3
            for t in [u for u, par, _ in p.units if par == d]:
                r = rng.random()
                if small_district:
                    out[t] = rng.choice([0, 1, 1, 2, 2, 3, k - 1])
                elif r < 0.12:
                    out[t] = 0
                elif r < 0.40:
                    out[t] = rng.randint(1, k - 1)
                elif r < 0.60:
                    out[t] = k
                elif r < 0.82:
                    out[t] = k + rng.randint(1, 2)
                else:
                    out[t] = k + rng.randint(3, 8)
        return out

    # Period 1 (2027-F05): the main answers, three late terminals whose
    # answers (given in the period) reach the server only after the first
    # snapshot: l1 under k for some teams (no snapshot), l2 completes them
    # (snapshot 2), l3 brings a withheld team k more (snapshot 3).
    s1 = sizes()
    p.add("now", iso("03-10"))
    for t in p.teams:
        emit_answers(p, "m1", t, answers_for(rng, t, s1[t],
                                             rng.random() < 0.1))
    under = rng.sample(p.teams, min(len(p.teams), rng.randint(1, 2)))
    over = rng.choice([t for t in p.teams if t not in under] or p.teams)
    first = {t: rng.randint(1, k - 1) for t in under}
    for t in under:
        emit_answers(p, "l1", t, answers_for(rng, t, first[t]))
    if over not in under:
        emit_answers(p, "l1", over, answers_for(rng, over, k + rng.randint(0, 2)))
    for t in under:
        emit_answers(p, "l2", t, answers_for(rng, t, k - first[t] +
                                             rng.randint(0, 1)))
    hidden = [t for t in p.teams if s1[t] < k] or p.teams
    late3 = rng.choice(hidden)
    emit_answers(p, "l3", late3, answers_for(rng, late3, k + rng.randint(0, 1)))
    p.add("sync", "m1")
    p.add("now", iso("03-16", 12))
    p.add("progress", "2027-F05")
    p.add("now", iso("03-17", 1))
    p.add("sync", "m1")
    p.add("publish", "2027-F05", 1)
    p.add("collect", "2027-F05")
    p.add("now", iso("03-18"))
    p.add("sync", "l1")
    p.add("publish", "2027-F05", 1)  # a step under k: no new snapshot
    p.add("collect", "2027-F05")
    p.add("now", iso("03-19"))
    p.add("sync", "l2")
    p.add("publish", "2027-F05", 2)
    p.add("collect", "2027-F05")
    p.add("now", iso("03-20"))
    p.add("sync", "l3")
    p.add("publish", "2027-F05", 3)
    p.add("collect", "2027-F05")
    # Period 2 (2027-F06), new sizes, and one late step of k or more.
    s2 = sizes()
    p.add("now", iso("03-22"))
    for t in p.teams:
        emit_answers(p, "m1", t, answers_for(rng, t, s2[t],
                                             rng.random() < 0.1))
    late4 = rng.choice(p.teams)
    emit_answers(p, "l4", late4, answers_for(rng, late4, k + rng.randint(0, 2)))
    p.add("sync", "m1")
    p.add("now", iso("03-30", 12))
    p.add("progress", "2027-F06")
    p.add("now", iso("03-31", 1))
    p.add("sync", "m1")
    p.add("publish", "2027-F06", 1)
    p.add("collect", "2027-F06")
    p.add("now", iso("04-01"))
    p.add("sync", "l4")
    p.add("publish", "2027-F06", 2)
    p.add("collect", "2027-F06")
    return p


def cmd_plan(args):
    name, small = args[0], "--small" in args[1:]
    if name == "nested":
        p = plan_nested()
    elif name.startswith("random-"):
        p = plan_random(int(name[7:]), small)
    else:
        sys.exit("attack.py: unknown scenario %s" % name)
    print("\n".join(p.lines))
    return 0

# ---------------------------------------------------------------- views


class Bad(Exception):
    """the views or the attacker's arithmetic do not hold up (exit 2)"""


def figures(b):
    """Every additive figure of a published body, as integers."""
    f = {"n": int(b["n"])}
    for it in b.get("items", []):
        for o, c in it.get("counts", {}).items():
            if isinstance(c, (int, float)):
                f["c:%s:%s" % (it["id"], o)] = int(c)
    for sc in b.get("scales", []):
        n = int(sc["n"])
        f["s:%s:n" % sc["id"]] = n
        if sc.get("mean") is None:
            continue
        exact = sc["mean"] * n * SCORE_UNIT
        if abs(exact - round(exact)) > 0.25:
            raise Bad("%s: scale %s sum not recoverable" % (b["unit"], sc["id"]))
        f["s:%s:sum" % sc["id"]] = int(round(exact))
        for i, h in enumerate(sc.get("hist", [])):
            f["s:%s:h%d" % (sc["id"], i)] = int(h)
        for z in ("red", "amber"):
            f["s:%s:%s" % (sc["id"], z)] = int(round(sc["share_" + z] * n))
    return f


def truth_figures(agg):
    f = {"n": int(agg["n"])}
    for it in agg["items"]:
        for o, c in it["counts"].items():
            f["c:%s:%s" % (it["id"], o)] = int(c)
    for sc in agg.get("scales", []):
        f["s:%s:n" % sc["id"]] = int(sc["n"])
        f["s:%s:sum" % sc["id"]] = int(sc["sum"])
        for i, h in enumerate(sc["hist"]):
            f["s:%s:h%d" % (sc["id"], i)] = int(h)
        f["s:%s:red" % sc["id"]] = int(sc["zones"]["red"])
        f["s:%s:amber" % sc["id"]] = int(sc["zones"]["amber"])
    return f


def strip(b):
    return {k: v for k, v in b.items() if k not in ("late", "title")}


class Views:
    def __init__(self, d):
        self.bodies = {}     # (period, seq, unit) -> body
        self.seen_by = {}    # (period, seq, unit) -> accounts
        self.late = set()    # (period, seq, unit): "late": true
        self.progress = {}   # (period, team) -> n (>= k)
        self.kind, self.parent, self.k = {}, {}, None
        self.nviews = 0
        vd = os.path.join(d, "views")
        for fn in sorted(os.listdir(vd)):
            if not fn.endswith(".json"):
                continue
            acct = fn.split(".")[1]
            with open(os.path.join(vd, fn)) as fh:
                b = json.load(fh)
            self.nviews += 1
            if b.get("open"):
                for x in b["progress"]:
                    if isinstance(x["n"], int):
                        self.progress[(b["period"], x["team"])] = x["n"]
                continue
            key = (b["period"], int(b["snapshot"]), b["unit"])
            if key in self.bodies and strip(self.bodies[key]) != strip(b):
                raise Bad("two different bodies for %s" % (key,))
            self.bodies[key] = b
            self.seen_by.setdefault(key, set()).add(acct)
            if b.get("late"):
                self.late.add(key)
            self.kind[b["unit"]] = b["kind"]
            if self.k is None:
                self.k = int(b["k"])
            for c in b.get("children", []):
                self.parent[c["unit"]] = b["unit"]
                self.kind[c["unit"]] = c["kind"]
        self.children = {}
        for u, p in self.parent.items():
            self.children.setdefault(p, []).append(u)
        self.units = sorted(self.kind)
        self.teams = [u for u in self.units if self.kind[u] == "team"]
        self.truth = {}
        td = os.path.join(d, "truth")
        for fn in sorted(os.listdir(td)) if os.path.isdir(td) else []:
            per, seq, _ = fn.rsplit(".", 2)
            with open(os.path.join(td, fn)) as fh:
                rows = json.load(fh) or []
            cells = {}
            for r in rows:
                if self.kind.get(r["unit"]) == "team":
                    a = truth_figures(json.loads(r["agg"]))
                    prev = cells.setdefault(r["unit"], {})
                    for key, v in a.items():
                        prev[key] = prev.get(key, 0) + v
            self.truth[(per, int(seq))] = cells

    def teams_under(self, u):
        if self.kind[u] == "team":
            return [u]
        out = []
        for c in self.children.get(u, []):
            out += self.teams_under(c)
        return out

    def ancestors(self, u):
        out = []
        while u in self.parent:
            u = self.parent[u]
            out.append(u)
        return out

# ---------------------------------------------------------------- algebra


def rref(rows, ncols):
    """rows: [(coef dict col->Fraction, rhs dict fig->Fraction)]. Gauss-
    Jordan elimination; returns [(pivot col, coef, rhs)] with pivot 1."""
    rows = [(dict(c), dict(r)) for c, r in rows]
    out = []
    for col in range(ncols):
        piv = next((i for i, (c, _) in enumerate(rows) if c.get(col)), None)
        if piv is None:
            continue
        c, r = rows.pop(piv)
        inv = 1 / Fraction(c[col])
        c = {j: v * inv for j, v in c.items() if v}
        r = {j: v * inv for j, v in r.items() if v}
        for lst in (rows, out):
            for i, item in enumerate(lst):
                oc, orr = item[-2], item[-1]
                f = oc.get(col)
                if not f:
                    continue
                for j, v in c.items():
                    x = oc.get(j, 0) - f * v
                    if x:
                        oc[j] = x
                    else:
                        oc.pop(j, None)
                for j, v in r.items():
                    x = orr.get(j, 0) - f * v
                    if x:
                        orr[j] = x
                    else:
                        orr.pop(j, None)
        out.append((col, c, r))
    for c, r in rows:  # left over: all-zero coefficients
        if any(r.values()):
            raise Bad("the published equalities contradict each other")
    return out


def null_basis(red, ncols):
    """integer vectors z with A z = 0 (a basis)"""
    pivots = {col: c for col, c, _ in red}
    out = []
    for f in range(ncols):
        if f in pivots:
            continue
        z = {f: Fraction(1)}
        for col, c in pivots.items():
            if c.get(f):
                z[col] = -c[f]
        m = 1
        for v in z.values():
            m = m * v.denominator // math.gcd(m, v.denominator)
        out.append({j: int(v * m) for j, v in z.items()})
    return out


def in_rowspace(vec, null):
    return all(sum(z.get(j, 0) * v for j, v in vec.items()) == 0
               for z in null)


def evaluate(vec, red):
    """the value (per figure) of a row-space vector"""
    out = {}
    for col, _, r in red:
        a = vec.get(col, 0)
        if a:
            for f, v in r.items():
                out[f] = out.get(f, 0) + a * v
    return out

# ---------------------------------------------------------------- bounds


class Bounds:
    """Interval propagation over integer variables with constraints
    lo <= sum(coef * x) + const <= hi, coef in {+1, -1}."""

    def __init__(self):
        self.lo, self.hi = [], []
        self.cons = []    # (terms [(var, coef)], lo, hi)
        self.watch = []   # var -> constraint indexes
        self.step = {}    # var -> k: a late step, 0 or >= k

    def var(self, lo=0, hi=INF):
        self.lo.append(lo)
        self.hi.append(hi)
        self.watch.append([])
        return len(self.lo) - 1

    def add(self, terms, lo, hi):
        i = len(self.cons)
        self.cons.append((terms, lo, hi))
        for v, _ in terms:
            self.watch[v].append(i)

    def tighten(self, v, lo, hi, queue):
        if v in self.step:
            k = self.step[v]
            if lo >= 1:
                lo = max(lo, k)
            if hi < k:
                hi = min(hi, 0)
        changed = False
        if lo > self.lo[v]:
            self.lo[v] = lo
            changed = True
        if hi < self.hi[v]:
            self.hi[v] = hi
            changed = True
        if self.lo[v] > self.hi[v]:
            raise Bad("bounds crossed: the attacker's model is wrong")
        if changed:
            queue.update(self.watch[v])

    def run(self):
        queue = set(range(len(self.cons)))
        for v in list(self.step):
            self.tighten(v, self.lo[v], self.hi[v], queue)
        rounds = 0
        while queue:
            rounds += 1
            if rounds > 2000000:
                break
            i = queue.pop()
            terms, L, U = self.cons[i]
            mins, maxs = [], []
            for v, c in terms:
                if c > 0:
                    mins.append(self.lo[v])
                    maxs.append(self.hi[v])
                else:
                    mins.append(-self.hi[v])
                    maxs.append(-self.lo[v])
            fmin = sum(x for x in mins if x != -INF)
            nmin = sum(1 for x in mins if x == -INF)
            fmax = sum(x for x in maxs if x != INF)
            nmax = sum(1 for x in maxs if x == INF)
            for (v, c), mn, mx in zip(terms, mins, maxs):
                omin = -INF if nmin - (mn == -INF) else fmin - (0 if mn == -INF else mn)
                omax = INF if nmax - (mx == INF) else fmax - (0 if mx == INF else mx)
                lo_t, hi_t = L - omax, U - omin   # bounds of c * x
                if c > 0:
                    lo, hi = lo_t, hi_t
                else:
                    lo, hi = -hi_t, -lo_t
                lo = math.ceil(lo) if lo not in (INF, -INF) else lo
                hi = math.floor(hi) if hi not in (INF, -INF) else hi
                self.tighten(v, max(lo, self.lo[v]), min(hi, self.hi[v]), queue)

# ---------------------------------------------------------------- attack


class Report:
    def __init__(self):
        self.derivable = []    # (period, seq, unit, n)
        self.empty = 0         # withheld units derivable as empty
        self.subtraction = []  # (period, seq, unit, n)
        self.small = []        # (period, groups, n)
        self.pins = {"empty": 0, "homogeneous": 0, "late step": 0,
                     "unexplained": []}
        self.eqs = 0
        self.unknowns = 0
        self.notes = []


def label(atoms, idx):
    X, j = atoms[idx]
    return "%s@%d" % (X, j)


def attack_period(V, per, R):
    k = V.k
    seqs = sorted({s for p, s, _ in V.bodies if p == per})
    if seqs != list(range(1, len(seqs) + 1)):
        raise Bad("%s: snapshots %s are not all seen" % (per, seqs))
    S = seqs[-1]
    body = {}
    for s in seqs:
        for u in V.units:
            if (per, s, u) not in V.bodies:
                raise Bad("%s snapshot %d: no view of %s" % (per, s, u))
            body[(s, u)] = V.bodies[(per, s, u)]
    held = {(s, u): body[(s, u)]["suppressed"] for s in seqs for u in V.units}
    pub = {}
    figs = None
    for (s, u), b in body.items():
        if not held[(s, u)]:
            pub[(s, u)] = figures(b)
            if figs is None:
                figs = sorted(pub[(s, u)])
            elif sorted(pub[(s, u)]) != figs:
                raise Bad("%s %s: other figures" % (per, u))
    if figs is None:
        R.notes.append("%s: nothing published" % per)
        return
    zero = {f: 0 for f in figs}
    # sticky: once withheld, withheld in every later snapshot
    for (s, u), h in held.items():
        if h and s < S and not held[(s + 1, u)]:
            raise Bad("%s: %s withheld in %d, published in %d" % (per, u, s, s + 1))
    # atoms: per team, one per snapshot step from its first withheld one
    w = {X: next((s for s in seqs if held[(s, X)]), S + 1) for X in V.teams}
    atoms = [(X, j) for X in V.teams for j in range(w[X], S + 1)]
    col = {a: i for i, a in enumerate(atoms)}

    def base(X):
        return pub[(w[X] - 1, X)] if w[X] > 1 else zero

    def unit_vec(s, u):
        """(atom vector, known part) of unit u in snapshot s"""
        vec, known = {}, dict(zero)
        for X in V.teams_under(u):
            src = pub[(s, X)] if w[X] > s else base(X)
            for f in figs:
                known[f] += src[f]
            for j in range(w[X], s + 1):
                vec[col[(X, j)]] = 1
        return vec, known

    rows = []
    for s in seqs:
        for u in V.units:
            if held[(s, u)]:
                continue
            vec, known = unit_vec(s, u)
            rhs = {f: pub[(s, u)][f] - known[f] for f in figs}
            if not vec:
                if any(rhs.values()):
                    raise Bad("%s %d %s: not the sum of its teams" % (per, s, u))
                continue
            rows.append((vec, rhs))
    # the truth, only to check the arithmetic below
    truth = {}
    for s in seqs:
        t = V.truth.get((per, s))
        if t is None:
            raise Bad("%s: no truth for snapshot %d" % (per, s))
        for X in V.teams:
            truth[(s, X)] = t.get(X, zero)
    tatom = {}
    for (X, j) in atoms:
        prev = truth[(j - 1, X)] if j > 1 else zero
        tatom[(X, j)] = {f: truth[(j, X)].get(f, 0) - prev.get(f, 0) for f in figs}
    for vec, rhs in rows:
        for f in figs:
            if sum(tatom[atoms[c]][f] for c in vec) != rhs[f]:
                raise Bad("%s: an equation does not hold for the truth (%s)" % (per, f))

    withheld = [(s, u) for s in seqs for u in V.units if held[(s, u)]]
    R.eqs += len(rows) * len(figs)
    R.unknowns += len(atoms) * len(figs)

    def tval(s, u):
        out = dict(zero)
        for X in V.teams_under(u):
            for f in figs:
                out[f] += truth[(s, X)].get(f, 0)
        return out

    # (1) subtraction: peel equations with one unknown: in one snapshot a
    # unit is the sum of its children; between two snapshots a unit's
    # step is the sum of its children's steps, and a value is the one
    # before plus the step.
    val = {("v",) + key: f for key, f in pub.items()}
    for s in seqs[1:]:
        for u in V.units:
            if ("v", s, u) in val and ("v", s - 1, u) in val:
                val[("d", s, u)] = {f: val[("v", s, u)][f] -
                                    val[("v", s - 1, u)][f] for f in figs}
    eqs = []
    for s in seqs:
        for u in V.units:
            kids = V.children.get(u, [])
            if kids:
                eqs.append([(("v", s, u), 1)] + [(("v", s, c), -1) for c in kids])
                if s > 1:
                    eqs.append([(("d", s, u), 1)] +
                               [(("d", s, c), -1) for c in kids])
            if s > 1:
                eqs.append([(("v", s, u), 1), (("v", s - 1, u), -1),
                            (("d", s, u), -1)])
    progress = True
    while progress:
        progress = False
        for eq in eqs:
            unknown = [(key, c) for key, c in eq if key not in val]
            if len(unknown) != 1:
                continue
            key, c = unknown[0]
            acc = dict(zero)
            for k2, c2 in eq:
                if k2 != key:
                    for f in figs:
                        acc[f] -= c2 * val[k2][f]
            val[key] = {f: acc[f] * c for f in figs}
            progress = True
            what, s, u = key
            want = tval(s, u)
            if what == "d":
                was = tval(s - 1, u)
                want = {f: want[f] - was[f] for f in figs}
            if val[key] != want:
                raise Bad("%s: subtraction gave a wrong %s" % (per, key))
            n = val[key]["n"]
            if what == "v" and n > 0:
                R.subtraction.append((per, s, u, n, "withheld %s" % u))
            elif what == "d" and 0 < n < k:
                R.subtraction.append((per, s, u, n, "the step of %s" % u))

    # (2) the linear system, exactly
    red = rref([({c: Fraction(v) for c, v in vec.items()},
                 {f: Fraction(x) for f, x in rhs.items()}) for vec, rhs in rows],
               len(atoms))
    null = null_basis(red, len(atoms))
    derivable = set()
    for s, u in withheld:
        vec, known = unit_vec(s, u)
        if not in_rowspace(vec, null):
            continue
        got = evaluate(vec, red)
        got = {f: known[f] + got.get(f, 0) for f in figs}
        if got != tval(s, u):
            raise Bad("%s: derived %s %d wrongly" % (per, u, s))
        derivable.add((s, u))
        if got["n"] == 0:
            R.empty += 1
        else:
            R.derivable.append((per, s, u, got["n"], got))

    # groups: every union of atoms whose total is derivable. A group of
    # 1..k-1 respondents is a disclosure; a group of k or more in which
    # nobody chose an answer explains a pin at 0 (homogeneity).
    cfigs = ["n"] + [f for f in figs if f.startswith("c:")]
    homog = set()   # (atom, figure)

    def group(vec, got):
        n = int(got.get("n", 0))
        if n != sum(tatom[atoms[c]]["n"] for c in vec):
            raise Bad("%s: a derived group's n is wrong" % per)
        if n >= k:
            for f in cfigs[1:]:
                if got.get(f, 0) == 0:
                    homog.update((c, f) for c in vec)
        elif n > 0:
            R.small.append((per, [label(atoms, c) for c in vec], n))
    for vec, rhs in rows:
        group(vec, rhs)
    for v1, r1 in rows:   # the steps between snapshots
        for v2, r2 in rows:
            if len(v1) < len(v2) and set(v1) < set(v2):
                group([c for c in v2 if c not in v1],
                      {f: r2[f] - r1[f] for f in figs})
    used = sorted({c for vec, _ in rows for c in vec})
    sig = {}
    for c in used:
        sig.setdefault(frozenset(i for i, (vec, _) in enumerate(rows) if c in vec),
                       []).append(c)
    merged = list(sig.values())   # atoms no equation tells apart
    parent = list(range(len(merged)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a
    mrows = [set(key) for key in sig]
    for a in range(len(merged)):
        for b in range(a):
            if mrows[a] & mrows[b]:
                parent[find(a)] = find(b)
    comps = {}
    for a in range(len(merged)):
        comps.setdefault(find(a), []).append(a)
    proj = [tuple(sum(z.get(c, 0) for c in m) for z in null) for m in merged]
    zero_p = tuple(0 for _ in null)

    def merged_group(ms):
        vec = [c for m in ms for c in merged[m]]
        group(vec, evaluate({c: 1 for c in vec}, red))
    for members in comps.values():
        free = []
        for m in members:
            if proj[m] == zero_p:      # derivable on its own
                merged_group([m])
            else:
                free.append(m)
        if len(free) > 16:
            R.notes.append("%s: %d atom groups in one component; unions of up "
                           "to 3 tried" % (per, len(free)))
            for size in (1, 2, 3):
                for cand in itertools.combinations(free, size):
                    tot = tuple(sum(x) for x in zip(*(proj[m] for m in cand)))
                    if tot == zero_p:
                        merged_group(list(cand))
            continue
        # every union, in Gray code order: one atom group in or out a step
        tot = list(zero_p)
        inset = [False] * len(free)
        for i in range(1, 1 << len(free)):
            bit = (i & -i).bit_length() - 1
            sign = -1 if inset[bit] else 1
            inset[bit] = not inset[bit]
            pm = proj[free[bit]]
            for d in range(len(tot)):
                tot[d] += sign * pm[d]
            if not any(tot):
                merged_group([free[j] for j in range(len(free)) if inset[j]])

    # (3) bounds
    B = Bounds()
    var = {}
    for a in atoms:
        for f in cfigs:
            var[(a, f)] = B.var()
        if a[1] > 1:
            B.step[var[(a, "n")]] = k   # a late step is 0 or >= k
    for vec, rhs in rows:
        for f in cfigs:
            B.add([(var[(atoms[c], f)], 1) for c in vec], rhs[f], rhs[f])
    for a in atoms:
        for it in ITEMS:
            terms = [(var[(a, f)], 1) for f in
                     ("c:%s:%s" % (it, o) for o in OPTIONS) if (a, f) in var]
            if terms:
                B.add(terms + [(var[(a, "n")], -1)], 0, 0)

    def n_terms(s, u):
        vec, known = unit_vec(s, u)
        return [(var[(atoms[c], "n")], 1) for c in vec], known["n"]
    for s, u in withheld:
        if s > 1 and held[(s - 1, u)]:
            continue   # the reason is copied from the first snapshot
        terms, kn = n_terms(s, u)
        if not terms:
            continue
        reason = body[(s, u)].get("reason", "")
        # One neutral reason ("here or in a neighbouring group") says
        # nothing of n; the two old ones did (n < k, n >= k).
        neutral = "neighbouring" in reason
        few = "too few" in reason and not neutral
        protect = "protect" in reason and not neutral
        if few and not protect:      # n < k
            B.add(terms, -INF, k - 1 - kn)
        elif protect and not few:    # published-size, withheld for another
            B.add(terms, k - kn, INF)
    for (p2, X), n in V.progress.items():
        if p2 == per and w.get(X) == 1:
            B.add([(var[((X, 1), "n")], 1)], n, INF)
    for (p2, s, u) in V.late:
        if p2 != per or s + 1 > S:
            continue
        terms, kn = [], 0
        for X in V.teams_under(u):
            if w[X] <= s + 1:
                terms.append((var[((X, s + 1), "n")], 1))
            else:
                kn += pub[(s + 1, X)]["n"] - pub[(s, X)]["n"]
        if terms and kn < 1:
            B.add(terms, 1 - kn, INF)
    B.run()
    for a in atoms:
        for f in cfigs:
            t = tatom[a][f]
            if not B.lo[var[(a, f)]] <= t <= B.hi[var[(a, f)]]:
                raise Bad("%s: the bounds exclude the truth of %s %s" % (per, a, f))

    def why(c, f):
        """why atom c's figure f is pinned, None when unexplained"""
        a = atoms[c]
        if B.hi[var[(a, "n")]] == 0:
            return "empty"
        if f != "n" and B.hi[var[(a, f)]] == 0 and (c, f) in homog:
            return "homogeneous"
        if a[1] > 1 and B.lo[var[(a, "n")]] >= k:
            return "late step"   # a step of k or more, attributed to a team
        return None
    for s, u in withheld:
        if (s, u) in derivable:
            continue
        vec, known = unit_vec(s, u)
        for f in cfigs:
            if any(B.lo[var[(atoms[c], f)]] != B.hi[var[(atoms[c], f)]] for c in vec):
                continue
            whys = [why(c, f) for c in vec]
            val = known[f] + sum(B.lo[var[(atoms[c], f)]] for c in vec)
            if None in whys:
                R.pins["unexplained"].append((per, s, u, f, val))
            elif all(x == "empty" for x in whys):
                R.pins["empty"] += 1
            elif "homogeneous" in whys:
                R.pins["homogeneous"] += 1
            else:
                R.pins["late step"] += 1


def cmd_analyse(args):
    d = args[0]
    name = os.path.basename(os.path.normpath(d))
    try:
        V = Views(d)
        if V.k is None:
            raise Bad("no published views")
        R = Report()
        periods = sorted({p for p, _, _ in V.bodies})
        for per in periods:
            attack_period(V, per, R)
    except Bad as e:
        print("%s: ATTACKER ERROR: %s" % (name, e))
        return 2
    nwith = sum(1 for key, b in V.bodies.items() if b["suppressed"])
    accounts = sorted({a for s in V.seen_by.values() for a in s})
    print("%s: k=%d units=%d teams=%d periods=%d snapshots=%d views=%d "
          "(accounts: %s)" % (name, V.k, len(V.units), len(V.teams),
                               len(periods), len({(p, s) for p, s, _ in V.bodies}),
                               V.nviews, ", ".join(accounts)))
    for p, s, u, n, what in R.subtraction:
        print("  LEAK (1) subtraction: %s snapshot %d: %s (n=%d) follows by "
              "subtraction" % (p, s, what, n))
    for p, s, u, n, got in R.derivable:
        ans = " ".join("%s=%s" % (it, ",".join(
            "%s:%s" % (o, got["c:%s:%s" % (it, o)]) for o in OPTIONS[:11]
            if got.get("c:%s:%s" % (it, o)))) for it in ITEMS)
        print("  LEAK (2) derivable: %s snapshot %d: withheld %s, n=%d; "
              "counts %s" % (p, s, u, n, ans))
    seen = set()
    for p, g, n in R.small:
        key = (p, tuple(sorted(g)))
        if key in seen:
            continue
        seen.add(key)
        print("  LEAK (2) small group: %s: the total of %s (%d respondent%s, "
              "under k=%d) is derivable" % (p, " + ".join(sorted(g)), n,
                                            "" if n == 1 else "s", V.k))
    byunit = {}
    for p, s, u, f, v in R.pins["unexplained"]:
        byunit.setdefault((p, s, u), []).append("%s=%d" % (f, v))
    for (p, s, u), fs in sorted(byunit.items()):
        print("  LEAK (3) pinned: %s snapshot %d: withheld %s: %d figure%s pinned, "
              "not by a homogeneous group of k or more: %s%s" % (
                  p, s, u, len(fs), "" if len(fs) == 1 else "s",
                  " ".join(fs[:6]), " ..." if len(fs) > 6 else ""))
    for note in R.notes:
        print("  note: %s" % note)
    bad = len(R.derivable) + len(seen) + len(R.pins["unexplained"])
    print("%s: units=%d withheld=%d equations=%d unknowns=%d derivable=%d "
          "small_groups=%d subtraction=%d pinned: empty=%d homogeneous=%d "
          "late_step=%d unexplained=%d" % (
              name, len(V.units), nwith, R.eqs, R.unknowns, len(R.derivable),
              len(seen), len(R.subtraction), R.pins["empty"] + R.empty,
              R.pins["homogeneous"], R.pins["late step"],
              len(R.pins["unexplained"])))
    return 1 if bad else 0

# ---------------------------------------------------------------- padding


def cmd_padding(args):
    with open(args[0]) as fh:
        b = json.load(fh)
    with open(args[1]) as fh:
        known = [[int(x) for x in line.split()] for line in fh if line.strip()]
    with open(args[2]) as fh:
        target = [int(x) for x in fh.read().split()]
    if b.get("suppressed"):
        print("padding: the team is withheld (n < k); nothing learnt")
        return 1
    got = []
    for i, it in enumerate(ITEMS):
        item = next(x for x in b["items"] if x["id"] == it)
        rest = {o: int(c) - sum(1 for r in known if str(r[i]) == o)
                for o, c in item["counts"].items() if o in OPTIONS[:11]}
        left = [int(o) for o, c in rest.items() for _ in range(max(c, 0))]
        if any(c < 0 for c in rest.values()) or len(left) != 1:
            print("padding: %s not pinned (%s)" % (it, rest))
            return 1
        got.append(left[0])
    print("padding: n=%d = %d known answers + 1; the target answered %s" % (
        b["n"], len(known), " ".join("%s=%d" % x for x in zip(ITEMS, got))))
    if got != target:
        print("padding: that is not the target's answer %s" % target)
        return 1
    return 0


def main():
    cmds = {"plan": cmd_plan, "analyse": cmd_analyse, "padding": cmd_padding}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    sys.exit(cmds[sys.argv[1]](sys.argv[2:]))


if __name__ == "__main__":
    main()
