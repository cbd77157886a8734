/* The dictionaries of the context model (spec/apim-gateway.md §3.4, §3.5): Headers
 * (IReadOnlyDictionary<string, string[]>), IUrl.Query and AsFormUrlEncodedContent()
 * (name → string[]), MatchedParameters (IReadOnlyDictionary<string, string>) and their
 * KeyValuePair items. Variables live in context_vars.c.
 *
 * None of them is a hash table: a request has tens of headers at most, so a linear scan of
 * the executor's list (case-insensitive, RFC 9110 §5.1) costs less than building one, and
 * reading `Headers.GetValueOrDefault("X", "")` allocates nothing unless the header occurs
 * more than once (the values are then comma-joined, §3.5). Query strings are scanned in
 * place the same way and percent-decoded only when a value has an escape. */
#include "policy/context_internal.h"

#include <string.h>

/* ---- arguments and pairs ---- */

int ctx_arg_string(expr_rt_t *rt, const expr_value_t *args, unsigned i, const char *param,
                   slice_t *out)
{
    if (args[i].tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter '%s')",
                          param);
    if (args[i].tag != EXPR_V_STRING)
        return expr_throw(rt, "InvalidCastException",
                          "Unable to cast object of type '%s' to type 'System.String'.",
                          expr_value_class(&args[i])->full_name);
    *out = slice_make(args[i].u.s.ptr, args[i].u.s.len);
    return 0;
}

int ctx_kvp_new(expr_rt_t *rt, const expr_class_t *cls, expr_value_t key, expr_value_t value,
                expr_value_t *out)
{
    ctx_kvp_t *kvp = expr_rt_alloc(rt, sizeof *kvp);
    if (!kvp) return EXPR_THROWN;
    kvp->key = key;
    kvp->value = value;
    *out = expr_object(cls, kvp);
    return 0;
}

/* Where the pairs of a dictionary come from. */
typedef struct {
    const policy_field_t *list; /* a list of pairs (headers, query, matched parameters)... */
    size_t count;
    slice_t text;      /* ...or "a=1&b=2" text (a form body) when list is NULL */
    bool is_encoded;   /* names and values are percent-encoded ('+' is a space) */
    bool is_nocase;    /* names compare ignoring ASCII case */
    size_t pos;        /* next list index or text offset */
} pairs_t;

/* The next pair of "a=1&b=2" text (a form body). */
static bool pairs_next_text(pairs_t *p, slice_t *name, slice_t *value)
{
    while (p->pos < p->text.len) {
        const char *start = p->text.ptr + p->pos;
        const char *end = memchr(start, '&', p->text.len - p->pos);
        size_t len = end ? (size_t)(end - start) : p->text.len - p->pos;
        p->pos += len + 1;
        if (!len) continue; /* "a=1&&b=2" */
        const char *eq = memchr(start, '=', len);
        if (eq) {
            *name = slice_make(start, (size_t)(eq - start));
            *value = slice_make(eq + 1, len - (size_t)(eq - start) - 1);
        } else {
            *name = slice_make(start, len);
            *value = slice_make(start + len, 0);
        }
        return true;
    }
    return false;
}

/* Inline: the list case is the hot one (a header lookup walks every header). */
static inline bool pairs_next(pairs_t *p, slice_t *name, slice_t *value)
{
    if (!p->list) return pairs_next_text(p, name, value);
    if (p->pos >= p->count) return false;
    const policy_field_t *f = &p->list[p->pos++];
    *name = slice_make(f->name, f->name_len);
    *value = slice_make(f->value ? f->value : "", f->value_len);
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The byte at raw[*i] after URL decoding; advances *i. A '%' not followed by two hex
 * digits stays as is (.NET's UrlDecode does the same). */
static char url_decoded_char(slice_t raw, size_t *i)
{
    char c = raw.ptr[*i];
    if (c == '+') {
        (*i)++;
        return ' ';
    }
    if (c == '%' && *i + 2 < raw.len) {
        int hi = hex_digit(raw.ptr[*i + 1]), lo = hex_digit(raw.ptr[*i + 2]);
        if (hi >= 0 && lo >= 0) {
            *i += 3;
            return (char)(hi * 16 + lo);
        }
    }
    (*i)++;
    return c;
}

/* Does the encoded name `raw` decode to `key` (ignoring ASCII case when nocase)? No
 * allocation. */
static bool url_name_eq(slice_t raw, slice_t key, bool nocase)
{
    size_t i = 0, k = 0;
    while (i < raw.len) {
        if (k >= key.len) return false;
        char a = url_decoded_char(raw, &i), b = key.ptr[k++];
        if (nocase && a >= 'A' && a <= 'Z') a = (char)(a + 32);
        if (nocase && b >= 'A' && b <= 'Z') b = (char)(b + 32);
        if (a != b) return false;
    }
    return k == key.len;
}

static inline bool pairs_name_eq(const pairs_t *p, slice_t name, slice_t key)
{
    if (p->is_encoded) return url_name_eq(name, key, p->is_nocase);
    if (name.len != key.len) return false;
    return p->is_nocase ? slice_eq_nocase(name, key) : memcmp(name.ptr, key.ptr, key.len) == 0;
}

/* The value of a pair as a string: a reference, or a decoded copy when it has escapes. */
static int pairs_value(expr_rt_t *rt, const pairs_t *p, slice_t raw, expr_value_t *out)
{
    if (!p->is_encoded || (!memchr(raw.ptr, '%', raw.len) && !memchr(raw.ptr, '+', raw.len))) {
        *out = expr_str_ref(raw.ptr, raw.len);
        return 0;
    }
    char *buf = expr_rt_alloc(rt, raw.len + 1);
    if (!buf) return EXPR_THROWN;
    size_t i = 0, n = 0;
    while (i < raw.len) buf[n++] = url_decoded_char(raw, &i);
    buf[n] = '\0';
    *out = expr_str_ref(buf, n);
    return 0;
}

/* The index of the first field at or after `from` named `key`, or `count`. The hot loop of
 * every header lookup: the length and first byte reject almost every other header without
 * a call. */
static inline size_t fields_next_match(const policy_field_t *items, size_t count, size_t from,
                                       slice_t key, bool nocase)
{
    if (!key.len) {
        while (from < count && items[from].name_len) from++;
        return from;
    }
    unsigned char mask = nocase ? 0x20 : 0, first = (unsigned char)(key.ptr[0] | mask);
    for (; from < count; from++) {
        const policy_field_t *f = &items[from];
        if (f->name_len != key.len || ((unsigned char)f->name[0] | mask) != first) continue;
        if (nocase ? slice_eq_nocase(slice_make(f->name, f->name_len), key)
                   : memcmp(f->name, key.ptr, key.len) == 0)
            return from;
    }
    return count;
}

/* ---- the sources ---- */

typedef enum { DICT_HEADERS, DICT_MATCHED, DICT_QUERY, DICT_FORM } dict_kind_t;

static pairs_t pairs_open(dict_kind_t kind, const expr_value_t *self)
{
    pairs_t p = {0};
    switch (kind) {
    case DICT_HEADERS:
    case DICT_MATCHED:
    case DICT_QUERY: {
        const policy_fields_t *f = kind == DICT_QUERY
                                       ? &((const policy_url_t *)self->u.obj.ptr)->query
                                       : self->u.obj.ptr;
        p.list = f->items;
        p.count = f->count;
        p.is_encoded = kind == DICT_QUERY; /* exec.h: query pairs as written in the URL */
        /* Header names always ignore case (RFC 9110 §5.1); query and template parameter
         * names as the executor's list says, so lookups agree with the policies that
         * edit the list (set-query-parameter). */
        p.is_nocase = kind == DICT_HEADERS || f->is_case_insensitive;
        break;
    }
    case DICT_FORM:
        p.text = *(const slice_t *)self->u.obj.ptr;
        p.is_encoded = true;
        p.is_nocase = true; /* .NET's form parser: a case-insensitive NameValueCollection */
        break;
    }
    return p;
}

/* MatchedParameters maps a name to one string; the others to string[]. */
static bool dict_is_multi(dict_kind_t kind)
{
    return kind != DICT_MATCHED;
}

/* The values of `key`, in order, as a string[] (arena) — count 0: none, nothing allocated. */
static int dict_values(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self, slice_t key,
                       expr_value_t **items, uint32_t *count)
{
    pairs_t p = pairs_open(kind, self);
    slice_t name, value;
    uint32_t n = 0;
    while (pairs_next(&p, &name, &value))
        if (pairs_name_eq(&p, name, key)) n++;
    *items = NULL;
    *count = n;
    if (!n) return 0;
    expr_value_t *v = expr_rt_alloc(rt, n * sizeof *v);
    if (!v) return EXPR_THROWN;
    p = pairs_open(kind, self);
    uint32_t i = 0;
    while (i < n && pairs_next(&p, &name, &value))
        if (pairs_name_eq(&p, name, key) && pairs_value(rt, &p, value, &v[i++])) return EXPR_THROWN;
    *items = v;
    return 0;
}

static expr_value_t strings_array(expr_value_t *items, uint32_t count)
{
    return (expr_value_t){.tag = EXPR_V_ARRAY, .u.arr = {items, count, &expr_class_string}};
}

/* The value the dictionary maps `key` to: string[] or string; *found false when absent. */
static int dict_lookup(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self, slice_t key,
                       bool *found, expr_value_t *out)
{
    if (!dict_is_multi(kind)) {
        pairs_t p = pairs_open(kind, self);
        slice_t name, value;
        while (pairs_next(&p, &name, &value))
            if (pairs_name_eq(&p, name, key)) {
                *found = true;
                return pairs_value(rt, &p, value, out);
            }
        *found = false;
        return 0;
    }
    expr_value_t *items;
    uint32_t count;
    if (dict_values(rt, kind, self, key, &items, &count)) return EXPR_THROWN;
    *found = count > 0;
    *out = count ? strings_array(items, count) : expr_null();
    return 0;
}

/* §3.5: GetValueOrDefault(name[, default]) — the comma-joined values, or the default (null
 * when not given). One occurrence is returned without copying. */
static int dict_get_value_or_default(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                                     expr_value_t *args, unsigned argc, expr_value_t *out)
{
    slice_t key;
    if (ctx_arg_string(rt, args, 0, "key", &key)) return EXPR_THROWN;
    pairs_t p = pairs_open(kind, self);
    if (p.list && !p.is_encoded) {
        /* Headers and matched parameters: the common case, one value, no copy. */
        size_t i = fields_next_match(p.list, p.count, 0, key, p.is_nocase);
        if (i == p.count) CTX_RETURN(argc > 1 ? args[1] : expr_null());
        const policy_field_t *f = &p.list[i];
        if (!dict_is_multi(kind) ||
            fields_next_match(p.list, p.count, i + 1, key, p.is_nocase) == p.count)
            CTX_RETURN(expr_str_ref(f->value ? f->value : "", f->value_len));
    }
    slice_t name, value, first = {"", 0};
    uint32_t n = 0;
    size_t total = 0;
    while (pairs_next(&p, &name, &value))
        if (pairs_name_eq(&p, name, key)) {
            if (!n++) first = value;
            total += value.len + 1;
            if (!dict_is_multi(kind)) break;
        }
    if (!n) CTX_RETURN(argc > 1 ? args[1] : expr_null());
    if (n == 1) return pairs_value(rt, &p, first, out);
    /* Several: decoded values are never longer than encoded ones, so `total` bounds it. */
    char *buf = expr_rt_alloc(rt, total);
    if (!buf) return EXPR_THROWN;
    size_t used = 0;
    p = pairs_open(kind, self);
    while (pairs_next(&p, &name, &value)) {
        if (!pairs_name_eq(&p, name, key)) continue;
        expr_value_t one;
        if (pairs_value(rt, &p, value, &one)) return EXPR_THROWN;
        if (used) buf[used++] = ',';
        memcpy(buf + used, one.u.s.ptr, one.u.s.len);
        used += one.u.s.len;
    }
    buf[used] = '\0';
    CTX_RETURN(expr_str_ref(buf, used));
}

static int dict_indexer(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                        expr_value_t *args, expr_value_t *out)
{
    slice_t key;
    bool found;
    if (ctx_arg_string(rt, args, 0, "key", &key)) return EXPR_THROWN;
    if (dict_lookup(rt, kind, self, key, &found, out)) return EXPR_THROWN;
    if (!found)
        return expr_throw(rt, "System.Collections.Generic.KeyNotFoundException",
                          "The given key '%.*s' was not present in the dictionary.",
                          (int)(key.len > 100 ? 100 : key.len), key.ptr);
    return 0;
}

static int dict_contains_key(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                             expr_value_t *args, expr_value_t *out)
{
    slice_t key, name, value;
    if (ctx_arg_string(rt, args, 0, "key", &key)) return EXPR_THROWN;
    pairs_t p = pairs_open(kind, self);
    if (p.list && !p.is_encoded)
        CTX_RETURN(expr_bool(fields_next_match(p.list, p.count, 0, key, p.is_nocase) < p.count));
    while (pairs_next(&p, &name, &value))
        if (pairs_name_eq(&p, name, key)) CTX_RETURN(expr_bool(true));
    CTX_RETURN(expr_bool(false));
}

/* TryGetValue(name, out value): args[1] receives the value (null when absent). */
static int dict_try_get_value(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                              expr_value_t *args, expr_value_t *out)
{
    slice_t key;
    bool found;
    if (ctx_arg_string(rt, args, 0, "key", &key)) return EXPR_THROWN;
    if (dict_lookup(rt, kind, self, key, &found, &args[1])) return EXPR_THROWN;
    CTX_RETURN(expr_bool(found));
}

/* The distinct names, first spelling kept, in order of first occurrence. Names are few
 * (tens), so the quadratic de-duplication is cheaper than hashing. */
static int dict_names(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                      slice_t **names, uint32_t *count)
{
    pairs_t p = pairs_open(kind, self);
    slice_t name, value;
    uint32_t cap = 0;
    while (pairs_next(&p, &name, &value)) cap++;
    *names = NULL;
    *count = 0;
    if (!cap) return 0;
    slice_t *out = expr_rt_alloc(rt, cap * sizeof *out);
    if (!out) return EXPR_THROWN;
    uint32_t n = 0;
    p = pairs_open(kind, self);
    while (pairs_next(&p, &name, &value)) {
        bool seen = false;
        for (uint32_t i = 0; i < n && !seen; i++) {
            if (!p.is_encoded) seen = pairs_name_eq(&p, out[i], name);
            else {
                expr_value_t decoded;
                if (pairs_value(rt, &p, out[i], &decoded)) return EXPR_THROWN;
                seen = url_name_eq(name, slice_make(decoded.u.s.ptr, decoded.u.s.len),
                                   p.is_nocase);
            }
        }
        if (!seen) out[n++] = name;
    }
    *names = out;
    *count = n;
    return 0;
}

static int dict_keys(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                     expr_value_t *out)
{
    slice_t *names;
    uint32_t n;
    if (dict_names(rt, kind, self, &names, &n)) return EXPR_THROWN;
    expr_value_t *items = NULL;
    if (n && !(items = expr_rt_alloc(rt, n * sizeof *items))) return EXPR_THROWN;
    pairs_t p = pairs_open(kind, self);
    for (uint32_t i = 0; i < n; i++)
        if (pairs_value(rt, &p, names[i], &items[i])) return EXPR_THROWN;
    CTX_RETURN(strings_array(items, n));
}

static int dict_count(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                      expr_value_t *out)
{
    slice_t *names;
    uint32_t n;
    if (dict_names(rt, kind, self, &names, &n)) return EXPR_THROWN;
    CTX_RETURN(expr_int((int32_t)n));
}

/* foreach over the dictionary: KeyValuePair items, one per distinct name. */
static int dict_enumerate(expr_rt_t *rt, dict_kind_t kind, const expr_value_t *self,
                          expr_value_t **items, uint32_t *count)
{
    slice_t *names;
    uint32_t n;
    if (dict_names(rt, kind, self, &names, &n)) return EXPR_THROWN;
    expr_value_t *v = NULL;
    if (n && !(v = expr_rt_alloc(rt, n * sizeof *v))) return EXPR_THROWN;
    const expr_class_t *kvp = dict_is_multi(kind) ? &ctx_class_kvp_strings : &ctx_class_kvp_string;
    pairs_t p = pairs_open(kind, self);
    for (uint32_t i = 0; i < n; i++) {
        expr_value_t key, value;
        bool found;
        if (pairs_value(rt, &p, names[i], &key)) return EXPR_THROWN;
        if (dict_lookup(rt, kind, self, slice_make(key.u.s.ptr, key.u.s.len), &found, &value) ||
            ctx_kvp_new(rt, kvp, key, value, &v[i]))
            return EXPR_THROWN;
    }
    *items = v;
    *count = n;
    return 0;
}

/* ---- one member table per dictionary class; the natives bind the source ---- */

#define DICT_NATIVES(prefix, kind)                                                                 \
    static int prefix##_get(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,     \
                            expr_value_t *args, unsigned argc, expr_value_t *out)                 \
    {                                                                                              \
        (void)call;                                                                                \
        return dict_get_value_or_default(rt, kind, self, args, argc, out);                        \
    }                                                                                              \
    static int prefix##_index(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,   \
                              expr_value_t *args, unsigned argc, expr_value_t *out)               \
    {                                                                                              \
        (void)call, (void)argc;                                                                    \
        return dict_indexer(rt, kind, self, args, out);                                           \
    }                                                                                              \
    static int prefix##_contains(expr_rt_t *rt, const expr_call_t *call,                          \
                                 const expr_value_t *self, expr_value_t *args, unsigned argc,     \
                                 expr_value_t *out)                                               \
    {                                                                                              \
        (void)call, (void)argc;                                                                    \
        return dict_contains_key(rt, kind, self, args, out);                                      \
    }                                                                                              \
    static int prefix##_try(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,     \
                            expr_value_t *args, unsigned argc, expr_value_t *out)                 \
    {                                                                                              \
        (void)call, (void)argc;                                                                    \
        return dict_try_get_value(rt, kind, self, args, out);                                     \
    }                                                                                              \
    static int prefix##_keys(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,    \
                             expr_value_t *args, unsigned argc, expr_value_t *out)                \
    {                                                                                              \
        (void)call, (void)args, (void)argc;                                                        \
        return dict_keys(rt, kind, self, out);                                                     \
    }                                                                                              \
    static int prefix##_count(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,   \
                              expr_value_t *args, unsigned argc, expr_value_t *out)               \
    {                                                                                              \
        (void)call, (void)args, (void)argc;                                                        \
        return dict_count(rt, kind, self, out);                                                    \
    }                                                                                              \
    static int prefix##_enumerate(expr_rt_t *rt, const expr_value_t *self, expr_value_t **items,  \
                                  uint32_t *count)                                                 \
    {                                                                                              \
        return dict_enumerate(rt, kind, self, items, count);                                      \
    }

DICT_NATIVES(headers, DICT_HEADERS)
DICT_NATIVES(query, DICT_QUERY)
DICT_NATIVES(form, DICT_FORM)
DICT_NATIVES(matched, DICT_MATCHED)

static const char *const key_default_names[] = {"key", "defaultValue", NULL};
static const char *const key_value_names[] = {"key", "value", NULL};

/* The members of a dictionary with values of type `value_cls`/`value_elem`. */
#define DICT_MEMBERS(prefix, value_cls, value_elem)                                                \
    {.name = "GetValueOrDefault", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 2,             \
     .ret = {&expr_class_string, NULL}, .param_names = key_default_names, .fn = prefix##_get},    \
        {.name = "[]", .kind = EXPR_M_INDEXER, .min_args = 1, .max_args = 1,                      \
         .ret = {(value_cls), (value_elem)}, .fn = prefix##_index},                               \
        {.name = "ContainsKey", .kind = EXPR_M_METHOD, .min_args = 1, .max_args = 1,              \
         .ret = {&expr_class_bool, NULL}, .fn = prefix##_contains},                               \
        {.name = "TryGetValue", .kind = EXPR_M_METHOD, .min_args = 2, .max_args = 2,              \
         .ret = {&expr_class_bool, NULL}, .out_mask = 2u, .param_names = key_value_names,         \
         .fn = prefix##_try},                                                                      \
        CTX_PROP("Keys", &expr_class_array, &expr_class_string, prefix##_keys),                                            \
        CTX_PROP("Count", &expr_class_int, NULL, prefix##_count)

static const expr_member_t headers_members[] = {DICT_MEMBERS(headers, &expr_class_array, &expr_class_string)};
static const expr_member_t query_members[] = {DICT_MEMBERS(query, &expr_class_array, &expr_class_string)};
static const expr_member_t form_members[] = {DICT_MEMBERS(form, &expr_class_array, &expr_class_string)};
static const expr_member_t matched_members[] = {DICT_MEMBERS(matched, &expr_class_string, NULL)};

const expr_class_t ctx_class_headers = {
    .name = "Headers",
    .full_name = "System.Collections.Generic.IReadOnlyDictionary<string, string[]>",
    .tag = EXPR_V_OBJECT,
    .members = headers_members,
    .member_count = CTX_COUNT(headers_members),
    .elem = &ctx_class_kvp_strings,
    .enumerate = headers_enumerate,
};

const expr_class_t ctx_class_query = {
    .name = "Query",
    .full_name = "System.Collections.Generic.IReadOnlyDictionary<string, string[]>",
    .tag = EXPR_V_OBJECT,
    .members = query_members,
    .member_count = CTX_COUNT(query_members),
    .elem = &ctx_class_kvp_strings,
    .enumerate = query_enumerate,
};

const expr_class_t ctx_class_form = {
    .name = "FormUrlEncodedContent",
    .full_name = "System.Collections.Generic.IDictionary<string, IList<string>>",
    .tag = EXPR_V_OBJECT,
    .members = form_members,
    .member_count = CTX_COUNT(form_members),
    .elem = &ctx_class_kvp_strings,
    .enumerate = form_enumerate,
};

const expr_class_t ctx_class_matched = {
    .name = "MatchedParameters",
    .full_name = "System.Collections.Generic.IReadOnlyDictionary<string, string>",
    .tag = EXPR_V_OBJECT,
    .members = matched_members,
    .member_count = CTX_COUNT(matched_members),
    .elem = &ctx_class_kvp_string,
    .enumerate = matched_enumerate,
};

/* ---- KeyValuePair ---- */

static int kvp_key(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                   expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)call, (void)args, (void)argc;
    CTX_RETURN(((const ctx_kvp_t *)self->u.obj.ptr)->key);
}

static int kvp_value(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                     expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)rt, (void)call, (void)args, (void)argc;
    CTX_RETURN(((const ctx_kvp_t *)self->u.obj.ptr)->value);
}

static const expr_member_t kvp_strings_members[] = {
    CTX_PROP("Key", &expr_class_string, NULL, kvp_key),
    CTX_PROP("Value", &expr_class_array, &expr_class_string, kvp_value),
};
static const expr_member_t kvp_string_members[] = {
    CTX_PROP("Key", &expr_class_string, NULL, kvp_key),
    CTX_PROP("Value", &expr_class_string, NULL, kvp_value),
};
static const expr_member_t kvp_object_members[] = {
    CTX_PROP("Key", &expr_class_string, NULL, kvp_key),
    CTX_PROP("Value", NULL, NULL, kvp_value),
};

const expr_class_t ctx_class_kvp_strings = {
    .name = "KeyValuePair",
    .full_name = "System.Collections.Generic.KeyValuePair<string, string[]>",
    .tag = EXPR_V_OBJECT,
    .members = kvp_strings_members,
    .member_count = CTX_COUNT(kvp_strings_members),
};
const expr_class_t ctx_class_kvp_string = {
    .name = "KeyValuePair",
    .full_name = "System.Collections.Generic.KeyValuePair<string, string>",
    .tag = EXPR_V_OBJECT,
    .members = kvp_string_members,
    .member_count = CTX_COUNT(kvp_string_members),
};
const expr_class_t ctx_class_kvp_object = {
    .name = "KeyValuePair",
    .full_name = "System.Collections.Generic.KeyValuePair<string, object>",
    .tag = EXPR_V_OBJECT,
    .members = kvp_object_members,
    .member_count = CTX_COUNT(kvp_object_members),
};
