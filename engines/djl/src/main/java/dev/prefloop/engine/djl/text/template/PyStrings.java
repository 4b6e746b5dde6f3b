package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.List;

/** Python's str semantics where Java's differ: whitespace, strip, split, title, slicing by code point. */
final class PyStrings {

    private PyStrings() {}

    /** Python's {@code str.isspace()} for one character (also what {@code \s} matches in jinja2's lexer). */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0
                || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029
                || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    static boolean isWhitespace(String s) {
        return !s.isEmpty() && s.codePoints().allMatch(PyStrings::isWhitespace);
    }

    private static boolean strippable(int c, String chars) {
        return chars == null ? isWhitespace(c) : chars.indexOf(c) >= 0 || (c > 0xffff && chars.contains(Character.toString(c)));
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int c = s.codePointAt(i);
            if (!strippable(c, chars)) {
                break;
            }
            i += Character.charCount(c);
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0) {
            int c = s.codePointBefore(j);
            if (!strippable(c, chars)) {
                break;
            }
            j -= Character.charCount(c);
        }
        return s.substring(0, j);
    }

    static String strip(String s, String chars) {
        return lstrip(rstrip(s, chars), chars);
    }

    /** Python's {@code str.split(sep, maxsplit)}; a null separator splits on runs of whitespace. */
    static List<Object> split(String s, String sep, long maxSplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isWhitespace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxSplit >= 0 && out.size() >= maxSplit) {
                    out.add(s.substring(i));
                    return out;
                }
                int j = i;
                while (j < n && !isWhitespace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw RenderException.of("empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** Python's {@code str.rsplit(sep, maxsplit)}. */
    static List<Object> rsplit(String s, String sep, long maxSplit) {
        if (maxSplit < 0) {
            return split(s, sep, -1);
        }
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isWhitespace(s.charAt(j - 1))) {
                    j--;
                }
                if (j <= 0) {
                    break;
                }
                if (out.size() >= maxSplit) {
                    out.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !isWhitespace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(s.substring(i, j));
                j = i;
            }
        } else {
            if (sep.isEmpty()) {
                throw RenderException.of("empty separator");
            }
            int end = s.length();
            while (out.size() < maxSplit) {
                int at = s.lastIndexOf(sep, end - sep.length());
                if (at < 0 || end - sep.length() < 0) {
                    break;
                }
                out.add(s.substring(at + sep.length(), end));
                end = at;
            }
            out.add(s.substring(0, end));
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** Python's {@code str.splitlines(keepends)}. */
    static List<Object> splitlines(String s, boolean keepEnds) {
        List<Object> out = new ArrayList<>();
        int i = 0;
        int start = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int eol = -1;
            if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                eol = i + 2;
            } else if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                    || c == 0x85 || c == 0x2028 || c == 0x2029) {
                eol = i + 1;
            }
            if (eol < 0) {
                i++;
                continue;
            }
            out.add(s.substring(start, keepEnds ? eol : i));
            start = eol;
            i = eol;
        }
        if (start < n) {
            out.add(s.substring(start));
        }
        return out;
    }

    /** Python's {@code str.title()}: a letter after a non-letter is upper-cased, others lower-cased. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            boolean cased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
            sb.append(prevCased ? lower(Character.toString(c)) : titleCase(c));
            prevCased = cased;
            i += Character.charCount(c);
        }
        return sb.toString();
    }

    /** Python's {@code str.capitalize()}: first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return titleCase(first) + s.substring(Character.charCount(first)).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Python's full title-case mapping of one character: a dedicated title-case letter where one
     * exists (dz to Dz), else the full upper case with the rest lowered (sharp s to "Ss").
     */
    static String titleCase(int c) {
        int simple = Character.toTitleCase(c);
        if (simple != Character.toUpperCase(c)) {
            return Character.toString(simple);
        }
        String upper = upper(Character.toString(c));
        int head = upper.codePointAt(0);
        return Character.toString(head) + lower(upper.substring(Character.charCount(head)));
    }

    static String upper(String s) {
        return s.toUpperCase(java.util.Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    /** Python's {@code len(s)}: code points, not UTF-16 units. */
    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /** The code point at a Python index (already made non-negative and in range). */
    static String charAt(String s, int index) {
        return Character.toString(s.codePointAt(s.offsetByCodePoints(0, index)));
    }

    /** Python's {@code s.replace(old, new, count)}, including the empty-pattern case. */
    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            count = Long.MAX_VALUE;
        }
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            int[] cps = s.codePoints().toArray();
            long done = 0;
            for (int cp : cps) {
                if (done < count) {
                    sb.append(replacement);
                    done++;
                }
                sb.appendCodePoint(cp);
            }
            if (done < count) {
                sb.append(replacement);
            }
            return sb.toString();
        }
        int from = 0;
        long done = 0;
        while (done < count) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            sb.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return sb.append(s.substring(from)).toString();
    }

    /** Non-overlapping occurrences of {@code sub}, as Python's {@code str.count}. */
    static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return length(s) + 1L;
        }
        long n = 0;
        int from = 0;
        while ((from = s.indexOf(sub, from)) >= 0) {
            n++;
            from += sub.length();
        }
        return n;
    }

    /** Compares by code point, as Python orders strings. */
    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    static String center(String s, int width, String fill) {
        int len = length(s);
        if (width <= len) {
            return s;
        }
        int marg = width - len;
        int left = marg / 2 + (marg & width & 1);
        return fill.repeat(left) + s + fill.repeat(marg - left);
    }
}
