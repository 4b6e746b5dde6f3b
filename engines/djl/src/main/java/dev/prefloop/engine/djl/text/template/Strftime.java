package dev.prefloop.engine.djl.text.template;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;

/**
 * Python's {@code datetime.strftime} in the C locale, as glibc formats it, including the
 * {@code %-d} flag that drops padding (templates use {@code "%d %b %Y"} and {@code "%-d %B %Y"}).
 */
final class Strftime {

    private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};

    private Strftime() {}

    static String format(LocalDateTime t, String fmt) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                out.append(c);
                continue;
            }
            char flag = 0;
            char code = fmt.charAt(++i);
            if ((code == '-' || code == '_' || code == '0') && i + 1 < fmt.length()) {
                flag = code;
                code = fmt.charAt(++i);
            }
            out.append(field(t, code, flag));
        }
        return out.toString();
    }

    private static String field(LocalDateTime t, char code, char flag) {
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        String day = DAYS[t.getDayOfWeek().getValue() - 1];
        String month = MONTHS[t.getMonthValue() - 1];
        return switch (code) {
            case 'a' -> day.substring(0, 3);
            case 'A' -> day;
            case 'b', 'h' -> month.substring(0, 3);
            case 'B' -> month;
            case 'd' -> num(t.getDayOfMonth(), 2, '0', flag);
            case 'e' -> num(t.getDayOfMonth(), 2, ' ', flag);
            case 'm' -> num(t.getMonthValue(), 2, '0', flag);
            case 'y' -> num(t.getYear() % 100, 2, '0', flag);
            case 'Y' -> Integer.toString(t.getYear());
            case 'C' -> num(t.getYear() / 100, 2, '0', flag);
            case 'H' -> num(t.getHour(), 2, '0', flag);
            case 'k' -> num(t.getHour(), 2, ' ', flag);
            case 'I' -> num(hour12, 2, '0', flag);
            case 'l' -> num(hour12, 2, ' ', flag);
            case 'M' -> num(t.getMinute(), 2, '0', flag);
            case 'S' -> num(t.getSecond(), 2, '0', flag);
            case 'f' -> num(t.getNano() / 1000, 6, '0', flag);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'P' -> t.getHour() < 12 ? "am" : "pm";
            case 'j' -> num(t.getDayOfYear(), 3, '0', flag);
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'U' -> num(weekOfYear(t, DayOfWeek.SUNDAY), 2, '0', flag);
            case 'W' -> num(weekOfYear(t, DayOfWeek.MONDAY), 2, '0', flag);
            case 'V' -> num(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, '0', flag);
            case 'G' -> Integer.toString(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'D' -> format(t, "%m/%d/%y");
            case 'F' -> format(t, "%Y-%m-%d");
            case 'T' -> format(t, "%H:%M:%S");
            case 'R' -> format(t, "%H:%M");
            case 'r' -> format(t, "%I:%M:%S %p");
            case 'c' -> format(t, "%a %b %e %H:%M:%S %Y");
            case 'x' -> format(t, "%m/%d/%y");
            case 'X' -> format(t, "%H:%M:%S");
            case 'z', 'Z' -> "";
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            default -> "%" + (flag == 0 ? "" : String.valueOf(flag)) + code;
        };
    }

    /** Weeks of the year counting from the first {@code firstDay} (%U from Sunday, %W from Monday). */
    private static int weekOfYear(LocalDateTime t, DayOfWeek firstDay) {
        int yday = t.get(ChronoField.DAY_OF_YEAR) - 1;
        int wday = (t.getDayOfWeek().getValue() - firstDay.getValue() + 7) % 7;
        return (yday + 7 - wday) / 7;
    }

    private static String num(int value, int width, char pad, char flag) {
        String s = Integer.toString(value);
        if (flag == '-') {
            return s;
        }
        char p = flag == '_' ? ' ' : flag == '0' ? '0' : pad;
        return s.length() >= width ? s : String.valueOf(p).repeat(width - s.length()) + s;
    }
}
