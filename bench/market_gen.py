#!/usr/bin/env python3
"""Synthetic achievements for bench/market.sh, made from the CSL papers' own texts.

Usage: market_gen.py CSL.tsv N OUT_ACHIEVEMENTS.tsv OUT_QUERIES.txt

Each synthetic achievement takes the title of one paper with the keywords of another and the
abstract's sentences of a third (deterministic), so the vocabulary and lengths are real. The
queries file holds URL paths for wrk: titles, keyword pairs and abstract clauses of the real
papers, URL-encoded, one per line.
"""
import random
import sys
import urllib.parse


def main():
    src, n, out, queries = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    rows = []
    with open(src, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4:
                rows.append(parts)
    rng = random.Random(2026)
    with open(out, "w", encoding="utf-8") as f:
        f.write("id\ttitle\tabstract\tkeywords\tdiscipline\tcategory\n")
        for i in range(n):
            a, b, c = rows[i % len(rows)], rng.choice(rows), rng.choice(rows)
            sentences = c[col["abstract"]].replace("。", "。\n").split("\n")
            rng.shuffle(sentences)
            title = a[col["title"]] + ("（改进型）" if i % 3 == 0 else "")
            f.write(
                f"syn-{i:06d}\t{title}\t{''.join(sentences)}\t{b[col['keywords']]}\t"
                f"{b[col['discipline']]}\t{b[col['category']]}\n"
            )
    with open(queries, "w", encoding="utf-8") as f:
        for i, r in enumerate(rows[:600]):
            kind = i % 3
            if kind == 0:
                q = r[col["title"]]
            elif kind == 1:
                q = " ".join(r[col["keywords"]].split(";")[:2])
            else:
                clauses = [c for c in r[col["abstract"]].replace("，", "。").split("。") if c]
                q = max(clauses, key=len)[:40] if clauses else r[col["title"]]
            f.write("/api/v1/market/achievements?" + urllib.parse.urlencode({"q": q}) + "\n")


if __name__ == "__main__":
    main()
