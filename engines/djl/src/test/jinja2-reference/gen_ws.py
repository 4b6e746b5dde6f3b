"""Random whitespace-control templates: text, tags with -/+ markers, comments and raw blocks."""
import json, random, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_env import render

random.seed(7)
TEXTS = ["", " ", "  ", "\n", "\n\n", "  \n  ", "\t", "a", " a ", "a\n", "\n  a", "x \n\t", "\r\n", " \r\n  "]
def marker():
    return random.choice(["", "", "", "-", "+"])
def endmarker():
    return random.choice(["", "", "-", "+"])
def piece(depth):
    r = random.random()
    if r < 0.25 or depth > 2:
        return random.choice(TEXTS)
    if r < 0.4:
        return "{{" + random.choice(["", "-"]) + " v " + random.choice(["", "-"]) + "}}"
    if r < 0.5:
        return "{#" + marker() + " c " + endmarker() + "#}"
    if r < 0.55:
        return "{%" + marker() + " raw " + random.choice(["", "-"]) + "%}" + random.choice(TEXTS) + "{{ r }}" + random.choice(TEXTS) + "{%" + marker() + " endraw " + endmarker() + "%}"
    if r < 0.65:
        return "{%" + marker() + " set s = 1 " + endmarker() + "%}"
    if r < 0.85:
        body = "".join(piece(depth + 1) for _ in range(random.randint(0, 3)))
        return "{%" + marker() + " if v " + endmarker() + "%}" + body + random.choice(TEXTS) + "{%" + marker() + " endif " + endmarker() + "%}"
    body = "".join(piece(depth + 1) for _ in range(random.randint(0, 3)))
    return "{%" + marker() + " for i in [1, 2] " + endmarker() + "%}" + body + random.choice(TEXTS) + "{%" + marker() + " endfor " + endmarker() + "%}"

cases = []
for n in range(400):
    t = "".join(random.choice(TEXTS) + piece(0) for _ in range(random.randint(1, 5))) + random.choice(TEXTS)
    r = render(t, v="V")
    r.pop("error_type", None)
    cases.append({"id": f"ws{n:03d}", "template": t, "context": {"v": "V"}, **r})
json.dump({"template": "whitespace", "source": "random whitespace-control templates (seed 7) rendered by jinja2 set up as transformers does", "cases": cases},
          open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
print(len(cases), sum("expected_output" not in c for c in cases))
