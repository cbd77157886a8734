/* lib_io: System.IO for policy expressions (spec/apim-gateway.md §3.2 "Net/IO") — StringReader
 * and StringWriter over the request's arena, with their bases TextReader and TextWriter (the
 * only readers and writers there are: no files, no streams).
 *
 * Model
 * - A StringReader reads a string value it does not copy (strings are immutable and outlive
 *   the evaluation, value.h). Peek() and Read() give UTF-16 code units as ints (-1 at the
 *   end), as .NET does: a character outside the BMP is read as its two surrogates.
 * - A StringWriter appends to an arena buffer; ToString() copies it. Write/WriteLine take
 *   any value (its ToString()) or a composite format ("{0}: {1}", args...); WriteLine ends
 *   lines with "\r\n", Environment.NewLine of the Windows-hosted managed gateway (as
 *   StringBuilder.AppendLine).
 * - Close()/Dispose() end a reader (a later read throws ObjectDisposedException "Cannot read
 *   from a closed TextReader.") or a writer (a later write throws "Cannot write to a closed
 *   TextWriter."; ToString() still answers, as .NET's).
 *
 * Every native returns 0, or EXPR_THROWN with a .NET exception recorded in rt. */
#ifndef MERIDIAN_EXPR_LIB_IO_H
#define MERIDIAN_EXPR_LIB_IO_H

#include "expr/value.h"

#include <stddef.h>

extern const expr_class_t expr_class_text_reader;   /* System.IO.TextReader (base) */
extern const expr_class_t expr_class_string_reader; /* System.IO.StringReader */
extern const expr_class_t expr_class_text_writer;   /* System.IO.TextWriter (base) */
extern const expr_class_t expr_class_string_writer; /* System.IO.StringWriter */

/* What a consumer of a TextReader (XmlReader.Create) reads: the text the reader `v` has not
 * read yet, as a string value (a lone low surrogate left by Read() comes first), and the
 * reader is then at its end, as after ReadToEnd(). null → ArgumentNullException naming
 * `param`; a value that is not a reader → ArgumentException; a closed reader →
 * ObjectDisposedException. */
int expr_io_reader_take_rest(expr_rt_t *rt, const expr_value_t *v, const char *param,
                             expr_value_t *out);

#endif
