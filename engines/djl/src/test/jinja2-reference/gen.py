import json, sys
sys.path.insert(0, '/tmp')
from hf_env import render
ctx = {"d": {"a": 1, "items": [1]}, "l": [1, 2, 3], "s": "abc", "n": None,
       "users": [{"name": "Al", "age": 30, "admin": True}, {"name": "Bo", "age": 20, "admin": False, "nick": None}, {"name": "cy", "age": 25, "admin": False}],
       "tree": [{"n": "a", "c": [{"n": "b", "c": []}, {"n": "c"}]}, {"n": "d"}],
       "messages": [{"role": "user", "content": "hi {{ 1 + 1 }}"}, {"role": "assistant", "content": "yo"}]}
lines = open('/tmp/gen/snippets.txt').read().split('\n')
start = lines.index('{%- for m in messages -%}')
cases = []
for i, line in enumerate(lines[:start]):
    if not line.strip(): continue
    r = render(line, **ctx)
    cases.append({"id": f"line{i+1:03d}", "template": line, "context": ctx, **{k: v for k, v in r.items() if k != "error_type"}})
block = '\n'.join(lines[start:])
cases.append({"id": "whitespace_block", "template": block, "context": ctx, **render(block, **ctx)})
for j, bad in enumerate(["{% if x %}no end", "{{ 1 + }}", "{% for %}{% endfor %}", "{{ x | nosuchfilter }}", "{{ x is nosuchtest }}",
                         "{% do x %}", "{{ (1 }}", "line1\n{{ 1 2 }}", "{% endif %}", "{# unclosed", "{{ 'unterminated }}"]):
    r = render(bad, **ctx)
    cases.append({"id": f"syntax{j:02d}", "template": bad, "context": ctx, **r})
good_soft = "{% if false %}{{ x|nosuchfilter }}{% endif %}ok"
cases.append({"id": "unknown_filter_in_if", "template": good_soft, "context": ctx, **render(good_soft, **ctx)})
for c in cases:
    c.pop("error_type", None)
json.dump({"template": "jinja2-constructs", "source": "one-line snippets rendered by python3 jinja2 3.1.6 set up as transformers does", "cases": cases}, open(sys.argv[1], 'w'), ensure_ascii=False, indent=1)
print(len(cases), sum('expected_error' in c for c in cases), sum('expected_syntax_error' in c for c in cases))
