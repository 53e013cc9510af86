"""The same instance with OR-Tools' SimpleMinCostFlow (integer costs: score × 1e6, as innocity):
prints `seconds objective` — seconds from building the network to the solution.

usage: assign_ortools.py INSTANCE.json
"""
import json
import sys
import time

from ortools.graph.python import min_cost_flow

inst = json.load(open(sys.argv[1]))
start = time.perf_counter()
items = {it["id"]: k for k, it in enumerate(inst["items"])}
experts = {e["id"]: k for k, e in enumerate(inst["experts"])}
conflicts = {(c["item"], c["expert"]) for c in inst["conflicts"]}
ni, ne = len(items), len(experts)
source, sink = ni + ne, ni + ne + 1
total = sum(it["demand"] for it in inst["items"])
mcf = min_cost_flow.SimpleMinCostFlow()
for it in inst["items"]:
    mcf.add_arc_with_capacity_and_unit_cost(source, items[it["id"]], it["demand"], 0)
pairs = [s for s in inst["scores"] if (s["item"], s["expert"]) not in conflicts]
first = None
for s in pairs:
    a = mcf.add_arc_with_capacity_and_unit_cost(items[s["item"]], ni + experts[s["expert"]], 1, -round(s["score"] * 1e6))
    first = a if first is None else first
for e in inst["experts"]:
    mcf.add_arc_with_capacity_and_unit_cost(ni + experts[e["id"]], sink, e["max_load"], 0)
mcf.set_node_supply(source, total)
mcf.set_node_supply(sink, -total)
solve_start = time.perf_counter()
status = mcf.solve()
secs = time.perf_counter() - start
# The solver alone (without building the network in Python), for the record.
print(f"OR-Tools: network built in {solve_start - start:.3f} s, solved in {time.perf_counter() - solve_start:.3f} s", file=sys.stderr)
assert status == mcf.OPTIMAL, status
objective = sum(s["score"] for k, s in enumerate(pairs) if mcf.flow(first + k) > 0)
print(f"{secs:.3f} {objective:.6f}")
