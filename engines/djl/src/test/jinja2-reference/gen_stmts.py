"""Random statement trees: for/if/set/namespace/macro/loop controls, checking jinja2's scoping."""
import json, random, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_env import render

random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 9)
VARS = ["a", "b", "c"]
def val():
    return random.choice(["1", "'s'", "a", "b", "c ~ 'x'", "ns.n + 1", "loop.index if loop is defined else 0", "[1, 2]", "a is defined"])
def stmt(depth, in_loop):
    r = random.random()
    if depth > 3 or r < 0.25:
        return "{{ " + random.choice(VARS + ["ns.n", "loop.index0 if loop is defined else '-'", "a ~ b ~ c", "m(1)", "m()" , "i if i is defined else 'noi'"]) + " }}|"
    if r < 0.4:
        return "{% set " + random.choice(VARS) + " = " + val() + " %}"
    if r < 0.5:
        return "{% set ns.n = " + random.choice(["ns.n + 1", "5", "loop.index if loop is defined else 7"]) + " %}"
    if r < 0.62:
        body = "".join(stmt(depth + 1, True) for _ in range(random.randint(1, 4)))
        cond = random.choice(["", " if i != 2", " if a is defined"])
        other = random.choice(["", "{% else %}E|"])
        return "{% for i in " + random.choice(["[1, 2, 3]", "[]", "range(2)", "'ab'"]) + cond + " %}" + body + other + "{% endfor %}"
    if r < 0.74:
        body = "".join(stmt(depth + 1, in_loop) for _ in range(random.randint(1, 3)))
        other = "".join(stmt(depth + 1, in_loop) for _ in range(random.randint(0, 2)))
        return "{% if " + random.choice(["a is defined", "i == 1" if in_loop else "true", "ns.n > 1", "not b", "c"]) + " %}" + body + ("{% else %}" + other if other else "") + "{% endif %}"
    if r < 0.8 and in_loop:
        return random.choice(["{% break %}", "{% continue %}", "{% if i == 2 %}{% break %}{% endif %}", "{% if loop.first %}{% continue %}{% endif %}"])
    if r < 0.88:
        body = "".join(stmt(depth + 1, False) for _ in range(random.randint(1, 2)))
        return "{% set " + random.choice(VARS) + " %}" + body + "{% endset %}"
    if r < 0.94:
        body = "".join(stmt(depth + 1, False) for _ in range(random.randint(1, 2)))
        return "{% with " + random.choice(VARS) + " = " + val() + " %}" + body + "{% endwith %}"
    return "{% filter upper %}" + stmt(depth + 1, in_loop) + "{% endfilter %}"

cases = []
n = 0
while len(cases) < 300:
    t = "{% set ns = namespace(n=0) %}{% macro m(p='d') %}[{{ p }}{{ a if a is defined else '' }}]{% endmacro %}" + "".join(stmt(0, False) for _ in range(random.randint(2, 6)))
    r = render(t)
    r.pop("error_type", None)
    if "expected_syntax_error" in r:
        continue
    cases.append({"id": f"stmt{n:03d}", "template": t, "context": {}, **r})
    n += 1
json.dump({"template": "statements", "source": "random statement trees rendered by jinja2 set up as transformers does", "cases": cases},
          open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
print(len(cases), sum("expected_output" not in c for c in cases))
