/* lib_text: what the string, number and net libraries (lib_string.c, lib_number*.c,
 * lib_net.c) share — an arena text buffer, UTF-8 ⇄ UTF-16 code units (C# positions count
 * UTF-16 code units, value.h), .NET's invariant character classes and case mapping,
 * argument checks that throw .NET's exceptions, and the invariant-culture number
 * formatting behind ToString(format) and string.Format.
 *
 * Every function that can fail returns 0 or EXPR_THROWN with the exception in rt.
 * Memory comes from rt->arena only. */
#ifndef MERIDIAN_EXPR_LIB_TEXT_H
#define MERIDIAN_EXPR_LIB_TEXT_H

#include "expr/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- a growable text buffer in the arena (outgrown blocks stay in the arena) ---- */
typedef struct {
    expr_rt_t *rt;
    char *ptr;
    size_t len, cap;
} expr_text_buf_t;

void expr_text_buf_init(expr_text_buf_t *b, expr_rt_t *rt);
int expr_text_reserve(expr_text_buf_t *b, size_t extra);
int expr_text_put(expr_text_buf_t *b, const char *p, size_t n);
int expr_text_puts(expr_text_buf_t *b, const char *s);
int expr_text_putc(expr_text_buf_t *b, char c);
/* Appends `n` copies of c. */
int expr_text_fill(expr_text_buf_t *b, char c, size_t n);
/* Appends one code point (a lone surrogate is written as its 3-byte form, see below). */
int expr_text_put_cp(expr_text_buf_t *b, uint32_t cp);
int expr_text_printf(expr_text_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The buffer as a string value (the buffer's memory is the string's). */
int expr_text_finish(expr_text_buf_t *b, expr_value_t *out);

/* A text buffer for writers that append many pieces and check once at the end (the
 * DateTime format engine, Regex replacement): the first failed append is remembered (its
 * exception is in rt), later appends do nothing. Zero-initialise with the runtime:
 * `expr_text_sink_t s = {.text = {.rt = rt}}`. An empty piece allocates nothing. */
typedef struct {
    expr_text_buf_t text;
    bool failed;
} expr_text_sink_t;

void expr_text_sink_put(expr_text_sink_t *s, const char *p, size_t n);
void expr_text_sink_put_cp(expr_text_sink_t *s, uint32_t cp);
/* The text as a string value, or EXPR_THROWN when an append failed. */
int expr_text_sink_finish(expr_text_sink_t *s, expr_value_t *out);

/* ---- UTF-8 and UTF-16 ----
 * Strings are UTF-8. A lone surrogate (what Substring can cut out of a pair) is kept as its
 * 3-byte encoding (ED A0..BF xx) so that positions stay right; invalid UTF-8 decodes as
 * U+FFFD per bad byte. */
bool expr_text_is_ascii(const char *p, size_t len);
/* The code point at p[*i], advancing *i. */
uint32_t expr_text_next_cp(const char *p, size_t len, size_t *i);
/* The length in UTF-16 code units. */
size_t expr_text_u16_len(const char *p, size_t len);
/* The byte offset of UTF-16 position `unit` (unit <= u16 length). */
size_t expr_text_u16_offset(const char *p, size_t len, size_t unit);
/* The UTF-16 position of byte offset `off` (at a code point boundary). */
size_t expr_text_u16_pos(const char *p, size_t len, size_t off);

typedef struct {
    uint16_t *u;
    size_t n;
} expr_u16_t;
/* A string's UTF-16 code units (arena). */
int expr_text_to_u16(expr_rt_t *rt, const char *p, size_t len, expr_u16_t *out);
/* A string value from UTF-16 code units (arena). */
int expr_text_from_u16(expr_rt_t *rt, const uint16_t *u, size_t n, expr_value_t *out);
int expr_text_put_u16(expr_text_buf_t *b, const uint16_t *u, size_t n);

/* ---- characters (.NET invariant culture, one UTF-16 code unit) ---- */
bool expr_text_is_white(uint32_t c); /* char.IsWhiteSpace */
bool expr_text_is_digit(uint32_t c); /* char.IsDigit (decimal digits) */
bool expr_text_is_letter(uint32_t c);
bool expr_text_is_upper(uint32_t c);
bool expr_text_is_lower(uint32_t c);
uint32_t expr_text_upper(uint32_t c); /* ToUpperInvariant (simple case mapping) */
uint32_t expr_text_lower(uint32_t c);

/* ---- arguments ---- */
/* args[i] as a string: STRING → its bytes; NULL → ArgumentNullException naming `param`
 * unless allow_null (then *is_null); any other tag → ArgumentException. */
int expr_text_arg_str(expr_rt_t *rt, const expr_value_t *v, const char *param, bool allow_null,
                      const char **p, size_t *len);
/* args[i] as an int (int, or a long/char that fits): else ArgumentException. */
int expr_text_arg_int(expr_rt_t *rt, const expr_value_t *v, const char *param, int32_t *out);
/* A byte[] argument (null → ArgumentNullException, other tags → ArgumentException). */
int expr_text_arg_bytes(expr_rt_t *rt, const expr_value_t *v, const char *param,
                        const unsigned char **p, size_t *len);
/* The range [offset, offset+count) of a buffer of `len` from the optional arguments
 * args[first], args[first+1] (absent: the whole buffer / the rest). */
int expr_text_arg_range(expr_rt_t *rt, expr_value_t *args, unsigned argc, unsigned first, size_t len,
                        const char *off_name, const char *count_name, size_t *off, size_t *count);
/* The (buffer, offset, count) checks of .NET's crypto transforms (HashAlgorithm.ComputeHash,
 * ICryptoTransform.TransformFinalBlock) on a buffer of `len`: a negative offset is an
 * ArgumentOutOfRangeException naming off_param, a range past the end an ArgumentException. */
int expr_text_check_block(expr_rt_t *rt, int64_t off, int64_t count, size_t len, const char *off_param);
/* A new byte[] of `len` bytes (arena) to fill through *p. */
int expr_text_make_bytes(expr_rt_t *rt, size_t len, unsigned char **p, expr_value_t *out);
/* A numeric value (int, long, double, char) as a double / long. */
bool expr_text_num_double(const expr_value_t *v, double *out);
bool expr_text_is_integer(const expr_value_t *v); /* int, long (not char) */

/* ToString() of any value: primitives here (null → ""), objects through their class's
 * to_string, the rest through expr_value_to_string (value.c). */
int expr_text_value_string(expr_rt_t *rt, const expr_value_t *v, expr_value_t *out);
int expr_text_put_value(expr_text_buf_t *b, const expr_value_t *v);

/* The signature of every native of these libraries (value.h: expr_native_fn). */
#define EXPR_NATIVE(fn)                                                                        \
    static int fn(__attribute__((unused)) expr_rt_t *rt, __attribute__((unused)) const expr_call_t *call,              \
                  __attribute__((unused)) const expr_value_t *self,                            \
                  __attribute__((unused)) expr_value_t *args, __attribute__((unused)) unsigned argc, \
                  expr_value_t *out)

/* The same, for a native defined in one file and listed in another's member table. */
#define EXPR_NATIVE_DECL(fn)                                                                   \
    int fn(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self, expr_value_t *args, \
           unsigned argc, expr_value_t *out)
#define EXPR_NATIVE_EXTERN(fn)                                                                 \
    int fn(__attribute__((unused)) expr_rt_t *rt, __attribute__((unused)) const expr_call_t *call, \
           __attribute__((unused)) const expr_value_t *self,                                   \
           __attribute__((unused)) expr_value_t *args, __attribute__((unused)) unsigned argc,  \
           expr_value_t *out)

/* Enum constants (StringComparison.Ordinal, StringSplitOptions.None, MidpointRounding...)
 * are ints, marked with this `aux` so that a native can tell s.IndexOf("a", 4) from
 * s.IndexOf("a", StringComparison.Ordinal) — C# tells them apart by static type. */
#define EXPR_TEXT_ENUM_AUX 0x45
static inline expr_value_t expr_text_enum(int32_t v)
{
    expr_value_t e = expr_int(v);
    e.aux = EXPR_TEXT_ENUM_AUX;
    return e;
}
static inline bool expr_text_is_enum(const expr_value_t *v)
{
    return v->tag == EXPR_V_INT && v->aux == EXPR_TEXT_ENUM_AUX;
}

/* An IFormatProvider argument (CultureInfo.InvariantCulture...): accepted and ignored, every
 * format here is the invariant culture's (the current culture, en-US, formats numbers the
 * same way). */
static inline bool expr_text_is_provider(const expr_value_t *v)
{
    return v->tag == EXPR_V_OBJECT && v->u.obj.cls && v->u.obj.cls->full_name &&
           !strcmp(v->u.obj.cls->full_name, "System.Globalization.CultureInfo");
}

/* Composite formatting (string.Format, StringBuilder.AppendFormat): "{0}", "{1,-8}",
 * "{0:D4}", "{{" — a format item with a format string goes to the argument's
 * ToString(format) member. args may be one object[]/string[] (C#'s params array). */
int expr_text_format(expr_text_buf_t *b, const char *fmt, size_t fmt_len,
                     const expr_value_t *args, unsigned argc);

extern const expr_class_t expr_class_string_builder;
extern const expr_class_t expr_class_string_comparison;
extern const expr_class_t expr_class_string_split_options;

/* ---- numbers (invariant culture; lib_numfmt.c) ---- */
/* Appends v (int, long or double) formatted with a .NET standard ("D4", "N2", "X", "G",
 * "E3", "P", "F", "R", "C") or custom ("0.00", "#,##0", "000") numeric format;
 * fmt NULL or empty = "G". Bad format → FormatException. */
int expr_numfmt(expr_text_buf_t *b, const expr_value_t *v, const char *fmt, size_t fmt_len);
/* double.ToString(): the shortest round-trip form; scientific ("1E+17", "1E-05") when the
 * decimal exponent passes max(17, digits) or is below -4 (.NET Core 3.0+ FormatGeneral with
 * DoublePrecision 17). */
int expr_numfmt_double(expr_text_buf_t *b, double d);

/* Parsing with .NET's invariant rules (lib_number.c): 0 = parsed, 1 = bad format,
 * 2 = out of [min, max] (ints only). Leading/trailing white space and a sign are allowed;
 * doubles also take thousands separators, an exponent, "NaN", "Infinity", "∞". */
int expr_numparse_int(const char *p, size_t len, int64_t min, int64_t max, int64_t *out);
int expr_numparse_double(const char *p, size_t len, double *out);
int expr_numparse_bool(const char *p, size_t len, bool *out);

extern const expr_class_t expr_class_math;
extern const expr_class_t expr_class_random; /* lib_random.c */
extern const expr_class_t expr_class_convert;
extern const expr_class_t expr_class_bit_converter;
extern const expr_class_t expr_class_encoding;
extern const expr_class_t expr_class_midpoint_rounding;

#endif
