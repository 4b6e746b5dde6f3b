"""Random expressions (operators, precedence, filters, tests, conditionals) rendered by jinja2."""
import json, random, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_env import render

random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
ATOMS = ["1", "2", "0", "-3", "2.5", "'a'", "'bc'", "''", "none", "true", "false", "x", "y", "s", "l", "d", "[1, 2]", "(1, 'a')",
         "{'k': 1}", "undefined_name", "l[0]", "d.k", "s[1:]", "l|length", "s|upper", "x is odd", "'b' in s", "s.upper()", "s.split('b')", "l[::-1]", "l[1:]", "d.get('k')", "d.get('z', 0)", "s|replace('a', 'A')", "l|join('-')",
         "l|sum", "l|max", "[3, 1, 2]|sort", "range(3)|list", "'%s-%s' % (x, s)", "'{}:{}'.format(x, y)", "s ~ x", "x ** 2", "7 // -2", "-7 % 3", "d|items|list",
         "namespace(a=1).a", "l|map('string')|join", "l|select('odd')|list", "s.startswith('a')", "s[10]", "l[-1]", "'x' * 3", "[none]|first", "d.k.upper()",
         "loop", "s.strip('a')", "1 if x else 2", "dict(a=1)", "s|center(7)", "'%5.1f' % y", "y|round", "x / 2", "x|float", "s|list|last"]
BIN = ["+", "-", "*", "//", "%", "~", "==", "!=", "<", ">=", "and", "or", " in ", " not in ", "/"]
def expr(depth):
    r = random.random()
    if depth <= 0 or r < 0.3:
        return random.choice(ATOMS)
    if r < 0.6:
        return expr(depth - 1) + " " + random.choice(BIN) + " " + expr(depth - 1)
    if r < 0.68:
        return "not " + expr(depth - 1)
    if r < 0.74:
        return "-" + expr(depth - 1)
    if r < 0.82:
        return "(" + expr(depth - 1) + ")"
    if r < 0.88:
        return expr(depth - 1) + " if " + expr(depth - 1) + " else " + expr(depth - 1)
    if r < 0.94:
        return expr(depth - 1) + "|" + random.choice(["string", "length", "list", "first", "default('z')", "int", "abs", "trim", "join(',')", "tojson", "lower"])
    return expr(depth - 1) + " is " + random.choice(["defined", "none", "string", "number", "not even", "sameas true", "in [1, 'a']", "iterable", "mapping"])

ctx = {"x": 3, "y": 1.5, "s": "abc", "l": [1, 2, 3], "d": {"k": "v"}}
cases = []
n = 0
while len(cases) < 600:
    t = "{{ " + expr(3) + " }}"
    r = render(t, **ctx)
    kind = r.pop("error_type", None)
    if "expected_syntax_error" in r:
        continue
    cases.append({"id": f"expr{n:03d}", "template": t, "context": ctx, **r})
    n += 1
json.dump({"template": "expressions", "source": "random expressions rendered by jinja2 set up as transformers does", "cases": cases},
          open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
print(len(cases), sum("expected_output" not in c for c in cases))
