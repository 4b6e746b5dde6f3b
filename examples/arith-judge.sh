#!/bin/sh
# Pointwise exec judge for the bundled arithmetic data (prefloop label --judge-pointwise
# --judge-exec-per-batch): reads {"id", "prompt", "response"} lines, answers {"id", "score"} with
# score 1 when the response's first number is the sum "A + B" in the prompt, else 0.
# POSIX sh and awk only; it assumes prompts and responses without escaped quotes, as in the data.
exec awk '
function field(line, name,    v) {
    if (!match(line, "\"" name "\" *: *\"[^\"]*\"")) return ""
    v = substr(line, RSTART, RLENGTH)
    sub("^\"" name "\" *: *\"", "", v)
    sub("\"$", "", v)
    return v
}
{
    id = field($0, "id")
    response = field($0, "response")
    line = $0
    sub("\"response\" *: *\"[^\"]*\"", "", line)   # the sum is looked for in the prompt only
    expected = ""
    if (match(line, /[0-9]+ *\+ *[0-9]+/)) {
        split(substr(line, RSTART, RLENGTH), ab, /[ +]+/)
        expected = ab[1] + ab[2]
    }
    got = ""
    if (match(response, /-?[0-9]+/)) got = substr(response, RSTART, RLENGTH) + 0
    score = (expected != "" && got != "" && got == expected) ? 1 : 0
    printf "{\"id\": \"%s\", \"score\": %d}\n", id, score
}'
