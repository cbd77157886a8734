/* Regex's members (static and instance), RegexOptions, the .NET substitution language and
 * Escape/Unescape (lib_regex.h). Matching and the result classes are in lib_regex.c. */
#include "expr/lib_regex_internal.h"

#include <stdio.h>
#include <string.h>

#define NATIVE(name)                                                                              \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,             \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

static const expr_class_t cls_regex;

/* ---- substitutions (.NET "Substitutions in Regular Expressions") ---- */

static void put_group(expr_text_sink_t *b, const rx_match_t *m, int64_t num)
{
    if (num < 0 || num >= m->group_count || m->offsets[2 * num] < 0) return;
    expr_text_sink_put(b, m->subject + m->offsets[2 * num], (size_t)(m->offsets[2 * num + 1] - m->offsets[2 * num]));
}

void rx_substitute(expr_text_sink_t *b, const rx_match_t *m, const char *r, size_t rl)
{
    for (size_t i = 0; i < rl;) {
        if (r[i] != '$' || i + 1 >= rl) {
            size_t j = i + 1;
            while (j < rl && r[j] != '$') j++;
            expr_text_sink_put(b, r + i, j - i);
            i = j;
            continue;
        }
        char c = r[i + 1];
        if (c == '$') {
            expr_text_sink_put(b, "$", 1);
            i += 2;
        } else if (c == '&') {
            put_group(b, m, 0);
            i += 2;
        } else if (c == '`') {
            expr_text_sink_put(b, m->subject, (size_t)m->offsets[0]);
            i += 2;
        } else if (c == '\'') {
            expr_text_sink_put(b, m->subject + m->offsets[1], m->subject_len - (size_t)m->offsets[1]);
            i += 2;
        } else if (c == '+') {
            put_group(b, m, (int64_t)m->group_count - 1);
            i += 2;
        } else if (c == '_') {
            expr_text_sink_put(b, m->subject, m->subject_len);
            i += 2;
        } else if (c >= '0' && c <= '9') {
            /* all the digits make the number; not a group → the '$' is literal */
            size_t j = i + 1;
            int64_t num = 0;
            while (j < rl && r[j] >= '0' && r[j] <= '9') {
                if (num < 100000000) num = num * 10 + (r[j] - '0');
                j++;
            }
            if (num < m->group_count) {
                put_group(b, m, num);
                i = j;
            } else {
                expr_text_sink_put(b, "$", 1);
                i++;
            }
        } else if (c == '{') {
            size_t j = i + 2;
            while (j < rl && r[j] != '}') j++;
            int64_t num = j < rl ? rx_group_number(m, r + i + 2, j - (i + 2)) : -1;
            if (num >= 0) {
                put_group(b, m, num);
                i = j + 1;
            } else {
                expr_text_sink_put(b, "$", 1);
                i++;
            }
        } else {
            expr_text_sink_put(b, "$", 1);
            i++;
        }
    }
}

/* ---- arguments ---- */

static int arg_string(expr_rt_t *rt, const expr_value_t *v, const char *param, const char **s, size_t *n)
{
    if (v->tag == EXPR_V_STRING) {
        *s = v->u.s.ptr;
        *n = v->u.s.len;
        return 0;
    }
    if (v->tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')", param);
    return expr_throw(rt, "ArgumentException", "The argument '%s' must be a string.", param);
}

static int arg_int(expr_rt_t *rt, const expr_value_t *v, const char *param, int64_t *out)
{
    if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG) {
        *out = v->u.i;
        return 0;
    }
    return expr_throw(rt, "ArgumentException", "The argument '%s' must be an int.", param);
}

/* The options argument (RegexOptions is an int) and an ignored TimeSpan match timeout: the
 * engine's backtracking limits stand for the timeout. */
static int arg_options(expr_rt_t *rt, expr_value_t *args, unsigned argc, unsigned at, int *options)
{
    *options = 0;
    if (argc > at) {
        int64_t o = 0;
        if (arg_int(rt, &args[at], "options", &o)) return EXPR_THROWN;
        *options = (int)o;
    }
    if (argc > at + 1 && args[at + 1].tag != EXPR_V_TIMESPAN)
        return expr_throw(rt, "ArgumentException", "The argument 'matchTimeout' must be a TimeSpan.");
    return 0;
}

/* A UTF-16 position of the input → byte offset. */
static int arg_position(expr_rt_t *rt, const expr_value_t *v, const char *param, const char *s,
                        size_t n, size_t *byte)
{
    int64_t u = 0;
    if (arg_int(rt, v, param, &u)) return EXPR_THROWN;
    int64_t b = u < 0 ? -1 : rx_byte_offset(s, n, u);
    if (b < 0)
        return expr_throw(rt, "ArgumentOutOfRangeException",
                          "Start index cannot be less than 0 or greater than input length. (Parameter '%s')",
                          param);
    *byte = (size_t)b;
    return 0;
}

/* The compiled pattern of a call: the instance's, or the static call's pattern argument
 * args[at] with options at args[at + 1]. */
static int regex_of(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc,
                    unsigned at, rx_code_t **c)
{
    if (self) {
        *c = self->u.obj.ptr;
        return 0;
    }
    const char *p = NULL;
    size_t pn = 0;
    int options = 0;
    if (arg_string(rt, &args[at], "pattern", &p, &pn) || arg_options(rt, args, argc, at + 1, &options))
        return EXPR_THROWN;
    return rx_compile(rt, p, pn, options, c);
}

/* The arguments of IsMatch and Matches: (input[, startat]) on an instance, (input, pattern[,
 * options[, timeout]]) on the class. */
static int input_regex_start(expr_rt_t *rt, const expr_value_t *self, expr_value_t *args, unsigned argc,
                             const char **s, size_t *n, rx_code_t **c, size_t *start)
{
    if (arg_string(rt, &args[0], "input", s, n) || regex_of(rt, self, args, argc, 1, c)) return EXPR_THROWN;
    if (self && argc > 1 && arg_position(rt, &args[1], "startat", *s, *n, start)) return EXPR_THROWN;
    return 0;
}

/* ---- iteration over successive matches (.NET: after an empty match, the next search
 * starts one character further) ---- */

typedef int (*rx_each_fn)(void *ctx, const int64_t *offsets, size_t next);

static int rx_each(expr_rt_t *rt, rx_code_t *c, const char *s, size_t end, size_t start,
                   int64_t max, rx_each_fn fn, void *ctx)
{
    int64_t *offs = expr_rt_alloc(rt, sizeof *offs * 2 * c->group_count);
    pcre2_match_data *md;
    if (!offs || rx_data_create(rt, c, &md)) return EXPR_THROWN;
    size_t pos = start;
    int64_t count = 0;
    int rc = 0;
    while (pos <= end && (max < 0 || count < max)) {
        bool found = false;
        rc = rx_exec(rt, c, md, s, end, pos, offs, &found);
        if (rc || !found) break;
        size_t ms = (size_t)offs[0], me = (size_t)offs[1];
        size_t next = me == ms ? rx_next_char(s, end, me) : me;
        rc = fn(ctx, offs, next);
        if (rc) break;
        count++;
        pos = next;
    }
    pcre2_match_data_free(md);
    return rc;
}

/* One search of s[0, end) from `start`: *found, and the groups' offsets in *offs (arena). */
static int rx_search(expr_rt_t *rt, rx_code_t *c, const char *s, size_t end, size_t start, int64_t **offs,
                     bool *found)
{
    *offs = expr_rt_alloc(rt, sizeof **offs * 2 * c->group_count);
    pcre2_match_data *md;
    if (!*offs || rx_data_create(rt, c, &md)) return EXPR_THROWN;
    *found = false;
    int rc = rx_exec(rt, c, md, s, end, start, *offs, found);
    pcre2_match_data_free(md);
    return rc;
}

int rx_find(expr_rt_t *rt, rx_code_t *c, const char *s, size_t n, size_t end, size_t start,
            bool ascii, expr_value_t *out)
{
    int64_t *offs;
    bool found;
    int rc = rx_search(rt, c, s, end, start, &offs, &found);
    if (rc) return rc;
    if (!found) {
        /* .NET returns the Match.Empty singleton (one group; == Match.Empty holds) */
        *out = rx_empty_match_value();
        return 0;
    }
    size_t next = offs[0] == offs[1] ? rx_next_char(s, end, (size_t)offs[1]) : (size_t)offs[1];
    rx_match_t *m;
    if (rx_match_new(rt, c, s, n, end, ascii, offs, true, next, &m)) return EXPR_THROWN;
    *out = rx_match_value(m);
    return 0;
}

/* ---- Regex members ---- */

/* new Regex(pattern[, options[, matchTimeout]]) */
NATIVE(regex_ctor)
{
    UNUSED_ARGS;
    rx_code_t *c;
    if (regex_of(rt, NULL, args, argc, 0, &c)) return EXPR_THROWN;
    *out = expr_object(&cls_regex, c);
    return 0;
}

/* Where the input argument is: instance methods take it first, static ones too. */
NATIVE(regex_is_match)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0, start = 0;
    rx_code_t *c;
    if (input_regex_start(rt, self, args, argc, &s, &n, &c, &start)) return EXPR_THROWN;
    int64_t *offs;
    bool found;
    int rc = rx_search(rt, c, s, n, start, &offs, &found);
    if (rc) return rc;
    *out = expr_bool(found);
    return 0;
}

/* Match(input[, startat]) | Match(input, beginning, length) | static Match(input, pattern[, options[, timeout]]) */
NATIVE(regex_match)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0, start = 0, end = 0;
    rx_code_t *c;
    if (arg_string(rt, &args[0], "input", &s, &n) || regex_of(rt, self, args, argc, 1, &c)) return EXPR_THROWN;
    end = n;
    if (self && argc == 2 && arg_position(rt, &args[1], "startat", s, n, &start)) return EXPR_THROWN;
    if (self && argc == 3) {
        int64_t len = 0;
        if (arg_position(rt, &args[1], "beginning", s, n, &start) || arg_int(rt, &args[2], "length", &len))
            return EXPR_THROWN;
        int64_t b = len < 0 ? -1 : rx_byte_offset(s + start, n - start, len);
        if (b < 0)
            return expr_throw(rt, "ArgumentOutOfRangeException",
                              "Specified argument was out of the range of valid values. (Parameter 'length')");
        end = start + (size_t)b;
    }
    return rx_find(rt, c, s, n, end, start, rx_is_ascii(s, n), out);
}

/* The growing result of Matches and Split (arena memory: outgrown arrays stay there). */
typedef struct {
    expr_value_t *items;
    uint32_t count, cap;
} value_list_t;

static int value_list_push(expr_rt_t *rt, value_list_t *l, expr_value_t v)
{
    if (l->count == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        expr_value_t *items = expr_rt_alloc(rt, sizeof *items * cap);
        if (!items) return EXPR_THROWN;
        if (l->count) memcpy(items, l->items, sizeof *items * l->count);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = v;
    return 0;
}

typedef struct {
    expr_rt_t *rt;
    rx_code_t *code;
    const char *s;
    size_t n;
    bool ascii;
    value_list_t found;
} collect_t;

static int collect_match(void *ctx, const int64_t *offsets, size_t next)
{
    collect_t *c = ctx;
    rx_match_t *m;
    if (rx_match_new(c->rt, c->code, c->s, c->n, c->n, c->ascii, offsets, true, next, &m)) return EXPR_THROWN;
    return value_list_push(c->rt, &c->found, rx_match_value(m));
}

NATIVE(regex_matches)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0, start = 0;
    rx_code_t *c;
    if (input_regex_start(rt, self, args, argc, &s, &n, &c, &start)) return EXPR_THROWN;
    collect_t col = {.rt = rt, .code = c, .s = s, .n = n, .ascii = rx_is_ascii(s, n)};
    if (rx_each(rt, c, s, n, start, -1, collect_match, &col)) return EXPR_THROWN;
    rx_match_list_t *l = expr_rt_alloc(rt, sizeof *l);
    if (!l) return EXPR_THROWN;
    l->items = col.found.items;
    l->count = col.found.count;
    *out = expr_object(&rx_class_match_collection, l);
    return 0;
}

typedef struct {
    expr_rt_t *rt;
    rx_code_t *code;
    const char *s;
    size_t n;
    const char *repl;
    size_t repl_len;
    const expr_value_t *evaluator; /* a MatchEvaluator lambda, or NULL */
    bool ascii;
    size_t prev;
    expr_text_sink_t buf;
} replace_t;

static int replace_one(void *ctx, const int64_t *offsets, size_t next)
{
    replace_t *r = ctx;
    expr_text_sink_put(&r->buf, r->s + r->prev, (size_t)offsets[0] - r->prev);
    if (r->evaluator) {
        /* MatchEvaluator: the lambda's string replaces the match (null: nothing) */
        rx_match_t *m;
        expr_value_t arg, res, text;
        if (rx_match_new(r->rt, r->code, r->s, r->n, r->n, r->ascii, offsets, true, next, &m))
            return EXPR_THROWN;
        arg = rx_match_value(m);
        if (expr_rt_invoke(r->rt, r->evaluator, &arg, 1, &res)) return EXPR_THROWN;
        if (res.tag != EXPR_V_NULL) {
            if (expr_value_to_string(r->rt, &res, &text)) return EXPR_THROWN;
            expr_text_sink_put(&r->buf, text.u.s.ptr, text.u.s.len);
        }
        r->prev = (size_t)offsets[1];
        return r->buf.failed ? EXPR_THROWN : 0;
    }
    rx_match_t m = {.code = r->code, .subject = r->s, .subject_len = r->n, .end = r->n,
                    .success = true, .group_count = r->code->group_count,
                    .offsets = (int64_t *)offsets};
    rx_substitute(&r->buf, &m, r->repl, r->repl_len);
    r->prev = (size_t)offsets[1];
    return r->buf.failed ? EXPR_THROWN : 0;
}

/* Replace(input, replacement[, count[, startat]]) | static Replace(input, pattern, replacement[, options[, timeout]]) */
NATIVE(regex_replace)
{
    UNUSED_ARGS;
    const char *s = NULL, *repl = NULL;
    size_t n = 0, rl = 0, start = 0;
    int64_t count = -1;
    rx_code_t *c;
    unsigned ri = self ? 1 : 2;
    if (arg_string(rt, &args[0], "input", &s, &n)) return EXPR_THROWN;
    const expr_value_t *evaluator = args[ri].tag == EXPR_V_LAMBDA ? &args[ri] : NULL;
    if (evaluator) repl = "", rl = 0;
    else if (arg_string(rt, &args[ri], "replacement", &repl, &rl)) return EXPR_THROWN;
    if (self) {
        c = self->u.obj.ptr;
        if (argc > 2 && arg_int(rt, &args[2], "count", &count)) return EXPR_THROWN;
        if (count < -1)
            return expr_throw(rt, "ArgumentOutOfRangeException", "Count cannot be less than -1. (Parameter 'count')");
        if (argc > 3 && arg_position(rt, &args[3], "startat", s, n, &start)) return EXPR_THROWN;
    } else {
        const char *p = NULL;
        size_t pn = 0;
        int options = 0;
        if (arg_string(rt, &args[1], "pattern", &p, &pn) || arg_options(rt, args, argc, 3, &options) ||
            rx_compile(rt, p, pn, options, &c))
            return EXPR_THROWN;
    }
    replace_t r = {.rt = rt, .code = c, .s = s, .n = n, .repl = repl, .repl_len = rl,
                   .evaluator = evaluator, .ascii = rx_is_ascii(s, n), .buf = {.text = {.rt = rt}}};
    if (count == 0) {
        *out = args[0];
        return 0;
    }
    if (rx_each(rt, c, s, n, start, count, replace_one, &r)) return EXPR_THROWN;
    if (r.buf.text.len == 0 && r.prev == 0 && r.buf.text.ptr == NULL) {
        *out = args[0]; /* no match: the input itself, as .NET */
        return 0;
    }
    expr_text_sink_put(&r.buf, s + r.prev, n - r.prev);
    return expr_text_sink_finish(&r.buf, out);
}

typedef struct {
    expr_rt_t *rt;
    rx_code_t *code;
    const char *s;
    size_t prev;
    value_list_t pieces;
} split_t;

static int split_add(split_t *sp, const char *p, size_t n)
{
    return value_list_push(sp->rt, &sp->pieces, expr_str_ref(n ? p : "", n));
}

/* A piece before each match, then the match's captured groups (as .NET does), then the rest. */
static int split_one(void *ctx, const int64_t *offsets, size_t next)
{
    (void)next;
    split_t *sp = ctx;
    if (split_add(sp, sp->s + sp->prev, (size_t)offsets[0] - sp->prev)) return EXPR_THROWN;
    for (uint32_t g = 1; g < sp->code->group_count; g++)
        if (offsets[2 * g] >= 0 &&
            split_add(sp, sp->s + offsets[2 * g], (size_t)(offsets[2 * g + 1] - offsets[2 * g])))
            return EXPR_THROWN;
    sp->prev = (size_t)offsets[1];
    return 0;
}

/* Split(input[, count[, startat]]) | static Split(input, pattern[, options[, timeout]]) */
NATIVE(regex_split)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0, start = 0;
    int64_t count = 0;
    rx_code_t *c;
    if (arg_string(rt, &args[0], "input", &s, &n) || regex_of(rt, self, args, argc, 1, &c)) return EXPR_THROWN;
    if (self && argc > 1 && arg_int(rt, &args[1], "count", &count)) return EXPR_THROWN;
    if (count < 0)
        return expr_throw(rt, "ArgumentOutOfRangeException", "Count cannot be less than -1. (Parameter 'count')");
    if (self && argc > 2 && arg_position(rt, &args[2], "startat", s, n, &start)) return EXPR_THROWN;
    split_t sp = {.rt = rt, .code = c, .s = s};
    if (count != 1 && rx_each(rt, c, s, n, start, count == 0 ? -1 : count - 1, split_one, &sp))
        return EXPR_THROWN;
    if (split_add(&sp, s + sp.prev, n - sp.prev)) return EXPR_THROWN;
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {sp.pieces.items, sp.pieces.count, &expr_class_string}};
    return 0;
}

/* Escape: \ * + ? | { [ ( ) ^ $ . # and white space, as .NET (not ] or }). */
NATIVE(regex_escape)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0;
    if (arg_string(rt, &args[0], "str", &s, &n)) return EXPR_THROWN;
    expr_text_sink_t b = {.text = {.rt = rt}};
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        switch (ch) {
        case '\\': case '*': case '+': case '?': case '|': case '{': case '[': case '(': case ')':
        case '^': case '$': case '.': case '#': case ' ': {
            char e[2] = {'\\', ch};
            expr_text_sink_put(&b, e, 2);
            break;
        }
        case '\t': expr_text_sink_put(&b, "\\t", 2); break;
        case '\n': expr_text_sink_put(&b, "\\n", 2); break;
        case '\r': expr_text_sink_put(&b, "\\r", 2); break;
        case '\f': expr_text_sink_put(&b, "\\f", 2); break;
        default: expr_text_sink_put(&b, &s[i], 1); break;
        }
    }
    return expr_text_sink_finish(&b, out);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Unescape: the character escapes of .NET patterns (\n \t \xXX \uXXXX \0oo \cX...), any
 * other escaped punctuation is itself; an escaped letter that is no escape is an error. */
NATIVE(regex_unescape)
{
    UNUSED_ARGS;
    const char *s = NULL;
    size_t n = 0;
    if (arg_string(rt, &args[0], "str", &s, &n)) return EXPR_THROWN;
    expr_text_sink_t b = {.text = {.rt = rt}};
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            expr_text_sink_put(&b, &s[i], 1);
            continue;
        }
        if (++i >= n) return expr_throw(rt, "ArgumentException", "Invalid pattern '%.*s' at offset %zu. Illegal \\ at end of pattern.", (int)(n > 100 ? 100 : n), s, n);
        char c = s[i];
        uint32_t cp = 0;
        int digits = 0;
        switch (c) {
        case 'n': cp = '\n'; break;
        case 't': cp = '\t'; break;
        case 'r': cp = '\r'; break;
        case 'f': cp = '\f'; break;
        case 'v': cp = '\v'; break;
        case 'a': cp = '\a'; break;
        case 'b': cp = '\b'; break;
        case 'e': cp = 0x1b; break;
        case 'x':
        case 'u':
            digits = c == 'x' ? 2 : 4;
            for (int k = 0; k < digits; k++) {
                int v = i + 1 < n ? hex_digit(s[i + 1]) : -1;
                if (v < 0)
                    return expr_throw(rt, "ArgumentException", "Invalid pattern '%.*s' at offset %zu. Insufficient or invalid hexadecimal digits.", (int)(n > 100 ? 100 : n), s, i + 1);
                cp = cp * 16 + (uint32_t)v;
                i++;
            }
            break;
        case 'c':
            if (i + 1 >= n || !((s[i + 1] | 32) >= 'a' && (s[i + 1] | 32) <= 'z'))
                return expr_throw(rt, "ArgumentException", "Invalid pattern '%.*s' at offset %zu. Unrecognized control character.", (int)(n > 100 ? 100 : n), s, i + 1);
            cp = (uint32_t)((s[++i] | 32) - 'a' + 1);
            break;
        default:
            if (c >= '0' && c <= '7') {
                /* up to three octal digits */
                cp = (uint32_t)(c - '0');
                for (int k = 0; k < 2 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
                    cp = cp * 8 + (uint32_t)(s[++i] - '0');
                cp &= 0xff;
            } else if ((c | 32) >= 'a' && (c | 32) <= 'z') {
                return expr_throw(rt, "ArgumentException", "Invalid pattern '%.*s' at offset %zu. Unrecognized escape sequence \\%c.", (int)(n > 100 ? 100 : n), s, i + 1, c);
            } else {
                expr_text_sink_put(&b, &s[i], 1);
                continue;
            }
        }
        expr_text_sink_put_cp(&b, cp);
    }
    return expr_text_sink_finish(&b, out);
}

NATIVE(regex_group_names)
{
    UNUSED_ARGS;
    return rx_group_names(rt, self->u.obj.ptr, out);
}

NATIVE(regex_group_numbers)
{
    UNUSED_ARGS;
    const rx_code_t *c = self->u.obj.ptr;
    expr_value_t *items = expr_rt_alloc(rt, sizeof *items * c->group_count);
    if (!items) return EXPR_THROWN;
    for (uint32_t g = 0; g < c->group_count; g++) items[g] = expr_int((int32_t)g);
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, c->group_count, &expr_class_int}};
    return 0;
}

NATIVE(regex_name_from_number)
{
    UNUSED_ARGS;
    const rx_code_t *c = self->u.obj.ptr;
    int64_t g = 0;
    if (arg_int(rt, &args[0], "i", &g)) return EXPR_THROWN;
    if (g < 0 || g >= c->group_count) *out = expr_str_ref("", 0);
    else if (c->names[g]) return expr_str_copy(rt, c->names[g], strlen(c->names[g]), out);
    else return expr_str_printf(rt, out, "%lld", (long long)g);
    return 0;
}

NATIVE(regex_number_from_name)
{
    UNUSED_ARGS;
    rx_code_t *c = self->u.obj.ptr;
    const char *name = NULL;
    size_t len = 0;
    if (arg_string(rt, &args[0], "name", &name, &len)) return EXPR_THROWN;
    rx_match_t m = {.code = c, .group_count = c->group_count};
    *out = expr_int((int32_t)rx_group_number(&m, name, len));
    return 0;
}

NATIVE(regex_options)
{
    UNUSED_ARGS;
    *out = expr_int(((const rx_code_t *)self->u.obj.ptr)->options);
    return 0;
}

NATIVE(regex_right_to_left)
{
    UNUSED_ARGS;
    *out = expr_bool(false);
    return 0;
}

static int regex_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const rx_code_t *c = self->u.obj.ptr;
    return expr_str_copy(rt, c->pattern, c->pattern_len, out);
}

NATIVE(regex_to_string_m)
{
    UNUSED_ARGS;
    return regex_to_string(rt, self, out);
}

#define T_STR (&expr_class_string)
#define T_INT (&expr_class_int)
#define T_BOOL (&expr_class_bool)
#define T_MATCH (&rx_class_match)
#define T_MATCHES (&rx_class_match_collection)
#define M(n, k, lo, hi, f, r) {.name = n, .kind = k, .min_args = lo, .max_args = hi, .ret = {r, NULL}, .fn = f}
#define STRS {&expr_class_array, &expr_class_string}

static const expr_member_t regex_members[] = {
    M(".ctor", EXPR_M_CONSTRUCTOR, 1, 3, regex_ctor, &cls_regex),
    M("IsMatch", EXPR_M_STATIC_METHOD, 2, 4, regex_is_match, T_BOOL),
    M("Match", EXPR_M_STATIC_METHOD, 2, 4, regex_match, T_MATCH),
    M("Matches", EXPR_M_STATIC_METHOD, 2, 4, regex_matches, T_MATCHES),
    {.name = "Replace", .kind = EXPR_M_STATIC_METHOD, .min_args = 3, .max_args = 5, .ret = {T_STR, NULL},
     .lambda_mask = 1u << 2, .fn = regex_replace},
    {.name = "Split", .kind = EXPR_M_STATIC_METHOD, .min_args = 2, .max_args = 4, .ret = STRS, .fn = regex_split},
    M("Escape", EXPR_M_STATIC_METHOD, 1, 1, regex_escape, T_STR),
    M("Unescape", EXPR_M_STATIC_METHOD, 1, 1, regex_unescape, T_STR),
    M("IsMatch", EXPR_M_METHOD, 1, 2, regex_is_match, T_BOOL),
    M("Match", EXPR_M_METHOD, 1, 3, regex_match, T_MATCH),
    M("Matches", EXPR_M_METHOD, 1, 2, regex_matches, T_MATCHES),
    {.name = "Replace", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 4, .ret = {T_STR, NULL},
     .lambda_mask = 1u << 1, .fn = regex_replace},
    {.name = "Split", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 3, .ret = STRS, .fn = regex_split},
    {.name = "GetGroupNames", .kind = EXPR_M_METHOD, .ret = STRS, .fn = regex_group_names},
    {.name = "GetGroupNumbers", .kind = EXPR_M_METHOD, .ret = {&expr_class_array, &expr_class_int}, .fn = regex_group_numbers},
    M("GroupNameFromNumber", EXPR_M_METHOD, 1, 1, regex_name_from_number, T_STR),
    M("GroupNumberFromName", EXPR_M_METHOD, 1, 1, regex_number_from_name, T_INT),
    M("Options", EXPR_M_PROPERTY, 0, 0, regex_options, T_INT),
    M("RightToLeft", EXPR_M_PROPERTY, 0, 0, regex_right_to_left, T_BOOL),
    M("ToString", EXPR_M_METHOD, 0, 0, regex_to_string_m, T_STR),
};

static const expr_class_t cls_regex = {
    .name = "Regex",
    .full_name = "System.Text.RegularExpressions.Regex",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = regex_members,
    .member_count = sizeof regex_members / sizeof regex_members[0],
    .to_string = regex_to_string,
};

/* RegexOptions: an enum, so int constants. */
static const int options_values[] = {0, 1, 2, 4, 8, 16, 32, 64, 256, 512, 1024};
static int options_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out);
#define OPT(n) {.name = n, .kind = EXPR_M_STATIC_PROPERTY, .ret = {T_INT, NULL}, .fn = options_get}
static const expr_member_t options_members[] = {
    OPT("None"), OPT("IgnoreCase"), OPT("Multiline"), OPT("ExplicitCapture"), OPT("Compiled"),
    OPT("Singleline"), OPT("IgnorePatternWhitespace"), OPT("RightToLeft"), OPT("ECMAScript"),
    OPT("CultureInvariant"), OPT("NonBacktracking"),
};

static int options_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                       expr_value_t *args, unsigned argc, expr_value_t *out)
{
    UNUSED_ARGS;
    *out = expr_int(options_values[call->member - options_members]);
    return 0;
}

static const expr_class_t cls_options = {
    .name = "RegexOptions",
    .full_name = "System.Text.RegularExpressions.RegexOptions",
    .tag = EXPR_V_INT,
    .is_static_only = true,
    .is_nameable = true,
    .members = options_members,
    .member_count = sizeof options_members / sizeof options_members[0],
};

const expr_class_t *const expr_lib_regex_classes[] = {
    &cls_regex,
    &cls_options,
    &rx_class_match,
    &rx_class_group,
    &rx_class_capture,
    &rx_class_group_collection,
    &rx_class_match_collection,
    &rx_class_capture_collection,
    NULL,
};
