"""Renders real chat templates over a set of conversations with jinja2 set up as transformers does."""
import json, sys, os, copy
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_env import env, NOW
import jinja2

SPECIAL = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Get the weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"},
                          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "description": "Current time", "parameters": {"type": "object", "properties": {}}}}
CALL = {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1ab2c3d4e", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]}
CALL_STR = {"role": "assistant", "content": None, "tool_calls": [{"id": "call_9zy8x7w6v", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]}
TOOL = {"role": "tool", "tool_call_id": "call_1ab2c3d4e", "name": "get_weather", "content": "{\"temp\": 12.5, \"sky\": \"cloudy\"}"}

CONTEXTS = {
    "system_user_gen": dict(messages=[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello!"}], add_generation_prompt=True),
    "user_only_nogen": dict(messages=[{"role": "user", "content": "What is 2+2?"}], add_generation_prompt=False),
    "multi_turn": dict(messages=[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}, {"role": "user", "content": "Tell me a joke.\n\nA short one."}], add_generation_prompt=True),
    "system_multi_turn_nogen": dict(messages=[{"role": "system", "content": "  Be kind.  "}, {"role": "user", "content": "  spaced  "}, {"role": "assistant", "content": " Sure. "}], add_generation_prompt=False),
    "thinking_history": dict(messages=[{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "<think>\nLet me think.\n</think>\n\nA1"}, {"role": "user", "content": "Q2"}], add_generation_prompt=True),
    "reasoning_content": dict(messages=[{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1", "reasoning_content": "because"}, {"role": "user", "content": "Q2"}, {"role": "assistant", "content": "<think>r2</think>A2"}], add_generation_prompt=False),
    "enable_thinking_false": dict(messages=[{"role": "user", "content": "Quick answer?"}], add_generation_prompt=True, enable_thinking=False),
    "tools_offered": dict(messages=[{"role": "system", "content": "Use tools."}, {"role": "user", "content": "Weather in Paris?"}], tools=[WEATHER, TIME], add_generation_prompt=True),
    "tool_round_trip": dict(messages=[{"role": "user", "content": "Weather in Paris?"}, CALL, TOOL, {"role": "assistant", "content": "It is 12.5 and cloudy."}, {"role": "user", "content": "Thanks"}], tools=[WEATHER], add_generation_prompt=True),
    "tool_call_string_args": dict(messages=[{"role": "user", "content": "Oslo?"}, CALL_STR, {"role": "tool", "tool_call_id": "call_9zy8x7w6v", "content": "sunny"}], tools=[WEATHER], add_generation_prompt=True),
    "unicode_and_syntax": dict(messages=[{"role": "user", "content": "Ça va? 🤖 مرحبا {{ 1 + 1 }} {% if x %}y{% endif %} {# c #}"}], add_generation_prompt=True),
    "date_and_custom_kwargs": dict(messages=[{"role": "user", "content": "Date?"}], add_generation_prompt=True, date_string="01 Mar 2031", tools_in_user_message=False),
    "content_parts": dict(messages=[{"role": "user", "content": [{"type": "text", "text": "Part one."}, {"type": "text", "text": "Part two."}]}], add_generation_prompt=True),
    "two_users_in_a_row": dict(messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], add_generation_prompt=True),
    "assistant_first": dict(messages=[{"role": "assistant", "content": "I start."}, {"role": "user", "content": "ok"}], add_generation_prompt=True),
    "documents": dict(messages=[{"role": "user", "content": "Summarise."}], documents=[{"title": "Doc A", "text": "Alpha text."}, {"title": "Doc B", "text": "Beta text."}], add_generation_prompt=True),
    "empty_messages": dict(messages=[], add_generation_prompt=True),
}

def context(base):
    c = {"tools": None, "documents": None}
    c.update(copy.deepcopy(base))
    c.update(SPECIAL)
    return c

def render(template, ctx):
    try:
        return {"expected_output": env.from_string(template).render(**ctx)}
    except jinja2.exceptions.TemplateSyntaxError:
        raise
    except jinja2.exceptions.TemplateError as e:
        if type(e) is jinja2.exceptions.TemplateError:
            return {"expected_error": str(e)}
        return {"expected_error": str(e), "error_kind": type(e).__name__}
    except Exception as e:
        return {"expected_error": str(e), "error_kind": type(e).__name__}

def main(src_dir, out_dir, source="llama.cpp models/templates (copies of the models' tokenizer_config.json chat_template)"):
    for name in sorted(os.listdir(src_dir)):
        if not name.endswith(".jinja"):
            continue
        template = open(os.path.join(src_dir, name), encoding="utf-8").read()
        try:
            env.from_string(template)
        except Exception as e:
            print("skip (jinja2 refuses):", name, e); continue
        cases = []
        for cid, base in CONTEXTS.items():
            ctx = context(base)
            r = render(template, ctx)
            if "expected_output" in r and " at 0x" in r["expected_output"]:
                continue  # prints a Python object address
            cases.append({"id": cid, "context": ctx, **r})
        folder = os.path.join(out_dir, name[:-len(".jinja")])
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "template.jinja"), "w", encoding="utf-8") as f:
            f.write(template)
        with open(os.path.join(folder, "cases.json"), "w", encoding="utf-8") as f:
            json.dump({"template": name, "source": source,
                       "renderer": "python3 jinja2 " + jinja2.__version__ + " set up as transformers does; strftime_now pinned to " + str(NOW),
                       "cases": cases}, f, ensure_ascii=False, indent=1)
        errs = sum("expected_error" in c for c in cases)
        print(f"{name}: {len(cases)} cases, {errs} errors")

if __name__ == "__main__":
    main(*sys.argv[1:4])
