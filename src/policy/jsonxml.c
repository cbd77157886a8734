/* jsonxml: JSON ↔ XML body conversions (jsonxml.h). */
#include "policy/jsonxml.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(char *why, size_t why_size, int rc, const char *msg)
{
    if (why && why_size) snprintf(why, why_size, "%s", msg);
    return rc;
}

/* ---- media types ---- */

/* type/subtype of a media type with parameters and white space removed. */
static void media_core(const char *s, size_t len, const char **start, size_t *core_len)
{
    while (len && isspace((unsigned char)*s)) s++, len--;
    const char *semi = memchr(s, ';', len);
    if (semi) len = (size_t)(semi - s);
    while (len && isspace((unsigned char)s[len - 1])) len--;
    *start = s;
    *core_len = len;
}

static bool media_is(const char *s, size_t len, const char *a, const char *b, const char *suffix)
{
    const char *c;
    size_t n;
    media_core(s, len, &c, &n);
    if ((n == strlen(a) && strncasecmp(c, a, n) == 0) || (n == strlen(b) && strncasecmp(c, b, n) == 0))
        return true;
    size_t sl = strlen(suffix);
    return n > sl && strncasecmp(c + n - sl, suffix, sl) == 0 && memchr(c, '/', n) != NULL;
}

bool jsonxml_is_json_type(const char *media_type, size_t len)
{
    return media_type && media_is(media_type, len, "application/json", "text/json", "+json");
}

bool jsonxml_is_xml_type(const char *media_type, size_t len)
{
    return media_type && media_is(media_type, len, "application/xml", "text/xml", "+xml");
}

bool jsonxml_accept_asks_for(const char *accept, size_t len, bool is_json)
{
    if (!accept) return false;
    const char *p = accept, *end = accept + len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (is_json ? jsonxml_is_json_type(p, (size_t)(stop - p))
                    : jsonxml_is_xml_type(p, (size_t)(stop - p)))
            return true;
        p = comma ? comma + 1 : end;
    }
    return false;
}

/* ---- JSON → XML ---- */

typedef struct ns_scope {
    const char *prefix;
    size_t len;
    const struct ns_scope *up;
} ns_scope_t;

typedef struct {
    const jsonxml_to_xml_options_t *o;
    buf_t *out;
    int depth;
} j2x_t;

static int put(j2x_t *x, const char *s, size_t n)
{
    return buf_append(x->out, s, n) ? -ENOMEM : 0;
}
static int puts_(j2x_t *x, const char *s)
{
    return put(x, s, strlen(s));
}

static int put_escaped(j2x_t *x, const char *s, size_t n, bool is_attr)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = is_attr ? "&quot;" : NULL; break;
        case '\n': rep = is_attr ? "&#xA;" : NULL; break;
        case '\r': rep = "&#xD;"; break;
        case '\t': rep = is_attr ? "&#x9;" : NULL; break;
        default:
            /* XML 1.0 forbids most control characters even as references: drop them. */
            if ((unsigned char)s[i] < 0x20) rep = "";
        }
        if (!rep) continue;
        if (put(x, s + from, i - from) || puts_(x, rep)) return -ENOMEM;
        from = i + 1;
    }
    return put(x, s + from, n - from);
}

static bool is_name_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}
static bool is_name_char(unsigned char c)
{
    return is_name_start(c) || isdigit(c) || c == '-' || c == '.';
}

/* Writes `name` as an XML name, encoding what XML forbids as XmlConvert does (_xHHHH_). */
static int put_name(j2x_t *x, const char *s, size_t n)
{
    if (n == 0) return puts_(x, "_");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = i == 0 ? is_name_start(c) : is_name_char(c);
        if (ok) {
            if (put(x, s + i, 1)) return -ENOMEM;
        } else if (buf_printf(x->out, "_x%04X_", c)) {
            return -ENOMEM;
        }
    }
    return 0;
}

static bool ns_declared(const ns_scope_t *ns, const char *p, size_t len)
{
    for (; ns; ns = ns->up)
        if (ns->len == len && memcmp(ns->prefix, p, len) == 0) return true;
    return false;
}

/* Writes an element or attribute name: p + separator + local as p:local when p is a
 * declared prefix, else the whole key encoded. */
static int put_qname(j2x_t *x, const ns_scope_t *ns, const char *key, size_t n)
{
    const char *sep = x->o->namespace_prefix ? memchr(key, x->o->namespace_separator, n) : NULL;
    if (sep && sep > key && ns_declared(ns, key, (size_t)(sep - key))) {
        if (put_name(x, key, (size_t)(sep - key)) || put(x, ":", 1)) return -ENOMEM;
        return put_name(x, sep + 1, n - (size_t)(sep - key) - 1);
    }
    return put_name(x, key, n);
}

/* A namespace declaration property: 1 with the declared prefix in *p (len 0 = default
 * namespace), 0 otherwise. */
static int is_ns_decl(const j2x_t *x, const char *key, size_t n, const char **p, size_t *plen)
{
    const char *pre = x->o->namespace_prefix;
    if (!pre || !*pre) return 0;
    size_t pl = strlen(pre);
    if (n < pl || memcmp(key, pre, pl) != 0) return 0;
    if (n == pl) {
        *p = key + n;
        *plen = 0;
        return 1;
    }
    if (key[pl] != x->o->namespace_separator || n == pl + 1) return 0;
    *p = key + pl + 1;
    *plen = n - pl - 1;
    return 1;
}

static bool read_n(const char **p, const char *end, int count, int *out)
{
    int v = 0;
    for (int i = 0; i < count; i++, (*p)++) {
        if (*p >= end || !isdigit((unsigned char)**p)) return false;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return true;
}

/* ISO 8601 dates and /Date(ms)/ in Newtonsoft's round-trip form; false when s is no date. */
static bool normalize_date(const char *s, size_t n, char *out, size_t out_size)
{
    const char *p = s, *end = s + n;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    long frac = 0;
    int frac_digits = 0;
    char zone[16] = "";
    if (n > 8 && memcmp(s, "/Date(", 6) == 0 && memcmp(end - 2, ")/", 2) == 0) {
        char *stop;
        long long ms = strtoll(s + 6, &stop, 10);
        if (stop != end - 2 || stop == s + 6) return false;
        long long secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
        long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
        long long rem = secs - days * 86400;
        /* civil_from_days (H. Hinnant) */
        long long z = days + 719468;
        long long era = (z >= 0 ? z : z - 146096) / 146097;
        unsigned doe = (unsigned)(z - era * 146097);
        unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        unsigned mp = (5 * doy + 2) / 153;
        unsigned dd = doy - (153 * mp + 2) / 5 + 1;
        unsigned mm = mp < 10 ? mp + 3 : mp - 9;
        long long yy = (long long)yoe + era * 400 + (mm <= 2);
        int msr = (int)(ms - secs * 1000);
        if (msr)
            snprintf(out, out_size, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03dZ", yy, mm, dd,
                     rem / 3600, rem / 60 % 60, rem % 60, msr);
        else
            snprintf(out, out_size, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", yy, mm, dd,
                     rem / 3600, rem / 60 % 60, rem % 60);
        return true;
    }
    if (!read_n(&p, end, 4, &y) || p >= end || *p++ != '-' || !read_n(&p, end, 2, &mo) ||
        p >= end || *p++ != '-' || !read_n(&p, end, 2, &d) || p >= end || *p++ != 'T' ||
        !read_n(&p, end, 2, &h) || p >= end || *p++ != ':' || !read_n(&p, end, 2, &mi))
        return false;
    if (p < end && *p == ':') {
        p++;
        if (!read_n(&p, end, 2, &sec)) return false;
        if (p < end && *p == '.') {
            p++;
            while (p < end && isdigit((unsigned char)*p)) {
                if (frac_digits < 7) frac = frac * 10 + (*p - '0'), frac_digits++;
                p++;
            }
            if (frac_digits == 0) return false;
        }
    }
    if (p < end && *p == 'Z') {
        strcpy(zone, "Z");
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        char sign = *p++;
        int oh, om = 0;
        if (!read_n(&p, end, 2, &oh)) return false;
        if (p < end && *p == ':') p++;
        if (p < end && !read_n(&p, end, 2, &om)) return false;
        snprintf(zone, sizeof zone, "%c%02d:%02d", sign, oh % 100, om % 100);
    }
    if (p != end || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
        return false;
    /* Newtonsoft writes the fraction without trailing zeros. */
    char fr[10] = "";
    if (frac) {
        while (frac_digits < 7) frac *= 10, frac_digits++;
        snprintf(fr, sizeof fr, ".%07ld", frac);
        size_t l = strlen(fr);
        while (fr[l - 1] == '0') fr[--l] = 0;
    }
    snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, mo, d, h, mi, sec, fr, zone);
    return true;
}

static int put_scalar(j2x_t *x, json_t *v)
{
    char num[48];
    switch (json_typeof(v)) {
    case JSON_STRING: {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        char date[96];
        if (x->o->parse_date && n < 40 && normalize_date(s, n, date, sizeof date))
            return puts_(x, date);
        return put_escaped(x, s, n, false);
    }
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return puts_(x, num);
    case JSON_REAL: {
        double d = json_real_value(v);
        snprintf(num, sizeof num, "%.15g", d);
        if (strtod(num, NULL) != d) snprintf(num, sizeof num, "%.17g", d);
        char *e = strchr(num, 'e');
        if (e) *e = 'E';
        return puts_(x, num);
    }
    case JSON_TRUE:
        return puts_(x, "true");
    case JSON_FALSE:
        return puts_(x, "false");
    default:
        return 0;
    }
}

static int put_element(j2x_t *x, const ns_scope_t *ns, const char *name, size_t n, json_t *v);

/* The object member named by the attribute-block option: its members become attributes. */
static bool is_attribute_block(const j2x_t *x, const char *key, size_t klen, const json_t *val)
{
    const char *block = x->o->attribute_block;
    return block && strlen(block) == klen && memcmp(key, block, klen) == 0 && json_is_object(val);
}

/* A member that becomes a child element: neither a namespace declaration nor the attribute
 * block (both are written on the element itself). */
static bool is_child_member(const j2x_t *x, const char *key, size_t klen, const json_t *val)
{
    const char *p;
    size_t pl;
    return !is_ns_decl(x, key, klen, &p, &pl) && !is_attribute_block(x, key, klen, val);
}

/* The inside of an element for an object: its attributes were written by put_element. */
static int put_children(j2x_t *x, const ns_scope_t *ns, json_t *obj)
{
    const char *key;
    size_t klen;
    json_t *val;
    json_object_keylen_foreach(obj, key, klen, val)
    {
        if (!is_child_member(x, key, klen, val)) continue;
        int rc = put_element(x, ns, key, klen, val);
        if (rc) return rc;
    }
    return 0;
}

static int put_element(j2x_t *x, const ns_scope_t *ns, const char *name, size_t n, json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            int rc = put_element(x, ns, name, n, item);
            if (rc) return rc;
        }
        return 0;
    }
    if (++x->depth > JSONXML_MAX_DEPTH) return -E2BIG;
    /* Declarations first: the element's own name may use a prefix it declares. */
    ns_scope_t decls[32];
    size_t decl_count = 0;
    const ns_scope_t *inner = ns;
    if (json_is_object(v)) {
        const char *key;
        size_t klen;
        json_t *val;
        json_object_keylen_foreach(v, key, klen, val)
        {
            const char *p;
            size_t pl;
            if (decl_count < 32 && is_ns_decl(x, key, klen, &p, &pl) && pl) {
                decls[decl_count] = (ns_scope_t){p, pl, inner};
                inner = &decls[decl_count++];
            }
        }
    }
    int rc = put(x, "<", 1) || put_qname(x, inner, name, n) ? -ENOMEM : 0;
    if (rc == 0 && json_is_object(v)) {
        const char *key;
        size_t klen;
        json_t *val;
        json_object_keylen_foreach(v, key, klen, val)
        {
            const char *p;
            size_t pl;
            if (rc) break;
            if (is_ns_decl(x, key, klen, &p, &pl) && json_is_string(val)) {
                rc = puts_(x, pl ? " xmlns:" : " xmlns") || (pl && put_name(x, p, pl)) || puts_(x, "=\"") ||
                             put_escaped(x, json_string_value(val), json_string_length(val), true) ||
                             put(x, "\"", 1)
                         ? -ENOMEM
                         : 0;
            } else if (is_attribute_block(x, key, klen, val)) {
                const char *ak;
                size_t akl;
                json_t *av;
                json_object_keylen_foreach(val, ak, akl, av)
                {
                    if (rc || json_is_object(av) || json_is_array(av)) continue;
                    rc = put(x, " ", 1) || put_qname(x, inner, ak, akl) || puts_(x, "=\"")
                             ? -ENOMEM
                             : 0;
                    /* Attribute text is escaped like element text plus quotes. */
                    if (rc == 0 && json_is_string(av))
                        rc = put_escaped(x, json_string_value(av), json_string_length(av), true);
                    else if (rc == 0)
                        rc = put_scalar(x, av);
                    if (rc == 0) rc = put(x, "\"", 1);
                }
            }
        }
    }
    if (rc) return rc;
    bool is_empty = json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0) ||
                    (json_is_string(v) && json_string_length(v) == 0);
    if (json_is_object(v)) {
        /* Empty when every property went into attributes. */
        is_empty = true;
        const char *key;
        size_t klen;
        json_t *val;
        json_object_keylen_foreach(v, key, klen, val)
        {
            if (is_child_member(x, key, klen, val)) is_empty = false;
        }
    }
    if (is_empty) {
        x->depth--;
        return puts_(x, " />");
    }
    if (put(x, ">", 1)) return -ENOMEM;
    rc = json_is_object(v) ? put_children(x, inner, v) : put_scalar(x, v);
    if (rc) return rc;
    if (puts_(x, "</") || put_qname(x, inner, name, n) || put(x, ">", 1)) return -ENOMEM;
    x->depth--;
    return 0;
}

int jsonxml_json_to_xml(const char *json, size_t len, const jsonxml_to_xml_options_t *opts,
                        buf_t *out, char *why, size_t why_size)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root) root = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &jerr);
    if (!root) {
        if (why && why_size)
            snprintf(why, why_size, "the body is not JSON: %s at line %d column %d", jerr.text,
                     jerr.line, jerr.column);
        return -EINVAL;
    }
    j2x_t x = {.o = opts, .out = out};
    size_t start = out->len;
    int rc;
    const char *key = NULL;
    size_t klen = 0;
    json_t *val = NULL;
    if (json_is_object(root) && json_object_size(root) == 1) {
        json_object_keylen_foreach(root, key, klen, val) break;
    }
    if (json_is_object(root) && json_object_size(root) == 1 && !json_is_array(val)) {
        rc = put_element(&x, NULL, key, klen, val);
    } else if (json_is_array(root)) {
        json_t *wrap = json_pack("{sO}", "Array", root);
        rc = wrap ? put_element(&x, NULL, "Document", 8, wrap) : -ENOMEM;
        json_decref(wrap);
    } else {
        rc = put_element(&x, NULL, "Document", 8, root);
    }
    json_decref(root);
    if (rc) {
        out->len = start;
        if (rc == -E2BIG) return fail(why, why_size, -EINVAL, "the JSON body nests too deeply");
        return rc;
    }
    return 0;
}

/* ---- XML → JSON ---- */

typedef struct {
    const jsonxml_to_json_options_t *o;
    int depth;
} x2j_t;

static bool is_xsi(const xmlAttr *a)
{
    return a->ns && a->ns->href &&
           strcmp((const char *)a->ns->href, "http://www.w3.org/2001/XMLSchema-instance") == 0;
}

static bool is_nil(const xmlNode *el)
{
    for (const xmlAttr *a = el->properties; a; a = a->next) {
        if (is_xsi(a) && strcmp((const char *)a->name, "nil") == 0) {
            xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
            bool yes = v && strcmp((const char *)v, "true") == 0;
            xmlFree(v);
            return yes;
        }
    }
    return false;
}

/* The name a node gets: p:local (direct) or local (javascript-friendly). Into buf. */
static const char *node_name(const x2j_t *c, const xmlNode *n, const xmlNs *ns, char *buf,
                             size_t size)
{
    const char *local = (const char *)n->name;
    if (c->o->kind == JSONXML_DIRECT && ns && ns->prefix) {
        snprintf(buf, size, "%s:%s", (const char *)ns->prefix, local);
        return buf;
    }
    return local;
}

/* Adds a converted child under `name`: a second child of that name turns the value into
 * an array (element values themselves are never arrays). */
static int add_child(json_t *obj, const char *name, json_t *v, bool always_array)
{
    if (!v) return -ENOMEM;
    json_t *cur = json_object_get(obj, name);
    if (!cur && !always_array) return json_object_set_new(obj, name, v) ? -ENOMEM : 0;
    if (!cur || !json_is_array(cur)) {
        json_t *arr = cur ? json_pack("[O]", cur) : json_array();
        if (!arr || json_object_set_new(obj, name, arr)) {
            json_decref(v);
            return -ENOMEM;
        }
        cur = arr;
    }
    return json_array_append_new(cur, v) ? -ENOMEM : 0;
}

static int convert(x2j_t *c, const xmlNode *el, json_t **out);

static bool is_blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (!isspace(*s)) return false;
    return true;
}

static int convert(x2j_t *c, const xmlNode *el, json_t **out)
{
    if (++c->depth > JSONXML_MAX_DEPTH) return -E2BIG;
    bool friendly = c->o->kind == JSONXML_JAVASCRIPT_FRIENDLY;
    if (c->o->nil != JSONXML_NIL_KEEP && is_nil(el)) {
        c->depth--;
        *out = c->o->nil == JSONXML_NIL_BLANK ? json_string("") : json_null();
        return *out ? 0 : -ENOMEM;
    }
    json_t *obj = json_object();
    if (!obj) return -ENOMEM;
    char name[512];
    int rc = 0;
    /* Attributes: namespace declarations first (as they are written), then the others. */
    if (!friendly) {
        for (const xmlNs *ns = el->nsDef; ns && rc == 0; ns = ns->next) {
            if (ns->prefix) snprintf(name, sizeof name, "@xmlns:%s", (const char *)ns->prefix);
            else snprintf(name, sizeof name, "@xmlns");
            rc = json_object_set_new(obj, name, json_string((const char *)ns->href)) ? -ENOMEM : 0;
        }
    }
    for (const xmlAttr *a = el->properties; a && rc == 0; a = a->next) {
        if (friendly && is_xsi(a) && strcmp((const char *)a->name, "nil") == 0) continue;
        char qn[480];
        const char *n = node_name(c, (const xmlNode *)a, a->ns, qn, sizeof qn);
        if (friendly) snprintf(name, sizeof name, "%s", n);
        else snprintf(name, sizeof name, "@%s", n);
        xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
        rc = json_object_set_new(obj, name, json_string(v ? (const char *)v : "")) ? -ENOMEM : 0;
        xmlFree(v);
    }
    bool has_elements = false;
    for (const xmlNode *ch = el->children; ch; ch = ch->next) has_elements |= ch->type == XML_ELEMENT_NODE;
    buf_t text;
    buf_init(&text);
    for (const xmlNode *ch = el->children; ch && rc == 0; ch = ch->next) {
        if (ch->type == XML_ELEMENT_NODE) {
            json_t *v = NULL;
            rc = convert(c, ch, &v);
            if (rc) break;
            char qn[480];
            rc = add_child(obj, node_name(c, ch, ch->ns, qn, sizeof qn), v, c->o->always_array);
        } else if (ch->type == XML_TEXT_NODE || ch->type == XML_CDATA_SECTION_NODE) {
            if (has_elements && ch->type == XML_TEXT_NODE && is_blank(ch->content)) continue;
            rc = buf_append_cstr(&text, ch->content ? (const char *)ch->content : "") ? -ENOMEM : 0;
        }
    }
    if (rc == 0) {
        json_t *t = text.len ? json_stringn(text.data, text.len) : NULL;
        if (json_object_size(obj) == 0) {
            json_decref(obj);
            obj = t ? t : json_null();
        } else if (t) {
            rc = json_object_set_new(obj, "#text", t) ? -ENOMEM : 0;
        }
    }
    buf_free(&text);
    if (rc) {
        json_decref(obj);
        return rc;
    }
    c->depth--;
    *out = obj;
    return 0;
}

int jsonxml_xml_to_value(const char *xml, size_t len, const jsonxml_to_json_options_t *opts,
                         json_t **out, char *why, size_t why_size)
{
    if (len > INT32_MAX) return fail(why, why_size, -EINVAL, "the XML body is too large");
    /* No DTD loading, no entity substitution, no network: the body is untrusted. */
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        if (why && why_size) {
            snprintf(why, why_size, "the body is not well-formed XML%s%s", e && e->message ? ": " : "",
                     e && e->message ? e->message : "");
            size_t l = strlen(why);
            while (l && (why[l - 1] == '\n' || why[l - 1] == ' ')) why[--l] = 0;
        }
        return -EINVAL;
    }
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        return fail(why, why_size, -EINVAL, "the XML body has a DOCTYPE, which is not accepted");
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    x2j_t c = {.o = opts};
    json_t *result = json_object(), *v = NULL;
    int rc = result && root ? convert(&c, root, &v) : -ENOMEM;
    if (rc == 0 && opts->kind == JSONXML_DIRECT) {
        /* Newtonsoft reports a written XML declaration as "?xml". */
        const char *p = xml, *end = xml + len;
        if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
        while (p < end && isspace((unsigned char)*p)) p++;
        if ((size_t)(end - p) >= 5 && memcmp(p, "<?xml", 5) == 0) {
            json_t *decl = json_object();
            if (decl && doc->version) json_object_set_new(decl, "@version", json_string((const char *)doc->version));
            if (decl && doc->encoding) json_object_set_new(decl, "@encoding", json_string((const char *)doc->encoding));
            if (decl && doc->standalone >= 0)
                json_object_set_new(decl, "@standalone", json_string(doc->standalone ? "yes" : "no"));
            rc = decl && json_object_set_new(result, "?xml", decl) == 0 ? 0 : -ENOMEM;
        }
    }
    if (rc == 0) {
        char qn[480];
        rc = json_object_set_new(result, node_name(&c, root, root->ns, qn, sizeof qn), v) ? -ENOMEM : 0;
        v = NULL;
    }
    json_decref(v);
    xmlFreeDoc(doc);
    if (rc) {
        json_decref(result);
        if (rc == -E2BIG) return fail(why, why_size, -EINVAL, "the XML body nests too deeply");
        return rc;
    }
    *out = result;
    return 0;
}

int jsonxml_xml_to_json(const char *xml, size_t len, const jsonxml_to_json_options_t *opts,
                        buf_t *out, char *why, size_t why_size)
{
    json_t *v;
    int rc = jsonxml_xml_to_value(xml, len, opts, &v, why, why_size);
    if (rc) return rc;
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    if (!s) return -ENOMEM;
    rc = buf_append_cstr(out, s) ? -ENOMEM : 0;
    free(s);
    return rc;
}
