import json, datetime, sys
import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import Extension
class Gen(Extension):
    tags={"generation"}
    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_g"), [], [], body).set_lineno(lineno)
    def _g(self, caller): return caller()
def raise_exception(m): raise jinja2.exceptions.TemplateError(m)
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
NOW = datetime.datetime(2025,1,15,9,30,0)
def strftime_now(f): return NOW.strftime(f)
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Gen, jinja2.ext.loopcontrols])
env.filters["tojson"]=tojson
env.globals["raise_exception"]=raise_exception
env.globals["strftime_now"]=strftime_now
def render(src, **ctx):
    try:
        return {"expected_output": env.from_string(src).render(**ctx)}
    except jinja2.exceptions.TemplateSyntaxError as e:
        return {"expected_syntax_error": str(e), "line": e.lineno}
    except Exception as e:
        return {"expected_error": str(e), "error_type": type(e).__name__}
if __name__ == "__main__":
    for src in sys.argv[1:]:
        print(repr(src), '=>', render(src, d={'a':1,'items':[1]}, l=[1,2,3], s='abc', n=None))
