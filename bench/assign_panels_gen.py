"""Panel instances for `innocity assign --panels`: ITEMS items × EXPERTS experts, demand 5, max load
MAX_LOAD, 40 scored experts per item (half from its field), experts in ORGS organisations, 15 %
of them finance experts and 30 % from outside the region; the rules: at most 2 per organisation,
at least 1 finance expert and a fifth from outside the region on every panel.

usage: assign_panels_gen.py DIR COUNT [ITEMS EXPERTS MAX_LOAD ORGS]
writes DIR/panels-K.json (instance) and DIR/panels-K.rules.json for K in 0..COUNT
"""
import json
import random
import sys

out, count = sys.argv[1], int(sys.argv[2])
n_items, n_experts, max_load, n_orgs = (int(x) for x in (sys.argv[3:7] if len(sys.argv) >= 7 else (200, 300, 6, 60)))
for k in range(count):
    rnd = random.Random(7000 + k)
    fields = 10
    field = [rnd.randrange(fields) for _ in range(n_experts)]
    by_field = [[e for e in range(n_experts) if field[e] == f] for f in range(fields)]
    members = {}
    for e in range(n_experts):
        groups = []
        if rnd.random() < 0.15:
            groups.append("finance")
        if rnd.random() < 0.30:
            groups.append("outside_region")
        members[f"E{e}"] = {"org": f"U{rnd.randrange(n_orgs)}", "groups": groups}
    items, scores = [], []
    for i in range(n_items):
        f = rnd.randrange(fields)
        pool = set(rnd.sample(by_field[f], min(len(by_field[f]), 20)))
        while len(pool) < 40:
            pool.add(rnd.randrange(n_experts))
        items.append({"id": f"P{i}", "demand": 5})
        for e in sorted(pool):
            s = rnd.random() * (2.0 if field[e] == f else 1.0)
            scores.append({"item": f"P{i}", "expert": f"E{e}", "score": round(s, 6)})
    experts = [{"id": f"E{e}", "max_load": max_load} for e in range(n_experts)]
    json.dump({"items": items, "experts": experts, "scores": scores}, open(f"{out}/panels-{k}.json", "w"))
    rules = {"composition": {"max_per_org": 2, "min_groups": [{"group": "finance", "min": 1}], "min_outside_share": 0.2}, "members": members}
    json.dump(rules, open(f"{out}/panels-{k}.rules.json", "w"))
print(f"{count} panel instances: {n_items} items × {n_experts} experts")
