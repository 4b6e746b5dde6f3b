# Preference pairs -> SFT records on the chosen answers (sed -E): chosen becomes completion, rejected
# (the last field of each bundled record) is dropped. Works for strings and message lists alike.
s/"chosen":/"completion":/
s/, "rejected": .*\}$/}/
