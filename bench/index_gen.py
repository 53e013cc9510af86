"""Generates the index benchmark's inputs.

usage: index_gen.py panel DIR UNITS INDICATORS YEARS    iMeta.csv, iData.csv, pipeline.toml
       index_gen.py formulas DIR UNITS QUARTERS          defs.toml (50 indicators), values.csv
"""
import math
import random
import sys

rnd = random.Random(2026)
mode, out = sys.argv[1], sys.argv[2]

if mode == "panel":
    units, inds, years = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    pillars = 10
    with open(f"{out}/iMeta.csv", "w") as f:
        f.write("Level,iCode,iName,Direction,Weight,Unit,Target,Denominator,Parent,Type\n")
        for i in range(inds):
            f.write(f"1,I{i:03d},Indicator {i},{1 if i % 7 else -1},1,,,,P{i % pillars},Indicator\n")
        for p in range(pillars):
            f.write(f"2,P{p},Pillar {p},1,1,,,,S{p % 2},Aggregate\n")
        f.write("3,S0,Sub-index 0,1,1,,,,Index,Aggregate\n3,S1,Sub-index 1,1,1,,,,Index,Aggregate\n")
        f.write("4,Index,Index,1,1,,,,,Aggregate\n")
    with open(f"{out}/iData.csv", "w") as f:
        f.write("uCode,uName,Time," + ",".join(f"I{i:03d}" for i in range(inds)) + "\n")
        level = [[rnd.lognormvariate(0, 1) for _ in range(inds)] for _ in range(units)]
        for y in range(2015, 2015 + years):
            for u in range(units):
                cells = []
                for i in range(inds):
                    if rnd.random() < 0.02:
                        cells.append("")
                    else:
                        cells.append(repr(level[u][i] * (1 + 0.04 * (y - 2015)) * rnd.uniform(0.9, 1.1)))
                f.write(f"U{u:05d},Unit {u},{y}," + ",".join(cells) + "\n")
    with open(f"{out}/pipeline.toml", "w") as f:
        f.write('[impute]\nmethod = "mean"\n\n[screen]\nmin_availability = 0.5\n\n[treat]\nmethod = "winsorise"\nwinmax = 5\n\n'
                '[normalise]\nmethod = "minmax"\n\n[aggregate]\nmethod = "amean"\n')

elif mode == "formulas":
    units, quarters = int(sys.argv[3]), int(sys.argv[4])
    elements = [f"E{i:02d}" for i in range(20)]
    with open(f"{out}/values.csv", "w") as f:
        f.write("unit,period,element,disaggregation,value\n")
        for u in range(units):
            base = [rnd.lognormvariate(3, 1) for _ in elements]
            for q in range(quarters):
                period = f"{2015 + q // 4}Q{q % 4 + 1}"
                for e, b in zip(elements, base):
                    f.write(f"U{u:05d},{period},{e},,{b * (1 + 0.01 * q) * rnd.uniform(0.95, 1.05):.4f}\n")
    forms = []
    for k in range(50):
        a, b, c = elements[k % 20], elements[(k * 7 + 3) % 20], elements[(k * 11 + 5) % 20]
        kind = k % 5
        if kind == 0:
            f_ = f"#{{{a}}} / #{{{b}}} * 100"
        elif kind == 1:
            f_ = f"#{{{a}}} / #{{{a}}}.periodOffset(-4) - 1"
        elif kind == 2:
            f_ = f"#{{{a}}}.yearToDate() / #{{{b}}}.yearToDate()"
        elif kind == 3:
            f_ = f"if(#{{{a}}} > #{{{b}}}, #{{{a}}} - #{{{b}}}, 0) + greatest(#{{{c}}}, 1)"
        else:
            f_ = f"N{{X{k - 4:02d}}} * 2 + firstNonNull(#{{{c}}}, 0)"
        forms.append(f'[[indicator]]\ncode = "X{k:02d}"\nformula = "{f_}"\n')
    with open(f"{out}/defs.toml", "w") as f:
        f.write("\n".join(forms))
