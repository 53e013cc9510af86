"""One decline after an assignment: the instance with the middle pair of ASSIGNMENT.json (by
position) added as a conflict, written to OUT.json; prints the declined pair.

usage: assign_decline.py INSTANCE.json ASSIGNMENT.json OUT.json
"""
import json
import sys

inst = json.load(open(sys.argv[1]))
pairs = json.load(open(sys.argv[2]))["pairs"]
declined = pairs[len(pairs) // 2]
inst["conflicts"].append({"item": declined["item"], "expert": declined["expert"], "reason": "declined"})
json.dump(inst, open(sys.argv[3], "w"))
print(f"{declined['item']} {declined['expert']}")
