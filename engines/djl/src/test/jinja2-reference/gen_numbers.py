"""Float printing and formatting: str(), tojson, round, %-format and str.format over varied magnitudes."""
import json, random, sys, os, struct
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_env import render

random.seed(11)
values = [0.1 * 3, 1 / 3, 2 / 3, 1e16, 1e15, 123456789012345678.0, 1e-4, 1e-5, 0.5, 2.675, 1.005, 5e-324,
          1.7976931348623157e308, 2.0e-3, 9007199254740993.0, 0.30000000000000004, 100.0, 1e22, 1e23, 4.35, 0.045]
for _ in range(300):
    kind = random.random()
    if kind < 0.4:
        values.append(random.uniform(-1000, 1000))
    elif kind < 0.7:
        values.append(random.uniform(0, 1) * 10 ** random.randint(-12, 20))
    else:
        values.append(struct.unpack("d", struct.pack("Q", random.getrandbits(62)))[0])
values = [v for v in values if v == v and abs(v) != float("inf")]
t = ("{{ x }}|{{ x|tojson }}|{{ x|round(2) }}|{{ x|round(0, 'floor') }}|{{ '%.2f'|format(x) }}|{{ '%e' % x }}"
     "|{{ '%g' % x }}|{{ '{:.3g}'.format(x) }}|{{ '{:.1f}'.format(x) }}|{{ '{}'.format(x) }}|{{ x|int }}|{{ x * 2 }}|{{ x // 1 }}|{{ x % 7 }}")
cases = []
for i, v in enumerate(values):
    r = render(t, x=v)
    r.pop("error_type", None)
    cases.append({"id": f"num{i:03d}", "template": t, "context": {"x": v}, **r})
json.dump({"template": "numbers", "source": "float formatting rendered by jinja2 set up as transformers does", "cases": cases},
          open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
print(len(cases), sum("expected_output" not in c for c in cases))
