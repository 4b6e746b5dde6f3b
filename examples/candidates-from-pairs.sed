# Preference pairs -> label's candidates records (sed -E): {id, prompt, completions: [chosen, rejected]};
# a one-message assistant list becomes its content (label judges text completions). Assumes no
# escaped quotes in the answers, as in the bundled data.
s/"(chosen|rejected)": \[\{"role": "assistant", "content": ("[^"]*")\}\]/"\1": \2/g
s/"chosen": ("[^"]*"), "rejected": ("[^"]*")\}$/"completions": [\1, \2]}/
