/* lib_regex: Regex, RegexOptions, Match, Group, Capture, GroupCollection, MatchCollection,
 * CaptureCollection (lib_regex.h) over PCRE2. This file: the compiled-pattern cache, matching
 * and the Match/Group/collection classes; lib_regex_api.c: Regex's members (IsMatch, Match,
 * Matches, Replace, Split, Escape, Unescape) and the substitution language. */
#include "expr/lib_regex_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- compiled patterns: per-thread cache, reference counted ---- */

#define RX_CACHE_SIZE 64
/* Backtracking bounds: a pathological pattern stops here (RegexMatchTimeoutException). */
#define RX_MATCH_LIMIT 2000000u
#define RX_DEPTH_LIMIT 100000u
#define RX_HEAP_LIMIT_KIB 16384u

static _Thread_local rx_code_t *rx_cache[RX_CACHE_SIZE];
static _Thread_local unsigned rx_cache_next;
static _Thread_local pcre2_match_context *rx_match_ctx;

static void rx_code_free(rx_code_t *c)
{
    pcre2_code_free(c->code);
    for (uint32_t k = 0; k < c->group_count; k++) free(c->names[k]);
    free(c->names);
    free(c->net_of_pcre);
    free(c->pattern);
    free(c);
}

void rx_code_release(void *ptr)
{
    rx_code_t *c = ptr;
    if (--c->refs == 0) rx_code_free(c);
}

int rx_code_retain(expr_rt_t *rt, rx_code_t *c)
{
    c->refs++;
    return expr_rt_defer(rt, rx_code_release, c);
}

void expr_regex_cache_flush(void)
{
    for (unsigned k = 0; k < RX_CACHE_SIZE; k++) {
        if (rx_cache[k]) rx_code_release(rx_cache[k]);
        rx_cache[k] = NULL;
    }
    pcre2_match_context_free(rx_match_ctx);
    rx_match_ctx = NULL;
}

/* .NET numbering: unnamed groups 1..U in order, then each distinct name (by its first
 * appearance) U+1... */
static int rx_number_groups(rx_code_t *c)
{
    uint32_t cc = 0, name_count = 0, entry_size = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(c->code, PCRE2_INFO_CAPTURECOUNT, &cc);
    pcre2_pattern_info(c->code, PCRE2_INFO_NAMECOUNT, &name_count);
    pcre2_pattern_info(c->code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
    pcre2_pattern_info(c->code, PCRE2_INFO_NAMETABLE, &table);
    c->pcre_count = cc;
    c->net_of_pcre = calloc(cc + 1, sizeof *c->net_of_pcre);
    const char **name_of = calloc(cc + 1, sizeof *name_of);
    if (!c->net_of_pcre || !name_of) {
        free(name_of);
        return -1;
    }
    for (uint32_t k = 0; k < name_count; k++) {
        const uint8_t *e = table + (size_t)k * entry_size;
        uint32_t num = (uint32_t)(e[0] << 8 | e[1]);
        if (num <= cc) name_of[num] = (const char *)e + 2;
    }
    uint32_t next = 1;
    for (uint32_t p = 1; p <= cc; p++)
        if (!name_of[p]) c->net_of_pcre[p] = next++;
    uint32_t unnamed = next - 1;
    /* distinct names in order of first appearance (the pcre numbers are in pattern order) */
    c->names = calloc(cc + 1, sizeof *c->names);
    if (!c->names) {
        free(name_of);
        return -1;
    }
    for (uint32_t p = 1; p <= cc; p++) {
        if (!name_of[p]) continue;
        uint32_t found = 0;
        for (uint32_t q = unnamed + 1; q < next; q++)
            if (strcmp(c->names[q], name_of[p]) == 0) found = q;
        if (!found) {
            found = next++;
            c->names[found] = strdup(name_of[p]);
            if (!c->names[found]) {
                c->group_count = found;
                free(name_of);
                return -1;
            }
        }
        c->net_of_pcre[p] = found;
    }
    c->group_count = next;
    free(name_of);
    return 0;
}

static int rx_options_error(expr_rt_t *rt)
{
    return expr_throw(rt, "ArgumentOutOfRangeException",
                      "Specified argument was out of the range of valid values. (Parameter 'options')");
}

/* .NET's character class subtraction ([a-z-[aeiou]]) has no PCRE2 form and would silently
 * mean something else there; true when the pattern uses it. */
static bool uses_class_subtraction(const char *p, size_t n)
{
    bool in_class = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            i++;
            continue;
        }
        if (!in_class) {
            if (p[i] == '[') {
                in_class = true;
                if (i + 1 < n && p[i + 1] == '^') i++;
                if (i + 1 < n && p[i + 1] == ']') i++; /* a leading ] is a literal */
            }
        } else if (p[i] == ']') {
            in_class = false;
        } else if (p[i] == '-' && i + 1 < n && p[i + 1] == '[') {
            return true;
        }
    }
    return false;
}

int rx_compile(expr_rt_t *rt, const char *pattern, size_t len, int options, rx_code_t **out)
{
    if (options & ~RX_VALID_OPTIONS) return rx_options_error(rt);
    if ((options & RX_ECMASCRIPT) && (options & ~(RX_ECMASCRIPT | RX_IGNORECASE | RX_MULTILINE | RX_COMPILED)))
        return rx_options_error(rt);
    if (options & RX_RIGHTTOLEFT)
        return expr_throw(rt, "NotSupportedException", "RegexOptions.RightToLeft is not supported.");
    for (unsigned k = 0; k < RX_CACHE_SIZE; k++) {
        rx_code_t *c = rx_cache[k];
        if (c && c->options == options && c->pattern_len == len && memcmp(c->pattern, pattern, len) == 0) {
            *out = c;
            return rx_code_retain(rt, c);
        }
    }
    if (uses_class_subtraction(pattern, len))
        return expr_throw(rt, "NotSupportedException",
                          "Character class subtraction ('-[...]' inside a class) is not supported.");
    uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ALT_BSUX | PCRE2_DUPNAMES;
    if (!(options & RX_ECMASCRIPT)) flags |= PCRE2_UCP;
    if (options & RX_IGNORECASE) flags |= PCRE2_CASELESS;
    if (options & RX_MULTILINE) flags |= PCRE2_MULTILINE;
    if (options & RX_SINGLELINE) flags |= PCRE2_DOTALL;
    if (options & RX_IGNOREPATTERNWHITESPACE) flags |= PCRE2_EXTENDED;
    if (options & RX_EXPLICITCAPTURE) flags |= PCRE2_NO_AUTO_CAPTURE;
    int errcode = 0;
    PCRE2_SIZE erroff = 0;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, len, flags, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        return expr_throw(rt, "ArgumentException", "Invalid pattern '%.*s' at offset %zu. %s",
                          (int)(len > 100 ? 100 : len), pattern, (size_t)erroff, (char *)msg);
    }
    rx_code_t *c = calloc(1, sizeof *c);
    if (!c) goto fail_code;
    c->code = code;
    c->options = options;
    c->pattern = malloc(len + 1);
    if (!c->pattern) goto fail_struct;
    memcpy(c->pattern, pattern, len);
    c->pattern[len] = '\0';
    c->pattern_len = len;
    if (rx_number_groups(c)) goto fail_struct;
    /* into the cache (one reference), replacing the oldest entry */
    unsigned slot = rx_cache_next++ % RX_CACHE_SIZE;
    if (rx_cache[slot]) rx_code_release(rx_cache[slot]);
    c->refs = 1;
    rx_cache[slot] = c;
    *out = c;
    return rx_code_retain(rt, c);
fail_struct:
    rx_code_free(c);
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
fail_code:
    pcre2_code_free(code);
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
}

/* ---- matching ---- */

int rx_data_create(expr_rt_t *rt, const rx_code_t *c, pcre2_match_data **md)
{
    if (!rx_match_ctx) {
        rx_match_ctx = pcre2_match_context_create(NULL);
        if (!rx_match_ctx) goto oom;
        pcre2_set_match_limit(rx_match_ctx, RX_MATCH_LIMIT);
        pcre2_set_depth_limit(rx_match_ctx, RX_DEPTH_LIMIT);
        pcre2_set_heap_limit(rx_match_ctx, RX_HEAP_LIMIT_KIB);
    }
    *md = pcre2_match_data_create_from_pattern(c->code, NULL);
    if (*md) return 0;
oom:
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
}

int rx_exec(expr_rt_t *rt, const rx_code_t *c, pcre2_match_data *md, const char *s, size_t end,
            size_t start, int64_t *offsets, bool *found)
{
    int rc = pcre2_match(c->code, (PCRE2_SPTR)s, end, start, 0, md, rx_match_ctx);
    *found = false;
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
        return expr_throw(rt, "System.Text.RegularExpressions.RegexMatchTimeoutException",
                          "The Regex engine has timed out while trying to match a pattern to an "
                          "input string. This can occur for many reasons, including very large "
                          "inputs or excessive backtracking caused by nested quantifiers, "
                          "back-references and other factors.");
    if (rc < 0) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(rc, msg, sizeof msg);
        return expr_throw(rt, "ArgumentException", "regular expression match failed: %s", (char *)msg);
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t pairs = pcre2_get_ovector_count(md);
    for (uint32_t g = 0; g < 2 * c->group_count; g++) offsets[g] = -1;
    for (uint32_t p = 0; p <= c->pcre_count && p < pairs; p++) {
        if (ov[2 * p] == PCRE2_UNSET) continue;
        uint32_t net = p == 0 ? 0 : c->net_of_pcre[p];
        offsets[2 * net] = (int64_t)ov[2 * p];
        offsets[2 * net + 1] = (int64_t)ov[2 * p + 1];
    }
    *found = true;
    return 0;
}

/* ---- UTF-16 positions ---- */

bool rx_is_ascii(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] >= 0x80) return false;
    return true;
}

/* UTF-16 code units of s[0, n): a 4-byte sequence is a surrogate pair; an invalid byte is
 * one unit. */
int64_t rx_utf16_len(const char *s, size_t n)
{
    int64_t units = 0;
    for (size_t k = 0; k < n;) {
        unsigned char b = (unsigned char)s[k];
        size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
        if (k + len > n) len = 1;
        units += len == 4 ? 2 : 1;
        k += len;
    }
    return units;
}

/* The byte offset of UTF-16 position `units` (clamped to n); -1 past the end. */
int64_t rx_byte_offset(const char *s, size_t n, int64_t units)
{
    size_t k = 0;
    while (units > 0 && k < n) {
        unsigned char b = (unsigned char)s[k];
        size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
        if (k + len > n) len = 1;
        units -= len == 4 ? 2 : 1;
        k += len;
    }
    return units > 0 ? -1 : (int64_t)k;
}

size_t rx_next_char(const char *s, size_t n, size_t k)
{
    if (k >= n) return n + 1;
    unsigned char b = (unsigned char)s[k];
    size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    return k + len > n ? k + 1 : k + len;
}

/* ---- Match, Group, Capture ---- */

int rx_match_new(expr_rt_t *rt, rx_code_t *c, const char *s, size_t n, size_t end, bool ascii,
                 const int64_t *offsets, bool success, size_t next, rx_match_t **out)
{
    rx_match_t *m = expr_rt_alloc(rt, sizeof *m);
    if (!m) return EXPR_THROWN;
    m->code = c;
    m->subject = s;
    m->subject_len = n;
    m->end = end;
    m->ascii = ascii;
    m->success = success;
    m->group_count = c ? c->group_count : 1;
    m->next = next;
    m->offsets = expr_rt_alloc(rt, sizeof *m->offsets * 2 * m->group_count);
    if (!m->offsets) return EXPR_THROWN;
    for (uint32_t g = 0; g < 2 * m->group_count; g++) m->offsets[g] = success ? offsets[g] : -1;
    m->self.m = m;
    m->self.num = 0;
    *out = m;
    return 0;
}

static const rx_match_t rx_empty_match = {.group_count = 1, .offsets = (int64_t[2]){-1, -1},
                                          .self = {.m = (rx_match_t *)&rx_empty_match, .num = 0}};
static const rx_group_t rx_empty_group = {.m = (rx_match_t *)&rx_empty_match, .num = UINT32_MAX};

expr_value_t rx_match_value(rx_match_t *m)
{
    return expr_object(&rx_class_match, &m->self);
}

expr_value_t rx_empty_match_value(void)
{
    return expr_object(&rx_class_match, (void *)&rx_empty_match.self);
}

static const rx_group_t *group_of(const expr_value_t *self)
{
    return self->u.obj.ptr;
}

/* Byte span of a group; false when it did not participate. */
static bool group_span(const rx_group_t *g, int64_t *start, int64_t *end)
{
    if (g->num >= g->m->group_count || g->m->offsets[2 * g->num] < 0) return false;
    *start = g->m->offsets[2 * g->num];
    *end = g->m->offsets[2 * g->num + 1];
    return true;
}

static int64_t units(const rx_match_t *m, int64_t bytes_from_0)
{
    return m->ascii ? bytes_from_0 : rx_utf16_len(m->subject, (size_t)bytes_from_0);
}

#define NATIVE(name)                                                                              \
    static int name(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,             \
                    expr_value_t *args, unsigned argc, expr_value_t *out)
#define UNUSED_ARGS (void)rt, (void)call, (void)self, (void)args, (void)argc

NATIVE(cap_value)
{
    UNUSED_ARGS;
    const rx_group_t *g = group_of(self);
    int64_t s = 0, e = 0;
    *out = group_span(g, &s, &e) ? expr_str_ref(g->m->subject + s, (size_t)(e - s)) : expr_str_ref("", 0);
    return 0;
}

static int capture_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    return cap_value(rt, NULL, self, NULL, 0, out);
}

NATIVE(cap_index)
{
    UNUSED_ARGS;
    const rx_group_t *g = group_of(self);
    int64_t s = 0, e = 0;
    *out = expr_int(group_span(g, &s, &e) ? (int32_t)units(g->m, s) : 0);
    return 0;
}

NATIVE(cap_length)
{
    UNUSED_ARGS;
    const rx_group_t *g = group_of(self);
    int64_t s = 0, e = 0;
    if (!group_span(g, &s, &e)) *out = expr_int(0);
    else if (g->m->ascii) *out = expr_int((int32_t)(e - s));
    else *out = expr_int((int32_t)rx_utf16_len(g->m->subject + s, (size_t)(e - s)));
    return 0;
}

NATIVE(group_success)
{
    UNUSED_ARGS;
    int64_t s = 0, e = 0;
    *out = expr_bool(group_span(group_of(self), &s, &e));
    return 0;
}

NATIVE(group_name)
{
    UNUSED_ARGS;
    const rx_group_t *g = group_of(self);
    if (g->num == UINT32_MAX) {
        *out = expr_str_ref("", 0);
        return 0;
    }
    if (g->m->code && g->m->code->names[g->num]) {
        const char *n = g->m->code->names[g->num];
        return expr_str_copy(rt, n, strlen(n), out);
    }
    return expr_str_printf(rt, out, "%u", g->num);
}

/* Captures: PCRE2 keeps only the last capture of a repeated group, so the collection has
 * that one (or none when the group did not participate). */
NATIVE(group_captures)
{
    UNUSED_ARGS;
    *out = expr_object(&rx_class_capture_collection, self->u.obj.ptr);
    return 0;
}

static uint32_t captures_count(const rx_group_t *g)
{
    int64_t s = 0, e = 0;
    return group_span(g, &s, &e) ? 1 : 0;
}

NATIVE(captures_count_get)
{
    UNUSED_ARGS;
    *out = expr_int((int32_t)captures_count(group_of(self)));
    return 0;
}

static int index_error(expr_rt_t *rt, const char *param)
{
    return expr_throw(rt, "ArgumentOutOfRangeException",
                      "Index was out of range. Must be non-negative and less than the size of the "
                      "collection. (Parameter '%s')", param);
}

static int arg_index(expr_rt_t *rt, const expr_value_t *v, int64_t *i)
{
    if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG) {
        *i = v->u.i;
        return 0;
    }
    return expr_throw(rt, "InvalidCastException", "Unable to cast the index to type 'System.Int32'.");
}

NATIVE(captures_index)
{
    UNUSED_ARGS;
    int64_t i = 0;
    if (arg_index(rt, &args[0], &i)) return EXPR_THROWN;
    if (i < 0 || i >= captures_count(group_of(self))) return index_error(rt, "i");
    *out = expr_object(&rx_class_capture, self->u.obj.ptr);
    return 0;
}

static int captures_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items, uint32_t *count)
{
    *count = captures_count(group_of(self));
    *items = expr_rt_alloc(rt, sizeof **items * (*count ? *count : 1));
    if (!*items) return EXPR_THROWN;
    if (*count) (*items)[0] = expr_object(&rx_class_capture, self->u.obj.ptr);
    return 0;
}

/* Match */
NATIVE(match_groups)
{
    UNUSED_ARGS;
    *out = expr_object(&rx_class_group_collection, group_of(self)->m);
    return 0;
}

NATIVE(match_next)
{
    UNUSED_ARGS;
    rx_match_t *m = group_of(self)->m;
    if (!m->success || !m->code || m->next > m->end) {
        *out = rx_empty_match_value();
        return 0;
    }
    return rx_find(rt, m->code, m->subject, m->subject_len, m->end, m->next, m->ascii, out);
}

NATIVE(match_result)
{
    UNUSED_ARGS;
    rx_match_t *m = group_of(self)->m;
    const char *r = NULL;
    size_t rl = 0;
    if (args[0].tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'replacement')");
    if (args[0].tag != EXPR_V_STRING)
        return expr_throw(rt, "InvalidCastException", "Unable to cast the argument to type 'System.String'.");
    r = args[0].u.s.ptr;
    rl = args[0].u.s.len;
    if (!m->success)
        return expr_throw(rt, "NotSupportedException", "Result cannot be called on a failed Match.");
    expr_text_sink_t b = {.text = {.rt = rt}};
    rx_substitute(&b, m, r, rl);
    return expr_text_sink_finish(&b, out);
}

NATIVE(match_empty)
{
    UNUSED_ARGS;
    *out = rx_empty_match_value();
    return 0;
}

/* GroupCollection */
static rx_match_t *collection_match(const expr_value_t *self)
{
    return self->u.obj.ptr;
}

NATIVE(groups_count)
{
    UNUSED_ARGS;
    *out = expr_int((int32_t)collection_match(self)->group_count);
    return 0;
}

/* The .NET group number called `name` (a name or digits), or -1. */
int64_t rx_group_number(const rx_match_t *m, const char *name, size_t len)
{
    if (m->code)
        for (uint32_t g = 1; g < m->group_count; g++) {
            const char *n = m->code->names[g];
            if (n && strlen(n) == len && memcmp(n, name, len) == 0) return g;
        }
    if (len == 0 || len > 9) return -1;
    int64_t v = 0;
    for (size_t k = 0; k < len; k++) {
        if (name[k] < '0' || name[k] > '9') return -1;
        v = v * 10 + (name[k] - '0');
    }
    return v < m->group_count ? v : -1;
}

static expr_value_t group_value(rx_match_t *m, int64_t num, expr_rt_t *rt, bool *oom)
{
    *oom = false;
    if (num < 0 || num >= m->group_count) return expr_object(&rx_class_group, (void *)&rx_empty_group);
    if (num == 0) return expr_object(&rx_class_group, &m->self);
    rx_group_t *g = expr_rt_alloc(rt, sizeof *g);
    if (!g) {
        *oom = true;
        return expr_null();
    }
    g->m = m;
    g->num = (uint32_t)num;
    return expr_object(&rx_class_group, g);
}

/* Groups[int] and Groups[string]: an unknown group is an unsuccessful one, as .NET. */
NATIVE(groups_index)
{
    UNUSED_ARGS;
    rx_match_t *m = collection_match(self);
    int64_t num = 0;
    if (args[0].tag == EXPR_V_STRING) num = rx_group_number(m, args[0].u.s.ptr, args[0].u.s.len);
    else if (args[0].tag == EXPR_V_INT || args[0].tag == EXPR_V_LONG) num = args[0].u.i;
    else if (args[0].tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'groupname')");
    else return expr_throw(rt, "ArgumentException", "Groups is indexed by a group number or name.");
    bool oom = false;
    *out = group_value(m, num, rt, &oom);
    return oom ? EXPR_THROWN : 0;
}

NATIVE(groups_contains_key)
{
    UNUSED_ARGS;
    rx_match_t *m = collection_match(self);
    if (args[0].tag != EXPR_V_STRING)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'key')");
    *out = expr_bool(rx_group_number(m, args[0].u.s.ptr, args[0].u.s.len) >= 0);
    return 0;
}

static int groups_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items, uint32_t *count)
{
    rx_match_t *m = collection_match(self);
    *count = m->group_count;
    *items = expr_rt_alloc(rt, sizeof **items * m->group_count);
    if (!*items) return EXPR_THROWN;
    for (uint32_t g = 0; g < m->group_count; g++) {
        bool oom = false;
        (*items)[g] = group_value(m, g, rt, &oom);
        if (oom) return EXPR_THROWN;
    }
    return 0;
}

int rx_group_names(expr_rt_t *rt, const rx_code_t *c, expr_value_t *out)
{
    expr_value_t *items = expr_rt_alloc(rt, sizeof *items * c->group_count);
    if (!items) return EXPR_THROWN;
    for (uint32_t g = 0; g < c->group_count; g++) {
        int rc = c->names[g] ? expr_str_copy(rt, c->names[g], strlen(c->names[g]), &items[g])
                             : expr_str_printf(rt, &items[g], "%u", g);
        if (rc) return rc;
    }
    *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, c->group_count, &expr_class_string}};
    return 0;
}

NATIVE(groups_keys)
{
    UNUSED_ARGS;
    rx_match_t *m = collection_match(self);
    if (!m->code) {
        expr_value_t *items = expr_rt_alloc(rt, sizeof *items);
        if (!items) return EXPR_THROWN;
        items[0] = expr_str_ref("0", 1);
        *out = (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, 1, &expr_class_string}};
        return 0;
    }
    return rx_group_names(rt, m->code, out);
}

/* MatchCollection: the matches, found eagerly. */
NATIVE(matches_count)
{
    UNUSED_ARGS;
    const rx_match_list_t *l = self->u.obj.ptr;
    *out = expr_int((int32_t)l->count);
    return 0;
}

NATIVE(matches_index)
{
    UNUSED_ARGS;
    const rx_match_list_t *l = self->u.obj.ptr;
    int64_t i = 0;
    if (arg_index(rt, &args[0], &i)) return EXPR_THROWN;
    if (i < 0 || i >= l->count) return index_error(rt, "i");
    *out = l->items[i];
    return 0;
}

static int matches_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items, uint32_t *count)
{
    (void)rt;
    const rx_match_list_t *l = self->u.obj.ptr;
    *items = l->items;
    *count = l->count;
    return 0;
}

#define T_STR (&expr_class_string)
#define T_INT (&expr_class_int)
#define T_BOOL (&expr_class_bool)
#define M_PROP(n, f, r) {.name = n, .kind = EXPR_M_PROPERTY, .ret = {r, NULL}, .fn = f}
#define M_METHOD(n, lo, hi, f, r)                                                                 \
    {.name = n, .kind = EXPR_M_METHOD, .min_args = lo, .max_args = hi, .ret = {r, NULL}, .fn = f}
#define M_INDEXER(f, r) {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1, .ret = {r, NULL}, .fn = f}

static const expr_member_t capture_members[] = {
    M_PROP("Value", cap_value, T_STR),
    M_PROP("Index", cap_index, T_INT),
    M_PROP("Length", cap_length, T_INT),
    M_METHOD("ToString", 0, 0, cap_value, T_STR),
};

const expr_class_t rx_class_capture = {
    .name = "Capture",
    .full_name = "System.Text.RegularExpressions.Capture",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = capture_members,
    .member_count = sizeof capture_members / sizeof capture_members[0],
    .to_string = capture_to_string,
};

static const expr_member_t group_members[] = {
    M_PROP("Success", group_success, T_BOOL),
    M_PROP("Name", group_name, T_STR),
    M_PROP("Captures", group_captures, &rx_class_capture_collection),
};

const expr_class_t rx_class_group = {
    .name = "Group",
    .full_name = "System.Text.RegularExpressions.Group",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &rx_class_capture,
    .members = group_members,
    .member_count = sizeof group_members / sizeof group_members[0],
    .to_string = capture_to_string,
};

static const expr_member_t match_members[] = {
    M_PROP("Groups", match_groups, &rx_class_group_collection),
    M_METHOD("NextMatch", 0, 0, match_next, &rx_class_match),
    M_METHOD("Result", 1, 1, match_result, T_STR),
    {.name = "Empty", .kind = EXPR_M_STATIC_PROPERTY, .ret = {&rx_class_match, NULL}, .fn = match_empty},
};

const expr_class_t rx_class_match = {
    .name = "Match",
    .full_name = "System.Text.RegularExpressions.Match",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &rx_class_group,
    .members = match_members,
    .member_count = sizeof match_members / sizeof match_members[0],
    .to_string = capture_to_string,
};

static const expr_member_t capture_collection_members[] = {
    M_PROP("Count", captures_count_get, T_INT),
    M_INDEXER(captures_index, &rx_class_capture),
};

const expr_class_t rx_class_capture_collection = {
    .name = "CaptureCollection",
    .full_name = "System.Text.RegularExpressions.CaptureCollection",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = capture_collection_members,
    .member_count = sizeof capture_collection_members / sizeof capture_collection_members[0],
    .elem = &rx_class_capture,
    .enumerate = captures_enumerate,
};

static const expr_member_t group_collection_members[] = {
    M_PROP("Count", groups_count, T_INT),
    M_INDEXER(groups_index, &rx_class_group),
    M_METHOD("ContainsKey", 1, 1, groups_contains_key, T_BOOL),
    {.name = "Keys", .kind = EXPR_M_PROPERTY, .ret = {&expr_class_array, &expr_class_string}, .fn = groups_keys},
};

const expr_class_t rx_class_group_collection = {
    .name = "GroupCollection",
    .full_name = "System.Text.RegularExpressions.GroupCollection",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = group_collection_members,
    .member_count = sizeof group_collection_members / sizeof group_collection_members[0],
    .elem = &rx_class_group,
    .enumerate = groups_enumerate,
};

static const expr_member_t match_collection_members[] = {
    M_PROP("Count", matches_count, T_INT),
    M_INDEXER(matches_index, &rx_class_match),
};

const expr_class_t rx_class_match_collection = {
    .name = "MatchCollection",
    .full_name = "System.Text.RegularExpressions.MatchCollection",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = match_collection_members,
    .member_count = sizeof match_collection_members / sizeof match_collection_members[0],
    .elem = &rx_class_match,
    .enumerate = matches_enumerate,
};

