/* lib_io: StringReader, StringWriter and their bases TextReader, TextWriter (lib_io.h). */
#include "expr/lib_io.h"

#include "expr/lib_text.h"

#include <string.h>

#define T(c) {(c), NULL}
#define MEMBER(n, k, lo, hi, t, f) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = t, .fn = f}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int null_self(expr_rt_t *rt)
{
    return expr_throw(rt, "NullReferenceException", "Object reference not set to an instance of an object.");
}

/* ---- StringReader ---- */

typedef struct {
    const char *text;
    uint32_t len, pos; /* pos: byte offset of the next code point */
    uint16_t low;      /* the low surrogate Read() owes after giving a high one; 0: none */
    bool is_closed;
} string_reader_t;

static int self_reader(expr_rt_t *rt, const expr_value_t *self, string_reader_t **r)
{
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_string_reader) return null_self(rt);
    *r = self->u.obj.ptr;
    if ((*r)->is_closed) return expr_throw(rt, "ObjectDisposedException", "Cannot read from a closed TextReader.");
    return 0;
}

EXPR_NATIVE(reader_new)
{
    const char *p;
    size_t n;
    if (expr_text_arg_str(rt, &args[0], "s", false, &p, &n)) return EXPR_THROWN;
    string_reader_t *r = expr_rt_alloc(rt, sizeof *r);
    if (!r) return EXPR_THROWN;
    *r = (string_reader_t){.text = p, .len = (uint32_t)n};
    *out = expr_object(&expr_class_string_reader, r);
    return 0;
}

/* The next UTF-16 code unit (-1 at the end); advances when `consume`. */
static int32_t next_unit(string_reader_t *r, bool consume)
{
    if (r->low) {
        int32_t u = r->low;
        if (consume) r->low = 0;
        return u;
    }
    if (r->pos >= r->len) return -1;
    size_t i = r->pos;
    uint32_t cp = expr_text_next_cp(r->text, r->len, &i);
    if (cp < 0x10000) {
        if (consume) r->pos = (uint32_t)i;
        return (int32_t)cp;
    }
    if (consume) {
        r->pos = (uint32_t)i;
        r->low = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
    }
    return (int32_t)(0xD800 + ((cp - 0x10000) >> 10));
}

EXPR_NATIVE(reader_peek)
{
    string_reader_t *r = NULL;
    if (self_reader(rt, self, &r)) return EXPR_THROWN;
    *out = expr_int(next_unit(r, false));
    return 0;
}

EXPR_NATIVE(reader_read)
{
    string_reader_t *r = NULL;
    if (self_reader(rt, self, &r)) return EXPR_THROWN;
    *out = expr_int(next_unit(r, true));
    return 0;
}

/* The text from the reader's position to byte `end` (the owed low surrogate first, in the
 * 3-byte form value.h uses for a lone surrogate). */
static int take_until(expr_rt_t *rt, string_reader_t *r, uint32_t end, expr_value_t *out)
{
    if (!r->low) {
        /* a slice of the string read: immutable and as long-lived as it */
        *out = expr_str_ref(r->text + r->pos, end - r->pos);
        r->pos = end;
        return 0;
    }
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (expr_text_put_cp(&b, r->low) || expr_text_put(&b, r->text + r->pos, end - r->pos)) return EXPR_THROWN;
    r->low = 0;
    r->pos = end;
    return expr_text_finish(&b, out);
}

EXPR_NATIVE(reader_read_to_end)
{
    string_reader_t *r = NULL;
    if (self_reader(rt, self, &r)) return EXPR_THROWN;
    return take_until(rt, r, r->len, out);
}

/* ReadLine: up to "\r\n", "\r" or "\n" (not included); null at the end. */
EXPR_NATIVE(reader_read_line)
{
    string_reader_t *r = NULL;
    if (self_reader(rt, self, &r)) return EXPR_THROWN;
    if (!r->low && r->pos >= r->len) {
        *out = expr_null();
        return 0;
    }
    uint32_t end = r->pos;
    while (end < r->len && r->text[end] != '\r' && r->text[end] != '\n') end++;
    if (take_until(rt, r, end, out)) return EXPR_THROWN;
    if (r->pos < r->len) {
        bool is_crlf = r->text[r->pos] == '\r' && r->pos + 1 < r->len && r->text[r->pos + 1] == '\n';
        r->pos += is_crlf ? 2 : 1;
    }
    return 0;
}

EXPR_NATIVE(reader_close)
{
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_string_reader) return null_self(rt);
    ((string_reader_t *)self->u.obj.ptr)->is_closed = true;
    *out = expr_null();
    return 0;
}

int expr_io_reader_take_rest(expr_rt_t *rt, const expr_value_t *v, const char *param, expr_value_t *out)
{
    if (v->tag == EXPR_V_NULL) return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    if (v->tag != EXPR_V_OBJECT || !expr_class_is(v->u.obj.cls, &expr_class_text_reader))
        return expr_throw(rt, "ArgumentException", "A TextReader is expected. (Parameter '%s')", param);
    string_reader_t *r = NULL;
    if (self_reader(rt, v, &r)) return EXPR_THROWN;
    return take_until(rt, r, r->len, out);
}

/* ---- StringWriter ---- */

typedef struct {
    expr_text_buf_t buf;
    bool is_closed;
} string_writer_t;

/* The writer of self, its buffer allocating in this evaluation's runtime (a writer kept in a
 * variable is used by later expressions of the request, as StringBuilder). */
static int self_writer(expr_rt_t *rt, const expr_value_t *self, bool for_write, string_writer_t **w)
{
    if (!self || self->tag != EXPR_V_OBJECT || self->u.obj.cls != &expr_class_string_writer) return null_self(rt);
    *w = self->u.obj.ptr;
    (*w)->buf.rt = rt;
    if (for_write && (*w)->is_closed)
        return expr_throw(rt, "ObjectDisposedException", "Cannot write to a closed TextWriter.");
    return 0;
}

EXPR_NATIVE(writer_new)
{
    /* new StringWriter() / new StringWriter(IFormatProvider): formatting is invariant anyway */
    if (argc && args[0].tag != EXPR_V_NULL && !expr_text_is_provider(&args[0]))
        return expr_throw(rt, "ArgumentException", "An IFormatProvider is expected. (Parameter 'formatProvider')");
    string_writer_t *w = expr_rt_alloc(rt, sizeof *w);
    if (!w) return EXPR_THROWN;
    expr_text_buf_init(&w->buf, rt);
    w->is_closed = false;
    *out = expr_object(&expr_class_string_writer, w);
    return 0;
}

/* Write(value) / Write(char[]) / Write(format, args...) into the buffer. */
static int put_written(string_writer_t *w, expr_value_t *args, unsigned argc)
{
    if (argc >= 2 && args[0].tag == EXPR_V_STRING) {
        const expr_value_t *items = args + 1;
        unsigned n = argc - 1;
        if (n == 1 && args[1].tag == EXPR_V_ARRAY && args[1].u.arr.elem != &expr_class_char) {
            items = args[1].u.arr.items; /* Write(format, object[]): C#'s params array */
            n = args[1].u.arr.count;
        }
        return expr_text_format(&w->buf, args[0].u.s.ptr, args[0].u.s.len, items, n);
    }
    if (argc == 0 || args[0].tag == EXPR_V_NULL) return 0;
    if (args[0].tag == EXPR_V_ARRAY && args[0].u.arr.elem == &expr_class_char) {
        for (uint32_t k = 0; k < args[0].u.arr.count; k++)
            if (expr_text_put_value(&w->buf, &args[0].u.arr.items[k])) return EXPR_THROWN;
        return 0;
    }
    if (argc > 1)
        return expr_throw(w->buf.rt, "ArgumentException", "Write takes a value, or a format string and its arguments.");
    return expr_text_put_value(&w->buf, &args[0]);
}

EXPR_NATIVE(writer_write)
{
    string_writer_t *w = NULL;
    if (self_writer(rt, self, true, &w) || put_written(w, args, argc)) return EXPR_THROWN;
    *out = expr_null();
    return 0;
}

EXPR_NATIVE(writer_write_line)
{
    string_writer_t *w = NULL;
    if (self_writer(rt, self, true, &w) || put_written(w, args, argc) || expr_text_put(&w->buf, "\r\n", 2))
        return EXPR_THROWN;
    *out = expr_null();
    return 0;
}

EXPR_NATIVE(writer_new_line)
{
    *out = expr_str_ref("\r\n", 2);
    return 0;
}

/* Flush(): a StringWriter holds nothing back, its text is in the buffer already. */
EXPR_NATIVE(writer_flush)
{
    string_writer_t *w = NULL;
    if (self_writer(rt, self, true, &w)) return EXPR_THROWN;
    *out = expr_null();
    return 0;
}

EXPR_NATIVE(writer_close)
{
    string_writer_t *w = NULL;
    if (self_writer(rt, self, false, &w)) return EXPR_THROWN;
    w->is_closed = true;
    *out = expr_null();
    return 0;
}

static int writer_content(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    string_writer_t *w = NULL;
    if (self_writer(rt, self, false, &w)) return EXPR_THROWN;
    /* copied: the writer may go on writing after ToString */
    return expr_str_copy(rt, w->buf.ptr ? w->buf.ptr : "", w->buf.len, out);
}

EXPR_NATIVE(writer_to_string)
{
    return writer_content(rt, self, out);
}

/* ---- class tables ---- */

static const expr_member_t text_reader_members[] = {
    MEMBER("Peek", EXPR_M_METHOD, 0, 0, T(&expr_class_int), reader_peek),
    MEMBER("Read", EXPR_M_METHOD, 0, 0, T(&expr_class_int), reader_read),
    MEMBER("ReadLine", EXPR_M_METHOD, 0, 0, T(&expr_class_string), reader_read_line),
    MEMBER("ReadToEnd", EXPR_M_METHOD, 0, 0, T(&expr_class_string), reader_read_to_end),
    MEMBER("Close", EXPR_M_METHOD, 0, 0, T(&expr_class_void), reader_close),
    MEMBER("Dispose", EXPR_M_METHOD, 0, 0, T(&expr_class_void), reader_close),
};

const expr_class_t expr_class_text_reader = {
    .name = "TextReader",
    .full_name = "System.IO.TextReader",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = text_reader_members,
    .member_count = COUNT(text_reader_members),
};

static const expr_type_t reader_new_params[] = {T(&expr_class_string)};

static const expr_member_t string_reader_members[] = {
    {.name = ".ctor", .kind = EXPR_M_CONSTRUCTOR, .min_args = 1, .max_args = 1, .params = reader_new_params,
     .fn = reader_new},
};

const expr_class_t expr_class_string_reader = {
    .name = "StringReader",
    .full_name = "System.IO.StringReader",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_text_reader,
    .members = string_reader_members,
    .member_count = COUNT(string_reader_members),
};

static const expr_member_t text_writer_members[] = {
    MEMBER("Write", EXPR_M_METHOD, 1, 255, T(&expr_class_void), writer_write),
    MEMBER("WriteLine", EXPR_M_METHOD, 0, 255, T(&expr_class_void), writer_write_line),
    MEMBER("NewLine", EXPR_M_PROPERTY, 0, 0, T(&expr_class_string), writer_new_line),
    MEMBER("Flush", EXPR_M_METHOD, 0, 0, T(&expr_class_void), writer_flush),
    MEMBER("Close", EXPR_M_METHOD, 0, 0, T(&expr_class_void), writer_close),
    MEMBER("Dispose", EXPR_M_METHOD, 0, 0, T(&expr_class_void), writer_close),
};

const expr_class_t expr_class_text_writer = {
    .name = "TextWriter",
    .full_name = "System.IO.TextWriter",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .members = text_writer_members,
    .member_count = COUNT(text_writer_members),
};

static const expr_member_t string_writer_members[] = {
    MEMBER(".ctor", EXPR_M_CONSTRUCTOR, 0, 1, T(&expr_class_string_writer), writer_new),
    MEMBER("ToString", EXPR_M_METHOD, 0, 0, T(&expr_class_string), writer_to_string),
};

const expr_class_t expr_class_string_writer = {
    .name = "StringWriter",
    .full_name = "System.IO.StringWriter",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_text_writer,
    .members = string_writer_members,
    .member_count = COUNT(string_writer_members),
    .to_string = writer_content,
};

const expr_class_t *const expr_lib_io_classes[] = {
    &expr_class_text_reader, &expr_class_string_reader, &expr_class_text_writer, &expr_class_string_writer, NULL,
};
