/* lib_json: tokens over jansson (lib_json.h), conversions between values and JSON, parsing
 * with Newtonsoft's exceptions, and the JTokenType, Formatting and JsonConvert classes. The
 * JToken class family's members are in lib_json_members.c, the writer in lib_json_text.c,
 * JSONPath in lib_json_path.c. */
#include "expr/lib_json_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ticks from 0001-01-01 to the Unix epoch; days from 0001-01-01 to 1970-01-01. */
#define UNIX_EPOCH_TICKS 621355968000000000LL
#define TICKS_PER_SECOND 10000000LL
#define TICKS_PER_DAY (86400LL * TICKS_PER_SECOND)

/* ---- tokens ---- */

static void release_json(void *json)
{
    json_decref(json);
}

const expr_json_token_t *json_tok(const expr_value_t *v)
{
    if (v->tag != EXPR_V_OBJECT || !v->u.obj.ptr) return NULL;
    const expr_class_t *c = v->u.obj.cls;
    if (c == &expr_class_jobject || c == &expr_class_jarray || c == &expr_class_jvalue ||
        c == &expr_class_jproperty || c == &expr_class_jtoken)
        return v->u.obj.ptr;
    return NULL;
}

int json_tok_new(expr_rt_t *rt, json_t *json, const char *name, size_t name_len,
                 expr_value_t *out)
{
    expr_json_token_t *t = expr_rt_alloc(rt, sizeof *t);
    if (!t) return EXPR_THROWN;
    t->name = NULL;
    t->name_len = 0;
    if (name) {
        char *n = expr_rt_alloc(rt, name_len + 1);
        if (!n) return EXPR_THROWN;
        memcpy(n, name, name_len);
        n[name_len] = '\0';
        t->name = n;
        t->name_len = (uint32_t)name_len;
    }
    t->has_parent = true;
    t->parent_is_ancestor = false;
    t->parent = NULL;
    t->json = json_incref(json);
    if (expr_rt_defer(rt, release_json, json)) return EXPR_THROWN;
    const expr_class_t *cls = name                 ? &expr_class_jproperty
                              : json_is_object(json) ? &expr_class_jobject
                              : json_is_array(json)  ? &expr_class_jarray
                                                     : &expr_class_jvalue;
    *out = expr_object(cls, t);
    return 0;
}

int json_tok_steal(expr_rt_t *rt, json_t *json, expr_value_t *out)
{
    if (!json) return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
    int rc = json_tok_new(rt, json, NULL, 0, out);
    json_decref(json);
    if (rc == 0) ((expr_json_token_t *)out->u.obj.ptr)->has_parent = false;
    return rc;
}

int json_token_type(const expr_json_token_t *t)
{
    if (t->name) return JTT_PROPERTY;
    switch (json_typeof(t->json)) {
    case JSON_OBJECT: return JTT_OBJECT;
    case JSON_ARRAY: return JTT_ARRAY;
    case JSON_STRING: return JTT_STRING;
    case JSON_INTEGER: return JTT_INTEGER;
    case JSON_REAL: return JTT_FLOAT;
    case JSON_TRUE:
    case JSON_FALSE: return JTT_BOOLEAN;
    case JSON_NULL: return JTT_NULL;
    }
    return JTT_NONE;
}

static const json_enum_t token_types[JTT_COUNT] = {
    {0, "None"},    {1, "Object"},     {2, "Array"},   {3, "Constructor"}, {4, "Property"},
    {5, "Comment"}, {6, "Integer"},    {7, "Float"},   {8, "String"},      {9, "Boolean"},
    {10, "Null"},   {11, "Undefined"}, {12, "Date"},   {13, "Raw"},        {14, "Bytes"},
    {15, "Guid"},   {16, "Uri"},       {17, "TimeSpan"},
};
static const json_enum_t formattings[2] = {{0, "None"}, {1, "Indented"}};

const char *json_token_type_name(int type)
{
    return type >= 0 && type < JTT_COUNT ? token_types[type].name : "None";
}

int json_enum_value(expr_rt_t *rt, const expr_class_t *cls, int value, expr_value_t *out)
{
    const json_enum_t *table = cls == &expr_class_jtokentype ? token_types : formattings;
    int n = cls == &expr_class_jtokentype ? JTT_COUNT : 2;
    if (value < 0 || value >= n) return expr_throw(rt, "ArgumentOutOfRangeException", "Enum value %d out of range.", value);
    *out = expr_object(cls, (void *)&table[value]);
    return 0;
}

int json_enum_of(const expr_value_t *v)
{
    if (v->tag == EXPR_V_INT || v->tag == EXPR_V_LONG) return (int)v->u.i;
    if (v->tag == EXPR_V_OBJECT && v->u.obj.ptr &&
        (v->u.obj.cls == &expr_class_jtokentype || v->u.obj.cls == &expr_class_jsonformatting))
        return ((const json_enum_t *)v->u.obj.ptr)->value;
    return -1;
}

/* ---- C API ---- */

int expr_json_wrap(expr_rt_t *rt, json_t *json, expr_value_t *out)
{
    if (!json) return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'json')");
    return json_tok_steal(rt, json_incref(json), out);
}

json_t *expr_json_borrow(const expr_value_t *v)
{
    const expr_json_token_t *t = json_tok(v);
    return t ? t->json : NULL;
}

/* ---- values → JSON ---- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *base64_json(const unsigned char *s, size_t len)
{
    size_t out_len = (len + 2) / 3 * 4;
    char *o = malloc(out_len + 1);
    if (!o) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < len) v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < len) v |= s[i + 2];
        o[k++] = b64_alphabet[(v >> 18) & 63];
        o[k++] = b64_alphabet[(v >> 12) & 63];
        o[k++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        o[k++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
    }
    json_t *j = json_stringn_nocheck(o, k);
    free(o);
    return j;
}

/* Days since 1970-01-01 → civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Newtonsoft's IsoDateTimeFormat: yyyy-MM-ddTHH:mm:ss.FFFFFFFK (fraction without trailing
 * zeros; K: "Z" for Utc, "+00:00" for Local — gateways run in UTC — nothing otherwise). */
static json_t *datetime_json(int64_t ticks, int kind)
{
    int64_t days = ticks / TICKS_PER_DAY, rem = ticks % TICKS_PER_DAY;
    int y, m, d;
    civil_from_days(days - 719162, &y, &m, &d);
    int64_t secs = rem / TICKS_PER_SECOND, frac = rem % TICKS_PER_SECOND;
    char text[48];
    int n = snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, (int)(secs / 3600),
                     (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac) {
        char f[16];
        snprintf(f, sizeof f, "%07d", (int)frac);
        int fl = 7;
        while (f[fl - 1] == '0') fl--;
        n += snprintf(text + n, sizeof text - (size_t)n, ".%.*s", fl, f);
    }
    if (kind == 1) snprintf(text + n, sizeof text - (size_t)n, "Z");
    else if (kind == 2) snprintf(text + n, sizeof text - (size_t)n, "+00:00");
    return json_string(text);
}

/* TimeSpan's "c" format: [-][d.]hh:mm:ss[.fffffff]. */
static json_t *timespan_json(int64_t ticks)
{
    char text[48];
    uint64_t t = ticks < 0 ? (uint64_t)0 - (uint64_t)ticks : (uint64_t)ticks;
    uint64_t days = t / (uint64_t)TICKS_PER_DAY, secs = t % (uint64_t)TICKS_PER_DAY / TICKS_PER_SECOND;
    uint64_t frac = t % (uint64_t)TICKS_PER_SECOND;
    int n = snprintf(text, sizeof text, "%s", ticks < 0 ? "-" : "");
    if (days) n += snprintf(text + n, sizeof text - (size_t)n, "%llu.", (unsigned long long)days);
    n += snprintf(text + n, sizeof text - (size_t)n, "%02u:%02u:%02u", (unsigned)(secs / 3600),
                  (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
    if (frac) snprintf(text + n, sizeof text - (size_t)n, ".%07u", (unsigned)frac);
    return json_string(text);
}

static json_t *guid_json(const uint8_t g[16])
{
    char text[40];
    int n = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text[n++] = '-';
        n += snprintf(text + n, sizeof text - (size_t)n, "%02x", g[i]);
    }
    return json_stringn(text, (size_t)n);
}

static json_t *char_json(int64_t unit)
{
    char u[4];
    size_t n;
    uint32_t c = (uint32_t)unit & 0xFFFF;
    if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD; /* a lone surrogate has no UTF-8 form */
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | c >> 6);
        u[1] = (char)(0x80 | (c & 63));
        n = 2;
    } else {
        u[0] = (char)(0xE0 | c >> 12);
        u[1] = (char)(0x80 | ((c >> 6) & 63));
        u[2] = (char)(0x80 | (c & 63));
        n = 3;
    }
    return json_stringn_nocheck(u, n);
}

static int oom(expr_rt_t *rt)
{
    return expr_throw(rt, "OutOfMemoryException", "Insufficient memory to continue the execution of the program.");
}

static int from_value(expr_rt_t *rt, const expr_value_t *v, json_t **out, int depth);

static int from_items(expr_rt_t *rt, const expr_value_t *items, uint32_t count, json_t **out,
                      int depth)
{
    json_t *arr = json_array();
    if (!arr) return oom(rt);
    for (uint32_t i = 0; i < count; i++) {
        json_t *item;
        if (from_value(rt, &items[i], &item, depth + 1)) {
            json_decref(arr);
            return EXPR_THROWN;
        }
        if (json_array_append_new(arr, item)) {
            json_decref(arr);
            return oom(rt);
        }
    }
    *out = arr;
    return 0;
}

static int from_value(expr_rt_t *rt, const expr_value_t *v, json_t **out, int depth)
{
    if (depth > 256) return expr_throw(rt, JSON_EXC, "Self referencing loop detected.");
    json_t *j = NULL;
    switch ((expr_vtag_t)v->tag) {
    case EXPR_V_NULL: j = json_null(); break;
    case EXPR_V_BOOL: j = json_boolean(v->u.b); break;
    case EXPR_V_INT:
    case EXPR_V_LONG: j = json_integer(v->u.i); break;
    case EXPR_V_DOUBLE: j = json_real(v->u.d); break;
    case EXPR_V_CHAR: j = char_json(v->u.i); break;
    case EXPR_V_STRING: j = json_stringn_nocheck(v->u.s.ptr ? v->u.s.ptr : "", v->u.s.len); break;
    case EXPR_V_BYTES: j = base64_json((const unsigned char *)v->u.s.ptr, v->u.s.len); break;
    case EXPR_V_DATETIME: j = datetime_json(v->u.i, v->aux); break;
    case EXPR_V_TIMESPAN: j = timespan_json(v->u.i); break;
    case EXPR_V_GUID: j = guid_json(v->u.guid); break;
    case EXPR_V_ARRAY: return from_items(rt, v->u.arr.items, v->u.arr.count, out, depth);
    case EXPR_V_OBJECT: {
        const expr_json_token_t *t = json_tok(v);
        if (t) {
            if (t->name)
                return expr_throw(rt, "ArgumentException", "Can not add Newtonsoft.Json.Linq.JProperty to a value position.");
            /* the C API's caller gets the token itself; a token inside an array is copied */
            *out = depth == 0 ? json_incref(t->json) : json_deep_copy(t->json);
            return *out ? 0 : oom(rt);
        }
        uint32_t nf;
        const expr_member_t *names;
        const expr_value_t *vals;
        if (expr_anonymous_fields(v, &nf, &names, &vals)) {
            /* an anonymous object: its properties in order, as Newtonsoft serializes them */
            json_t *o = json_object();
            if (!o) return oom(rt);
            for (uint32_t i = 0; i < nf; i++) {
                json_t *fj = NULL;
                if (vals[i].tag == EXPR_V_NULL) fj = json_null();
                else if (from_value(rt, &vals[i], &fj, depth + 1)) return json_decref(o), EXPR_THROWN;
                if (json_object_set_new(o, names[i].name, fj)) return json_decref(o), oom(rt);
            }
            *out = o;
            return 0;
        }
        const expr_class_t *cls = v->u.obj.cls;
        if (cls && cls->enumerate) {
            expr_value_t *items = NULL;
            uint32_t count = 0;
            if (cls->enumerate(rt, v, &items, &count)) return EXPR_THROWN;
            return from_items(rt, items, count, out, depth);
        }
        if (cls && cls->to_string) {
            expr_value_t s;
            if (cls->to_string(rt, v, &s)) return EXPR_THROWN;
            j = json_stringn_nocheck(s.u.s.ptr ? s.u.s.ptr : "", s.u.s.len);
            break;
        }
        return expr_throw(rt, "ArgumentException", "Could not determine JSON object type for type %s.",
                          cls && cls->full_name ? cls->full_name : cls ? cls->name : "object");
    }
    default:
        return expr_throw(rt, "ArgumentException", "Could not determine JSON object type for a lambda.");
    }
    if (!j) return oom(rt);
    *out = j;
    return 0;
}

int expr_json_from_value(expr_rt_t *rt, const expr_value_t *v, json_t **out)
{
    return from_value(rt, v, out, 0);
}

static bool reaches(const json_t *j, const json_t *target, int depth)
{
    if (j == target) return true;
    if (depth > 4096) return true; /* too deep to tell: copy */
    if (json_is_object(j)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v) {
            if (reaches(v, target, depth + 1)) return true;
        }
    } else if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            if (reaches(json_array_get(j, i), target, depth + 1)) return true;
    }
    return false;
}

int json_for_add(expr_rt_t *rt, const expr_value_t *v, const json_t *into, json_t **out)
{
    expr_json_token_t *t = (expr_json_token_t *)json_tok(v);
    if (!t) return from_value(rt, v, out, 0);
    json_t *j = t->json;
    if (!json_is_object(j) && !json_is_array(j)) {
        /* scalars are never changed in place: sharing them is invisible */
        *out = json_incref(j);
        return 0;
    }
    if (!t->has_parent && !(into && reaches(j, into, 0))) {
        t->has_parent = true;
        *out = json_incref(j);
        return 0;
    }
    *out = json_deep_copy(j);
    return *out ? 0 : oom(rt);
}

/* ---- JSON → values (explicit conversions, Value<T>, ToObject<T>) ---- */

static const char *class_dotnet_name(const expr_class_t *to)
{
    if (to == &expr_class_string) return "String";
    if (to == &expr_class_int) return "Int32";
    if (to == &expr_class_long) return "Int64";
    if (to == &expr_class_double) return "Double";
    if (to == &expr_class_bool) return "Boolean";
    if (to == &expr_class_datetime) return "DateTime";
    return to->name;
}

/* int.Parse / long.Parse with the invariant culture (NumberStyles.Integer). */
static int parse_integer(expr_rt_t *rt, const char *s, size_t len, int64_t min, int64_t max,
                         const char *type, int64_t *out)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)s[i])) i++;
    while (len > i && isspace((unsigned char)s[len - 1])) len--;
    bool negative = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
    if (i >= len) return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
    uint64_t v = 0;
    bool overflow = false;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
        if (v > (UINT64_MAX - 9) / 10) overflow = true;
        else v = v * 10 + (uint64_t)(s[i] - '0');
    }
    uint64_t limit = negative ? (uint64_t)max + 1 : (uint64_t)max;
    if (overflow || v > limit) return expr_throw(rt, "OverflowException", "Value was either too large or too small for an %s.", type);
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    if (*out < min) return expr_throw(rt, "OverflowException", "Value was either too large or too small for an %s.", type);
    return 0;
}

/* double.Parse with the invariant culture (NumberStyles.Float | AllowThousands). */
static int parse_double(expr_rt_t *rt, const char *s, size_t len, double *out)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    size_t sign = len && (*s == '-' || *s == '+');
    if (len - sign == 8 && strncasecmp(s + sign, "Infinity", 8) == 0) {
        *out = *s == '-' ? -INFINITY : INFINITY;
        return 0;
    }
    if (len == 3 && strncasecmp(s, "NaN", 3) == 0) {
        *out = NAN;
        return 0;
    }
    char text[128];
    size_t n = 0, i = 0;
    bool mantissa_digits = false, exp_digits = false;
    if (sign) text[n++] = s[i++];
    for (; i < len && n + 1 < sizeof text; i++) {
        if (s[i] >= '0' && s[i] <= '9') mantissa_digits = true, text[n++] = s[i];
        else if (s[i] != ',') break;
    }
    if (i < len && s[i] == '.' && n + 1 < sizeof text) {
        text[n++] = s[i++];
        for (; i < len && n + 1 < sizeof text && s[i] >= '0' && s[i] <= '9'; i++)
            mantissa_digits = true, text[n++] = s[i];
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E') && n + 2 < sizeof text) {
        text[n++] = s[i++];
        if (i < len && (s[i] == '-' || s[i] == '+')) text[n++] = s[i++];
        for (; i < len && n + 1 < sizeof text && s[i] >= '0' && s[i] <= '9'; i++)
            exp_digits = true, text[n++] = s[i];
        if (!exp_digits) mantissa_digits = false;
    }
    if (i != len || !mantissa_digits)
        return expr_throw(rt, "FormatException", "Input string was not in a correct format.");
    text[n] = '\0';
    *out = strtod(text, NULL);
    return 0;
}

/* Convert.ToInt32(double) / ToInt64: round half to even, OverflowException outside. */
static int double_to_integer(expr_rt_t *rt, double d, bool is_int, const char *type, int64_t *out)
{
    double r = nearbyint(d); /* the default rounding mode: ties to even, as .NET */
    bool in_range = is_int ? r >= -2147483648.0 && r <= 2147483647.0
                           : r >= -9223372036854775808.0 && r < 9223372036854775808.0;
    if (!in_range) /* NaN too */
        return expr_throw(rt, "OverflowException", "Value was either too large or too small for an %s.", type);
    *out = (int64_t)r;
    return 0;
}

static int parse_bool(expr_rt_t *rt, const char *s, size_t len, bool *out)
{
    const char *p = s;
    size_t n = len;
    while (n && isspace((unsigned char)*p)) p++, n--;
    while (n && isspace((unsigned char)p[n - 1])) n--;
    if (n == 4 && strncasecmp(p, "true", 4) == 0) *out = true;
    else if (n == 5 && strncasecmp(p, "false", 5) == 0) *out = false;
    else return expr_throw(rt, "FormatException", "String '%.*s' was not recognized as a valid Boolean.", (int)len, s);
    return 0;
}

/* DateTime.Parse of the ISO 8601 forms JSON carries: yyyy-MM-dd[Thh:mm[:ss[.f+]]][Z|±hh:mm].
 * With a zone the result is UTC (Kind Utc), else Unspecified. */
static int parse_datetime(expr_rt_t *rt, const char *s, size_t len, expr_value_t *out)
{
    char text[64];
    if (len >= sizeof text) goto bad;
    memcpy(text, s, len);
    text[len] = '\0';
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) goto bad;
    const char *p = text + used;
    int64_t frac = 0;
    if (*p == 'T' || *p == ' ') {
        int n2 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &n2) != 2 || n2 != 5) goto bad;
        p += 1 + n2;
        if (*p == ':') {
            if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2])) goto bad;
            sec = (p[1] - '0') * 10 + (p[2] - '0');
            p += 3;
            if (*p == '.') {
                p++;
                int digits = 0;
                while (isdigit((unsigned char)*p)) {
                    if (digits < 7) frac = frac * 10 + (*p - '0'), digits++;
                    p++;
                }
                if (!digits) goto bad;
                while (digits++ < 7) frac *= 10;
            }
        }
    }
    int kind = 0;
    int64_t offset = 0;
    if (*p == 'Z') {
        kind = 1;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, n3 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n3) != 2 || n3 != 5) goto bad;
        offset = (*p == '-' ? -1 : 1) * ((int64_t)oh * 3600 + om * 60) * TICKS_PER_SECOND;
        kind = 1;
        p += 1 + n3;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 || y < 1) goto bad;
    int64_t days = days_from_civil(y, mo, d) + 719162;
    int64_t ticks = days * TICKS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + sec) * TICKS_PER_SECOND + frac - offset;
    *out = (expr_value_t){.tag = EXPR_V_DATETIME, .aux = (uint8_t)kind, .u.i = ticks};
    return 0;
bad:
    return expr_throw(rt, "FormatException", "String '%.*s' was not recognized as a valid DateTime.", (int)len, s);
}

int json_convert_to(expr_rt_t *rt, const expr_json_token_t *t, const expr_class_t *to,
                    expr_value_t *out)
{
    if (to != &expr_class_string && to != &expr_class_int && to != &expr_class_long &&
        to != &expr_class_double && to != &expr_class_bool && to != &expr_class_datetime)
        return 1;
    json_t *j = t->json; /* a JProperty converts its value (Newtonsoft's EnsureValue) */
    const char *tname = class_dotnet_name(to);
    int64_t n = 0;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
    case JSON_ARRAY:
        return expr_throw(rt, "ArgumentException", "Can not convert %s to %s.",
                          json_is_object(j) ? "Object" : "Array", tname);
    case JSON_NULL:
        if (to == &expr_class_string) {
            *out = expr_null();
            return 0;
        }
        return expr_throw(rt, "ArgumentException", "Can not convert Null to %s.", tname);
    case JSON_STRING: {
        const char *s = json_string_value(j);
        size_t len = json_string_length(j);
        if (to == &expr_class_string) return expr_str_copy(rt, s, len, out);
        if (to == &expr_class_int) {
            if (parse_integer(rt, s, len, INT32_MIN, INT32_MAX, "Int32", &n)) return EXPR_THROWN;
            *out = expr_int((int32_t)n);
            return 0;
        }
        if (to == &expr_class_long) {
            if (parse_integer(rt, s, len, INT64_MIN, INT64_MAX, "Int64", &n)) return EXPR_THROWN;
            *out = expr_long(n);
            return 0;
        }
        if (to == &expr_class_double) {
            double d = 0;
            if (parse_double(rt, s, len, &d)) return EXPR_THROWN;
            *out = expr_double(d);
            return 0;
        }
        if (to == &expr_class_bool) {
            bool b = false;
            if (parse_bool(rt, s, len, &b)) return EXPR_THROWN;
            *out = expr_bool(b);
            return 0;
        }
        return parse_datetime(rt, s, len, out);
    }
    case JSON_INTEGER:
    case JSON_REAL:
    case JSON_TRUE:
    case JSON_FALSE:
        break;
    }
    if (to == &expr_class_datetime)
        return expr_throw(rt, "ArgumentException", "Can not convert %s to DateTime.",
                          json_token_type_name(json_token_type(&(expr_json_token_t){.json = j})));
    bool is_bool = json_is_boolean(j), is_real = json_is_real(j);
    int64_t i = is_bool ? json_is_true(j) : is_real ? 0 : json_integer_value(j);
    double d = is_real ? json_real_value(j) : (double)i;
    if (to == &expr_class_string) {
        if (is_bool) return expr_str_copy(rt, i ? "True" : "False", i ? 4 : 5, out);
        char buf[40];
        if (is_real) json_format_double(d, buf);
        else snprintf(buf, sizeof buf, "%lld", (long long)i);
        return expr_str_copy(rt, buf, strlen(buf), out);
    }
    if (to == &expr_class_double) {
        *out = expr_double(d);
        return 0;
    }
    if (to == &expr_class_bool) {
        *out = expr_bool(is_real ? d != 0 : i != 0);
        return 0;
    }
    bool is_int = to == &expr_class_int;
    int64_t min = is_int ? INT32_MIN : INT64_MIN, max = is_int ? INT32_MAX : INT64_MAX;
    if (is_real) {
        if (double_to_integer(rt, d, is_int, tname, &n)) return EXPR_THROWN;
    } else {
        if (i < min || i > max)
            return expr_throw(rt, "OverflowException", "Value was either too large or too small for an %s.", tname);
        n = i;
    }
    *out = is_int ? expr_int((int32_t)n) : expr_long(n);
    return 0;
}

/* ---- parsing ---- */

int expr_json_parse(expr_rt_t *rt, const char *text, size_t len, expr_value_t *out)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i])) i++;
    if (i == len) return expr_throw(rt, JSON_EXC_READER, "Error reading JToken from JsonReader. Path '', line 0, position 0.");
    json_error_t err;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (j) return json_tok_steal(rt, j, out);
    int line = err.line > 0 ? err.line : 1, col = err.column > 0 ? err.column : 0;
    /* jansson names the offending token ("... near 'bad'") and its column is past it;
     * Newtonsoft names the first character and the position where it starts */
    char c = '?';
    const char *near = strstr(err.text, "near '");
    if (near && near[6] && near[6] != '\'') {
        const char *end = strchr(near + 6, '\'');
        int token_len = end ? (int)(end - near - 6) : 1;
        c = near[6];
        if (col > token_len) col -= token_len - 1;
    }
    if (strstr(err.text, "end of file expected"))
        return expr_throw(rt, JSON_EXC_READER, "Additional text encountered after finished reading JSON content: %c. Path '', line %d, position %d.",
                          c, line, col);
    if (strstr(err.text, "end of file") || strstr(err.text, "premature end"))
        return expr_throw(rt, JSON_EXC_READER, "Unexpected end of content while loading JToken. Path '', line %d, position %d.",
                          line, col);
    if (strstr(err.text, "too big"))
        return expr_throw(rt, JSON_EXC_READER, "JSON integer is too large for an Int64. Path '', line %d, position %d.",
                          line, col);
    if (strstr(err.text, "string or '}' expected") || strstr(err.text, "string expected"))
        return expr_throw(rt, JSON_EXC_READER, "Invalid property identifier character: %c. Path '', line %d, position %d.",
                          c, line, col);
    return expr_throw(rt, JSON_EXC_READER, "Unexpected character encountered while parsing value: %c. Path '', line %d, position %d.",
                      c, line, col);
}

/* ---- JTokenType, Formatting ---- */

static int enum_const(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                      expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)self, (void)args, (void)argc;
    const expr_class_t *cls = call->member->ret.cls;
    const json_enum_t *table = cls == &expr_class_jtokentype ? token_types : formattings;
    int n = cls == &expr_class_jtokentype ? JTT_COUNT : 2;
    for (int i = 0; i < n; i++)
        if (strcmp(table[i].name, call->member->name) == 0) return json_enum_value(rt, cls, i, out);
    return expr_throw(rt, "MissingMemberException", "%s", call->member->name);
}

static int enum_to_string(expr_rt_t *rt, const expr_value_t *self, expr_value_t *out)
{
    const json_enum_t *e = self->u.obj.ptr;
    *out = expr_str_ref(e->name, strlen(e->name));
    (void)rt;
    return 0;
}

static int enum_convert(expr_rt_t *rt, const expr_value_t *self, const expr_class_t *to,
                        expr_value_t *out)
{
    (void)rt;
    const json_enum_t *e = self->u.obj.ptr;
    if (to == &expr_class_int) *out = expr_int(e->value);
    else if (to == &expr_class_long) *out = expr_long(e->value);
    else return 1;
    return 0;
}

#define TT(n) {.name = #n, .kind = EXPR_M_STATIC_PROPERTY, .ret = {&expr_class_jtokentype, NULL}, .fn = enum_const}
static const expr_member_t token_type_members[] = {
    TT(None),   TT(Object), TT(Array),     TT(Constructor), TT(Property), TT(Comment),
    TT(Integer), TT(Float), TT(String),    TT(Boolean),     TT(Null),     TT(Undefined),
    TT(Date),   TT(Raw),    TT(Bytes),     TT(Guid),        TT(Uri),      TT(TimeSpan),
};
#undef TT

const expr_class_t expr_class_jtokentype = {
    .name = "JTokenType",
    .full_name = "Newtonsoft.Json.Linq.JTokenType",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = token_type_members,
    .member_count = sizeof token_type_members / sizeof token_type_members[0],
    .convert = enum_convert,
    .to_string = enum_to_string,
};

static const expr_member_t formatting_members[] = {
    {.name = "None", .kind = EXPR_M_STATIC_PROPERTY, .ret = {&expr_class_jsonformatting, NULL}, .fn = enum_const},
    {.name = "Indented", .kind = EXPR_M_STATIC_PROPERTY, .ret = {&expr_class_jsonformatting, NULL}, .fn = enum_const},
};

const expr_class_t expr_class_jsonformatting = {
    .name = "Formatting",
    .full_name = "Newtonsoft.Json.Formatting",
    .tag = EXPR_V_OBJECT,
    .is_nameable = true,
    .base = &expr_class_object,
    .members = formatting_members,
    .member_count = 2,
    .convert = enum_convert,
    .to_string = enum_to_string,
};

/* ---- JsonConvert ---- */

static bool is_jtoken_class(const expr_class_t *c)
{
    return c == &expr_class_jtoken || c == &expr_class_jobject || c == &expr_class_jarray ||
           c == &expr_class_jvalue || c == &expr_class_jproperty;
}

/* JsonConvert.SerializeObject(value[, Formatting]): Formatting.None by default. */
static int convert_serialize(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                             expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)call, (void)self;
    bool indented = argc > 1 && json_enum_of(&args[1]) == 1;
    const expr_json_token_t *t = json_tok(&args[0]);
    if (t) return json_write_token(rt, t, indented, out);
    json_t *j = NULL;
    if (expr_json_from_value(rt, &args[0], &j)) return EXPR_THROWN;
    expr_json_token_t tmp = {.json = j};
    int rc = json_write_token(rt, &tmp, indented, out);
    json_decref(j);
    return rc;
}

/* JsonConvert.DeserializeObject(text) → JObject/JArray, or the primitive for a scalar (as
 * Newtonsoft returns long, double, string, bool, null); DeserializeObject<T>(text) for T a
 * JToken class or string/int/long/double/bool/DateTime. */
static int convert_deserialize(expr_rt_t *rt, const expr_call_t *call, const expr_value_t *self,
                               expr_value_t *args, unsigned argc, expr_value_t *out)
{
    (void)self, (void)argc;
    if (args[0].tag == EXPR_V_NULL)
        return expr_throw(rt, "ArgumentNullException", "Value cannot be null. (Parameter 'value')");
    if (args[0].tag != EXPR_V_STRING)
        return expr_throw(rt, "ArgumentException", "DeserializeObject expects a string.");
    expr_value_t tok;
    if (expr_json_parse(rt, args[0].u.s.ptr, args[0].u.s.len, &tok)) return EXPR_THROWN;
    const expr_json_token_t *t = tok.u.obj.ptr;
    const expr_class_t *want = call->type_arg;
    if (want && is_jtoken_class(want)) {
        if (want == &expr_class_jtoken || want == tok.u.obj.cls) {
            *out = tok;
            return 0;
        }
        if (want == &expr_class_jobject || want == &expr_class_jarray)
            return expr_throw(rt, JSON_EXC_READER, "Error reading %s from JsonReader. Current JsonReader item is not an %s: %s. Path '', line 1, position 1.",
                              want->name, want == &expr_class_jobject ? "object" : "array",
                              json_is_object(t->json) ? "StartObject" : json_is_array(t->json) ? "StartArray" : json_token_type_name(json_token_type(t)));
        return expr_throw(rt, "InvalidCastException", "Unable to cast object of type '%s' to type '%s'.",
                          tok.u.obj.cls->full_name, want->full_name);
    }
    if (want && !(want == &expr_class_object)) {
        if (json_is_null(t->json)) {
            *out = expr_null();
            return 0;
        }
        int rc = json_convert_to(rt, t, want, out);
        if (rc == 1)
            return expr_throw(rt, JSON_EXC, "Deserializing to %s is not supported; use JObject or a primitive type.", want->name);
        return rc;
    }
    switch (json_typeof(t->json)) {
    case JSON_OBJECT:
    case JSON_ARRAY: *out = tok; return 0;
    case JSON_STRING: return expr_str_copy(rt, json_string_value(t->json), json_string_length(t->json), out);
    case JSON_INTEGER: *out = expr_long(json_integer_value(t->json)); return 0;
    case JSON_REAL: *out = expr_double(json_real_value(t->json)); return 0;
    case JSON_TRUE: *out = expr_bool(true); return 0;
    case JSON_FALSE: *out = expr_bool(false); return 0;
    case JSON_NULL: *out = expr_null(); return 0;
    }
    return 0;
}

static const expr_member_t jsonconvert_members[] = {
    {.name = "SerializeObject", .kind = EXPR_M_STATIC_METHOD, .min_args = 1, .max_args = 2,
     .ret = {&expr_class_string, NULL}, .fn = convert_serialize},
    {.name = "DeserializeObject", .kind = EXPR_M_STATIC_METHOD, .min_args = 1, .max_args = 1,
     .ret_rule = EXPR_RET_TYPE_ARG, .fn = convert_deserialize},
};

const expr_class_t expr_class_jsonconvert = {
    .name = "JsonConvert",
    .full_name = "Newtonsoft.Json.JsonConvert",
    .tag = EXPR_V_OBJECT,
    .is_static_only = true,
    .is_nameable = true,
    .members = jsonconvert_members,
    .member_count = 2,
};

const expr_class_t *const expr_lib_json_classes[] = {
    &expr_class_jtoken,    &expr_class_jobject,         &expr_class_jarray,
    &expr_class_jvalue,    &expr_class_jproperty,       &expr_class_jtokentype,
    &expr_class_jsonconvert, &expr_class_jsonformatting, NULL,
};
