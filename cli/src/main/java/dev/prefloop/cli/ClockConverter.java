package dev.prefloop.cli;

import dev.prefloop.core.error.UsageException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;

/**
 * ClockConverter reads {@code --now}: an ISO date-time, with an offset or without (then it is taken
 * as the local time the template sees), or a date (midnight), as a clock stopped at that moment.
 */
final class ClockConverter implements ITypeConverter<Clock> {

    @Override
    public Clock convert(String value) {
        try {
            OffsetDateTime t = OffsetDateTime.parse(value);
            return Clock.fixed(t.toInstant(), t.getOffset());
        } catch (DateTimeParseException withoutOffset) {
            try {
                LocalDateTime t = value.contains("T") ? LocalDateTime.parse(value) : LocalDate.parse(value).atStartOfDay();
                return Clock.fixed(t.toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw new UsageException("--now " + value + ": expected an ISO date-time such as 2025-01-15T09:30:00"
                        + " (optionally with an offset, +02:00) or a date such as 2025-01-15");
            }
        }
    }
}
