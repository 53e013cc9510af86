"""Experts and proposals from the CSL papers (real Chinese titles, keywords and abstracts):
EXPERTS experts, each with three papers of one discipline as their publications; ITEMS proposals,
each a paper's title and abstract.

usage: affinity_gen.py CSL.tsv DIR ITEMS EXPERTS
"""
import csv
import random
import sys

csl, out, n_items, n_experts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(2026)
rows = list(csv.DictReader(open(csl, encoding="utf-8"), delimiter="\t"))
by_disc = {}
for r in rows:
    by_disc.setdefault(r["discipline"], []).append(r)
discs = sorted(by_disc)
with open(f"{out}/experts.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "fields", "text"])
    for e in range(n_experts):
        d = discs[e % len(discs)]
        papers = rnd.sample(by_disc[d], min(3, len(by_disc[d])))
        w.writerow([f"E{e}", d, " ".join(p["title"] + " " + p["keywords"] + " " + p["abstract"] for p in papers)])
with open(f"{out}/items.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "fields", "text"])
    for i in range(n_items):
        p = rows[i % len(rows)]
        w.writerow([f"P{i}", p["discipline"], p["title"] + " " + p["abstract"]])
