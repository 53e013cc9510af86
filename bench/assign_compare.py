"""Times `innocity assign` (the whole process: start, read JSON, solve, write JSON) against
OR-Tools' in-process build and solve on the same instance, RUNS times each, and prints
`ours_s ortools_s ours_solve_s ortools_solve_s objective_equal ours_median_s ortools_median_s`:
the best of the runs (this machine's memory is sometimes slow to hand out —
the first touch of a page can cost 100× — which hits our whole process and only OR-Tools' part
after its JSON is loaded, so the best run is the fair measure), then the medians for the record.
The `_solve_s` pair is solver to solver: ours from its own report (network included), OR-Tools'
without building its network.

usage: assign_compare.py BIN INSTANCE.json OUT.json [RUNS]
"""
import json
import re
import statistics
import subprocess
import sys
import time

binary, instance, out = sys.argv[1:4]
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
ours, ours_solve, theirs, theirs_solve = [], [], [], []
objective_theirs = None
# Each side in turn, an untimed run first, then RUNS timed ones back to back: this machine hands
# out memory slowly for a while after a large free (a release build just before, or the other
# side's exit — OR-Tools' Python process frees about a gigabyte), and each side deserves its own
# steady state rather than the other's aftermath.
subprocess.run([binary, "assign", "--input", instance, "--output", out], capture_output=True, check=True)
for _ in range(runs):
    start = time.perf_counter()
    done = subprocess.run([binary, "assign", "--input", instance, "--output", out], capture_output=True, text=True, check=True)
    ours.append(time.perf_counter() - start)
    ours_solve.append(float(re.search(r"solved ([0-9.]+) s", done.stdout).group(1)))
    print(done.stdout.strip(), file=sys.stderr)
subprocess.run([sys.executable, "bench/assign_ortools.py", instance], capture_output=True, check=True)
for _ in range(runs):
    other = subprocess.run([sys.executable, "bench/assign_ortools.py", instance], capture_output=True, text=True, check=True)
    secs, objective_theirs = (float(x) for x in other.stdout.split())
    theirs.append(secs)
    theirs_solve.append(float(re.search(r"solved in ([0-9.]+) s", other.stderr).group(1)))
    print(other.stderr.strip(), file=sys.stderr)
objective_ours = json.load(open(out))["objective"]
equal = abs(objective_ours - objective_theirs) <= 1e-6 * max(1.0, abs(objective_theirs))
print(f"objective: innocity {objective_ours:.6f}, OR-Tools {objective_theirs:.6f}", file=sys.stderr)
m = statistics.median
print(
    f"{min(ours):.3f} {min(theirs):.3f} {min(ours_solve):.3f} {min(theirs_solve):.3f} {str(equal).lower()}"
    f" {m(ours):.3f} {m(theirs):.3f}"
)
