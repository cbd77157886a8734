/* lib_xml_text: XNode text as .NET's XmlWriter writes ToString() (lib_xml.h), and the
 * explicit conversions of XElement/XAttribute values ((int)el, (bool)attr...), which parse
 * as XmlConvert does. */
#include "expr/lib_xml_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

static int put_escaped(expr_text_buf_t *b, const char *s, bool attr)
{
    if (!s) return 0;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = attr ? "&quot;" : NULL; break;
        case '\t': rep = attr ? "&#x9;" : NULL; break;
        case '\n': rep = attr ? "&#xA;" : NULL; break;
        case '\r': rep = "&#xD;"; break;
        default: break;
        }
        if (!rep) continue;
        if (expr_text_put(b, run, (size_t)(p - run)) || expr_text_puts(b, rep)) return EXPR_THROWN;
        run = p + 1;
    }
    return expr_text_puts(b, run);
}

static int put_qname(expr_text_buf_t *b, const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix && (expr_text_puts(b, (const char *)ns->prefix) || expr_text_putc(b, ':')))
        return EXPR_THROWN;
    return expr_text_puts(b, (const char *)name);
}

static int put_nsdecl(expr_text_buf_t *b, const xmlNs *ns)
{
    if (expr_text_puts(b, ns->prefix ? " xmlns:" : " xmlns")) return EXPR_THROWN;
    if (ns->prefix && expr_text_puts(b, (const char *)ns->prefix)) return EXPR_THROWN;
    if (expr_text_puts(b, "=\"") || put_escaped(b, (const char *)ns->href, true)) return EXPR_THROWN;
    return expr_text_putc(b, '"');
}

static bool uses_ns(xmlNodePtr n, const xmlNs *ns)
{
    if (n->type != XML_ELEMENT_NODE) return false;
    if (n->ns == ns) return true;
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (a->ns == ns) return true;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (uses_ns(c, ns)) return true;
    return false;
}

static bool declared_on(xmlNodePtr n, const xmlChar *prefix)
{
    for (xmlNsPtr d = n->nsDef; d; d = d->next)
        if (xmlStrEqual(d->prefix, prefix)) return true;
    return false;
}

/* The namespaces a subtree written on its own must declare: those bound on its ancestors
 * and used inside it (.NET's writer declares them on the subtree's root). */
static int put_inherited_ns(expr_text_buf_t *b, xmlNodePtr top)
{
    for (xmlNodePtr a = top->parent; a && a->type == XML_ELEMENT_NODE; a = a->parent)
        for (xmlNsPtr d = a->nsDef; d; d = d->next) {
            if (declared_on(top, d->prefix)) continue;
            bool shadowed = false;
            for (xmlNodePtr x = top->parent; x != a; x = x->parent)
                if (declared_on(x, d->prefix)) shadowed = true;
            if (!shadowed && uses_ns(top, d) && put_nsdecl(b, d)) return EXPR_THROWN;
        }
    return 0;
}

/* True when n's declaration d repeats a binding already in scope inside the written tree
 * (copies made by constructors carry their own declarations; .NET writes none). */
static bool redundant_ns(xmlNodePtr n, xmlNodePtr top, const xmlNs *d)
{
    for (xmlNodePtr a = n; a != top; ) {
        a = a->parent;
        if (!a || a->type != XML_ELEMENT_NODE) return false;
        for (xmlNsPtr x = a->nsDef; x; x = x->next)
            if (xmlStrEqual(x->prefix, d->prefix)) return xmlStrEqual(x->href, d->href);
    }
    return false;
}

static int put_indent(expr_text_buf_t *b, int depth)
{
    if (expr_text_putc(b, '\n')) return EXPR_THROWN;
    return expr_text_fill(b, ' ', (size_t)depth * 2);
}

static int write_node(expr_text_buf_t *b, xmlNodePtr n, xmlNodePtr top, int depth, bool indent)
{
    switch (n->type) {
    case XML_TEXT_NODE: return put_escaped(b, (const char *)n->content, false);
    case XML_CDATA_SECTION_NODE:
        if (expr_text_puts(b, "<![CDATA[") || expr_text_puts(b, (const char *)n->content)) return EXPR_THROWN;
        return expr_text_puts(b, "]]>");
    case XML_COMMENT_NODE:
        if (expr_text_puts(b, "<!--") || expr_text_puts(b, (const char *)n->content)) return EXPR_THROWN;
        return expr_text_puts(b, "-->");
    case XML_PI_NODE:
        if (expr_text_puts(b, "<?") || expr_text_puts(b, (const char *)n->name)) return EXPR_THROWN;
        if (n->content && *n->content &&
            (expr_text_putc(b, ' ') || expr_text_puts(b, (const char *)n->content)))
            return EXPR_THROWN;
        return expr_text_puts(b, "?>");
    case XML_ATTRIBUTE_NODE: {
        expr_value_t v;
        if (put_qname(b, n->ns, n->name) || expr_text_puts(b, "=\"")) return EXPR_THROWN;
        if (xml_node_value(b->rt, n, &v)) return EXPR_THROWN;
        if (put_escaped(b, v.u.s.ptr, true)) return EXPR_THROWN;
        return expr_text_putc(b, '"');
    }
    case XML_DOCUMENT_NODE: {
        bool first = true;
        for (xmlNodePtr c = n->children; c; c = c->next) {
            if (c->type == XML_DTD_NODE) continue;
            if (!first && indent && expr_text_putc(b, '\n')) return EXPR_THROWN;
            if (write_node(b, c, c, 0, indent)) return EXPR_THROWN;
            first = false;
        }
        return 0;
    }
    case XML_ELEMENT_NODE: break;
    default: return 0;
    }
    if (expr_text_putc(b, '<') || put_qname(b, n->ns, n->name)) return EXPR_THROWN;
    for (xmlNsPtr d = n->nsDef; d; d = d->next)
        if (!(n != top && redundant_ns(n, top, d)) && put_nsdecl(b, d)) return EXPR_THROWN;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        if (expr_text_putc(b, ' ') || write_node(b, (xmlNodePtr)a, top, depth, false)) return EXPR_THROWN;
    }
    if (n == top && put_inherited_ns(b, top)) return EXPR_THROWN;
    if (!n->children) return expr_text_puts(b, " />");
    if (expr_text_putc(b, '>')) return EXPR_THROWN;
    /* .NET's indenting writer: once text is written in an element, the rest of its content
     * (nested elements included) is written as is */
    bool mixed = !indent;
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) mixed = true;
        else if (!mixed && put_indent(b, depth + 1)) return EXPR_THROWN;
        if (write_node(b, c, top, depth + 1, !mixed)) return EXPR_THROWN;
    }
    if (!mixed && put_indent(b, depth)) return EXPR_THROWN;
    if (expr_text_puts(b, "</") || put_qname(b, n->ns, n->name)) return EXPR_THROWN;
    return expr_text_putc(b, '>');
}

int xml_write_node(expr_rt_t *rt, xmlNodePtr n, bool indented, expr_value_t *out)
{
    expr_text_buf_t b;
    expr_text_buf_init(&b, rt);
    if (write_node(&b, n, n, 0, indented)) return EXPR_THROWN;
    return expr_text_finish(&b, out);
}

int expr_xml_write(expr_rt_t *rt, const expr_value_t *node, bool indented, expr_value_t *out)
{
    xmlNodePtr n = xml_node_of(node);
    if (!n) return expr_throw(rt, "ArgumentException", "Not an XML node.");
    return xml_write_node(rt, n, indented, out);
}

/* ---- conversions (XmlConvert) ---- */

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *class_clr_name(const expr_class_t *to)
{
    if (to == &expr_class_int) return "Int32";
    if (to == &expr_class_long) return "Int64";
    if (to == &expr_class_double) return "Double";
    return "Boolean";
}

int xml_convert(expr_rt_t *rt, const expr_value_t *self, const expr_class_t *to, expr_value_t *out)
{
    if (to != &expr_class_string && to != &expr_class_int && to != &expr_class_long &&
        to != &expr_class_double && to != &expr_class_bool)
        return 1;
    xmlNodePtr n = xml_node_of(self);
    if (!n || (n->type != XML_ELEMENT_NODE && n->type != XML_ATTRIBUTE_NODE)) return 1;
    expr_value_t v;
    if (xml_node_value(rt, n, &v)) return EXPR_THROWN;
    if (to == &expr_class_string) {
        *out = v;
        return 0;
    }
    const char *s = v.u.s.ptr;
    size_t len = v.u.s.len;
    while (len && xml_space(*s)) s++, len--;
    while (len && xml_space(s[len - 1])) len--;
    char text[128];
    if (len >= sizeof text) goto bad;
    memcpy(text, s, len);
    text[len] = '\0';
    if (to == &expr_class_bool) {
        if (!strcmp(text, "true") || !strcmp(text, "1")) *out = expr_bool(true);
        else if (!strcmp(text, "false") || !strcmp(text, "0")) *out = expr_bool(false);
        else goto bad;
        return 0;
    }
    if (to == &expr_class_double) {
        if (!strcmp(text, "INF")) *out = expr_double(INFINITY);
        else if (!strcmp(text, "-INF")) *out = expr_double(-INFINITY);
        else if (!strcmp(text, "NaN")) *out = expr_double(NAN);
        else {
            char *end;
            if (!len || !(text[0] == '-' || text[0] == '+' || text[0] == '.' || (text[0] >= '0' && text[0] <= '9')))
                goto bad;
            double d = strtod(text, &end);
            if (*end || isinf(d) || isnan(d)) goto bad;
            *out = expr_double(d);
        }
        return 0;
    }
    char *end;
    errno = 0;
    if (!len || !((text[0] >= '0' && text[0] <= '9') || ((text[0] == '-' || text[0] == '+') && len > 1)))
        goto bad;
    long long i = strtoll(text, &end, 10);
    if (*end) goto bad;
    if (errno == ERANGE || (to == &expr_class_int && (i < INT32_MIN || i > INT32_MAX)))
        return expr_throw(rt, "OverflowException", "Value was either too large or too small for an %s.",
                          class_clr_name(to));
    *out = to == &expr_class_int ? expr_int((int32_t)i) : expr_long(i);
    return 0;
bad:
    if (to == &expr_class_bool)
        return expr_throw(rt, "FormatException", "The string '%.*s' is not a valid Boolean value.",
                          (int)v.u.s.len, v.u.s.ptr);
    return expr_throw(rt, "FormatException", "The input string '%.*s' was not in a correct format.",
                      (int)v.u.s.len, v.u.s.ptr);
}
