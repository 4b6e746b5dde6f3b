"""Python string methods and string filters over varied strings (whitespace kinds, unicode, separators)."""
import json, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_env import render

strings = ["", " ", "abc", "  padded  ", "\tTabbed\n", "a,b,,c,", ",lead", "x\u00a0y", "\u3000wide\u3000", "line1\nline2\r\nline3\rline4\n",
           "MiXeD cAsE wOrDs", "hello-world (test) [ok] <tag>", "ünïcödé ßtraße", "🤖 robot 🤖", "<think>\nplan\n</think>\n\nanswer", "a  b   c",
           "already Title Case", "o'neil mc-donald", "123", "12.5", "-7", "ABC def", "x" * 3 + "y" * 3, "tab\tsep\tvals", "trailing\n\n\n", "   \n  \n",
           "ǅungla", "İstanbul", "ﬁne"]
tpl = ("{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.strip('a,x') }}|{{ s.split() }}|{{ s.split(',') }}|{{ s.split(None, 1) }}|"
       "{{ s.rsplit(None, 1) }}|{{ s.split(' ', 2) }}|{{ s.rsplit(',', 1) }}|{{ s.splitlines() }}|{{ s.splitlines(true) }}|{{ s.upper() }}|{{ s.lower() }}|"
       "{{ s.title() }}|{{ s.capitalize() }}|{{ s.swapcase() }}|{{ s|title }}|{{ s|capitalize }}|{{ s|upper }}|{{ s|lower }}|{{ s|trim }}|{{ s|length }}|"
       "{{ s|wordcount }}|{{ s|reverse }}|{{ s[1:-1] }}|{{ s[::-1] }}|{{ s[::2] }}|{{ s|list }}|{{ s.isdigit() }}|{{ s.isalpha() }}|{{ s.isspace() }}|"
       "{{ s.isupper() }}|{{ s.islower() }}|{{ s.istitle() }}|{{ s.find('a') }}|{{ s.count(' ') }}|{{ s.replace(' ', '_') }}|{{ s.startswith(('a', ' ')) }}|"
       "{{ s.endswith('\\n') }}|{{ s|tojson }}|{{ s|tojson(ensure_ascii=true) }}|{{ s|string|e }}|{{ s|center(20) }}|{{ s.center(21, '*') }}|{{ s.zfill(6) }}|"
       "{{ s.partition(' ') }}|{{ s|indent(2) }}|{{ s|truncate(9, true) }}|{{ s ~ s }}|{{ s * 2 }}|{{ s in 'abc abc' }}|{{ [s]|join('/') }}|{{ s|replace('a', 'A', 1) }}|{{ s|int }}|{{ s|float }}|{{ s < 'm' }}|{{ [s, 'b', 'B']|sort }}")
cases = []
for i, s in enumerate(strings):
    r = render(tpl, s=s)
    r.pop("error_type", None)
    cases.append({"id": f"str{i:02d}", "template": tpl, "context": {"s": s}, **r})
json.dump({"template": "strings", "source": "str methods and filters rendered by jinja2 set up as transformers does", "cases": cases},
          open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
print(len(cases), sum("expected_output" not in c for c in cases))
