"""An assignment instance: ITEMS items × EXPERTS experts, demand 5, each expert's max load
MAX_LOAD, each item scored against TOP experts (sparse affinities: half from its own field, where
affinity runs higher, half from anywhere, as a text-affinity top list mixes them), ~1 % of those
pairs in conflict.

usage: assign_gen.py OUT.json [ITEMS EXPERTS TOP [MAX_LOAD]]
"""
import json
import random
import sys

out = sys.argv[1]
args = [int(x) for x in sys.argv[2:6]]
n_items, n_experts, top = args[:3] if len(args) >= 3 else (5000, 2000, 40)
max_load = args[3] if len(args) >= 4 else 15
rnd = random.Random(2026)
# Experts and items live in a few fields; affinity is higher within a field.
fields = 40
expert_field = [rnd.randrange(fields) for _ in range(n_experts)]
by_field = [[e for e in range(n_experts) if expert_field[e] == f] for f in range(fields)]
items, scores, conflicts = [], [], []
for i in range(n_items):
    f = rnd.randrange(fields)
    own = by_field[f]
    pool = set(rnd.sample(own, min(len(own), top // 2)))
    while len(pool) < top:
        pool.add(rnd.randrange(n_experts))
    chosen = rnd.sample(sorted(pool), top)
    items.append({"id": f"P{i}", "demand": 5})
    for e in chosen:
        s = rnd.random() * (1.0 if expert_field[e] != f else 2.0)
        scores.append({"item": f"P{i}", "expert": f"E{e}", "score": round(s, 6)})
        if rnd.random() < 0.01:
            conflicts.append({"item": f"P{i}", "expert": f"E{e}", "reason": "same organisation"})
experts = [{"id": f"E{e}", "max_load": max_load, "min_load": 0} for e in range(n_experts)]
json.dump({"items": items, "experts": experts, "scores": scores, "conflicts": conflicts, "forced": []}, open(out, "w"))
print(f"{n_items} items, {n_experts} experts, {len(scores)} scores, {len(conflicts)} conflicts")
