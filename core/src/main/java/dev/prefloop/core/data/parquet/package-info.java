/**
 * Reading Parquet shards ({@code .parquet}, as Hugging Face datasets publish them) as JSON records.
 *
 * <p>Built on Apache parquet-java (parquet-hadoop's {@code ParquetFileReader} over a
 * {@code LocalInputFile}), with pages decompressed by prefloop itself (snappy, zstd, gzip, lz4_raw,
 * the deprecated lz4 in both its Hadoop-framed and bare forms, uncompressed) so that no Hadoop
 * runtime, Configuration or codec class is needed. No JVM flag is needed either. Memory is one row group (its compressed column chunks plus one decoded page per
 * column), whatever the number of rows. Row groups are as the writer made them: pyarrow caps them
 * at 1Mi rows by default, {@code datasets} exports write much smaller ones.
 *
 * <p>Type mapping (Parquet physical type and annotation → JSON):
 * <ul>
 *   <li>BINARY STRING, ENUM, JSON → string (JSON annotated text is kept as a string, not parsed);
 *       BINARY or FIXED_LEN_BYTE_ARRAY without annotation, and BSON → base64 string (RFC 4648,
 *       padded), so binary columns such as image bytes are carried through rather than refused.</li>
 *   <li>INT32, INT64, signed INT(8|16|32|64) → number; unsigned INT(32) → number up to 2^32-1,
 *       unsigned INT(64) → number up to 2^64-1 (exact, as a big integer when needed).</li>
 *   <li>FLOAT, DOUBLE, FLOAT16 → number (NaN and infinities stay Jackson's NaN/Infinity doubles);
 *       BOOLEAN → true/false.</li>
 *   <li>DECIMAL (INT32, INT64, BINARY, FIXED) → exact decimal number with its scale, e.g. 1.50.</li>
 *   <li>DATE → "2024-01-31"; TIMESTAMP adjusted to UTC → "2024-01-31T12:00:00.123Z" (instant);
 *       TIMESTAMP not adjusted → "2024-01-31T12:00:00.123" (no offset, like pyarrow's naive ones);
 *       legacy INT96 → naive timestamp as Arrow reads it; TIME → "12:34:56.789" ("Z" appended when
 *       adjusted to UTC). Fractions are printed to the nanosecond when present, none when zero.</li>
 *   <li>LIST → array, from the standard 3-level layout pyarrow writes ({@code list}/{@code element})
 *       and the legacy ones ({@code list}/{@code item}, 2-level {@code repeated T array},
 *       Spark's {@code bag}/{@code array}, {@code array} and {@code _tuple} groups as struct
 *       elements), following the backward-compatibility rules of the Parquet spec as Arrow does; a
 *       repeated field outside a LIST group → array (empty when it has no values).</li>
 *   <li>Group without annotation (struct) → object, keys in schema order.</li>
 *   <li>MAP with string keys → object (entries in file order, a repeated key keeps the last value);
 *       other key types are refused when the file is opened, naming the column.</li>
 *   <li>Arrow's null type (INT32 with the UNKNOWN annotation, what pyarrow writes for a column that
 *       is None in every row) → absent in objects, null in lists.</li>
 *   <li>Nulls: a null top-level or struct field is absent from its object ("a field absent on input
 *       stays absent on output": pyarrow writes nulls for rows that lacked a field when {@code datasets}
 *       unified the schemas); a null list element or map value is JSON null.</li>
 * </ul>
 *
 * <p>Refused with a {@link dev.prefloop.core.error.DataException} naming the file and column when the
 * file is opened: INTERVAL, GEOMETRY, GEOGRAPHY, VARIANT and any other annotation not listed above;
 * compression codecs brotli and lzo; encrypted files. Strings are decoded as
 * UTF-8 with malformed bytes replaced by U+FFFD, as parquet-java does.
 */
package dev.prefloop.core.data.parquet;
