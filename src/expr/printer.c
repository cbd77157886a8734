/* expr_ast_print: the canonical text of a tree (see ast.h). Every choice here serves one
 * property: the output parses back into the same tree. Hence the parentheses around
 * every operator, a generic name used as a value in parentheses (so that the token after
 * '>' cannot turn it back into comparisons, C# §7.6.4.2), '@' before names that are
 * keywords or would read as contextual ones (var, await...), escapes for surrogates and
 * control characters, and a real literal that always has a '.' or an exponent. */
#include "expr/ast.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    buf_t *out;
    int rc;
} printer_t;

#define PR_TARGET 0x1 /* the object of a member access, call or element access */
#define PR_BARE 0x2   /* no outer parentheses needed (statement or condition context) */

static void put(printer_t *w, const char *s)
{
    if (!w->rc) w->rc = buf_append_cstr(w->out, s);
}

static void putn(printer_t *w, const char *s, size_t n)
{
    if (!w->rc) w->rc = buf_append(w->out, s, n);
}

static void putf(printer_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(printer_t *w, const char *fmt, ...)
{
    if (w->rc) return;
    va_list ap;
    va_start(ap, fmt);
    w->rc = buf_vprintf(w->out, fmt, ap);
    va_end(ap);
}

static void print_expr(printer_t *w, const expr_node_t *n, unsigned flags);
static void print_stmt(printer_t *w, const expr_node_t *n);

/* ---- names, types ---- */

static void print_ident(printer_t *w, slice_t name)
{
    static const char *const contextual[] = {"var", "await", "async", "from", "yield", "when"};
    bool verbatim = expr_tok_keyword(name.ptr, name.len) != EXPR_TOK_IDENT;
    for (size_t k = 0; k < sizeof contextual / sizeof contextual[0] && !verbatim; k++)
        verbatim =
            strlen(contextual[k]) == name.len && memcmp(contextual[k], name.ptr, name.len) == 0;
    if (verbatim) put(w, "@");
    putn(w, name.ptr, name.len);
}

static void print_type(printer_t *w, const expr_node_t *t);

static void print_type_args(printer_t *w, expr_list_t args)
{
    if (!args.count) return;
    put(w, "<");
    for (uint32_t k = 0; k < args.count; k++) {
        if (k) put(w, ", ");
        print_type(w, args.items[k]);
    }
    put(w, ">");
}

static void print_rank(printer_t *w, uint32_t rank)
{
    put(w, "[");
    for (uint32_t k = 1; k < rank; k++)
        put(w, ",");
    put(w, "]");
}

/* T[][,]: the element type first, then the ranks from the outermost array inwards. */
static void print_array_ranks(printer_t *w, const expr_node_t *t)
{
    for (; t && t->kind == EXPR_TYPE_ARRAY; t = t->u.array.element)
        print_rank(w, t->u.array.rank);
}

static const expr_node_t *array_base(const expr_node_t *t)
{
    while (t && t->kind == EXPR_TYPE_ARRAY)
        t = t->u.array.element;
    return t;
}

static void print_type(printer_t *w, const expr_node_t *t)
{
    switch (t->kind) {
    case EXPR_TYPE_PREDEFINED:
        put(w, expr_predef_name((expr_predef_t)t->op));
        break;
    case EXPR_TYPE_VAR:
        put(w, "var");
        break;
    case EXPR_TYPE_NAME:
        if (t->u.name.target) {
            print_type(w, t->u.name.target);
            put(w, ".");
        }
        print_ident(w, t->u.name.name);
        print_type_args(w, t->u.name.type_args);
        break;
    case EXPR_TYPE_ARRAY:
        print_type(w, array_base(t));
        print_array_ranks(w, t);
        break;
    case EXPR_TYPE_NULLABLE:
        print_type(w, t->u.unary.operand);
        put(w, "?");
        break;
    default:
        put(w, "?type?");
        break;
    }
}

/* ---- literals ---- */

static void print_code_unit_escape(printer_t *w, uint32_t cp)
{
    switch (cp) {
    case 0:
        put(w, "\\0");
        break;
    case '\a':
        put(w, "\\a");
        break;
    case '\b':
        put(w, "\\b");
        break;
    case '\f':
        put(w, "\\f");
        break;
    case '\n':
        put(w, "\\n");
        break;
    case '\r':
        put(w, "\\r");
        break;
    case '\t':
        put(w, "\\t");
        break;
    case '\v':
        put(w, "\\v");
        break;
    default:
        putf(w, "\\u%04X", (unsigned)cp);
        break;
    }
}

/* Decodes UTF-8 where the lexer may also have written surrogates (3 bytes). Returns the
 * sequence length (0 if not a sequence: the byte is then printed as an escape). */
static size_t decode_wtf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || len > n) return 0;
    uint32_t v = c & (0x7F >> len);
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    *cp = v;
    return len;
}

/* The inside of a regular string literal; in interpolated text '{' '}' are doubled. */
static void print_string_body(printer_t *w, slice_t text, bool interpolated)
{
    const unsigned char *s = (const unsigned char *)text.ptr;
    size_t k = 0;
    while (k < text.len) {
        unsigned char c = s[k];
        if (c == '"' || c == '\\') {
            putf(w, "\\%c", c);
            k++;
        } else if (interpolated && (c == '{' || c == '}')) {
            putf(w, "%c%c", c, c);
            k++;
        } else if (c < 0x20 || c == 0x7F) {
            print_code_unit_escape(w, c);
            k++;
        } else if (c < 0x80) {
            putn(w, (const char *)s + k, 1);
            k++;
        } else {
            uint32_t cp;
            size_t len = decode_wtf8(s + k, text.len - k, &cp);
            if (len == 0) {
                putf(w, "\\u%04X", c);
                k++;
            } else {
                if (cp >= 0xD800 && cp <= 0xDFFF)
                    putf(w, "\\u%04X", (unsigned)cp);
                else
                    putn(w, (const char *)s + k, len);
                k += len;
            }
        }
    }
}

static void print_char(printer_t *w, uint32_t ch)
{
    put(w, "'");
    if (ch == '\'' || ch == '\\') {
        putf(w, "\\%c", (char)ch);
    } else if (ch < 0x20 || ch == 0x7F || (ch >= 0xD800 && ch <= 0xDFFF)) {
        print_code_unit_escape(w, ch);
    } else if (ch < 0x80) {
        putf(w, "%c", (char)ch);
    } else {
        char utf8[4];
        size_t n;
        if (ch < 0x800) {
            utf8[0] = (char)(0xC0 | (ch >> 6));
            utf8[1] = (char)(0x80 | (ch & 0x3F));
            n = 2;
        } else {
            utf8[0] = (char)(0xE0 | (ch >> 12));
            utf8[1] = (char)(0x80 | ((ch >> 6) & 0x3F));
            utf8[2] = (char)(0x80 | (ch & 0x3F));
            n = 3;
        }
        putn(w, utf8, n);
    }
    put(w, "'");
}

/* The shortest %g spelling that reads back as the same value, with a '.' or exponent so
 * that it stays a real literal. */
static void print_real(printer_t *w, const expr_node_t *n)
{
    if (n->op == EXPR_NUM_DECIMAL) {
        putn(w, n->u.real.digits.ptr, n->u.real.digits.len);
        put(w, "m");
        return;
    }
    bool is_float = n->op == EXPR_NUM_FLOAT;
    char text[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, n->u.real.value);
        if (is_float ? strtof(text, NULL) == (float)n->u.real.value
                     : strtod(text, NULL) == n->u.real.value)
            break;
    }
    put(w, text);
    if (!strpbrk(text, ".e")) put(w, ".0");
    if (is_float) put(w, "f");
}

static void print_int(printer_t *w, const expr_node_t *n)
{
    static const char *const suffix[] = {
        [EXPR_NUM_INT] = "", [EXPR_NUM_UINT] = "U", [EXPR_NUM_LONG] = "L", [EXPR_NUM_ULONG] = "UL"};
    const char *sfx = n->op <= EXPR_NUM_ULONG ? suffix[n->op] : "";
    bool is_signed = n->op == EXPR_NUM_INT || n->op == EXPR_NUM_LONG;
    if (is_signed && (int64_t)n->u.integer < 0) /* folded -2147483648 / -9223372036854775808 */
        putf(w, "(-%llu%s)", (unsigned long long)(0 - n->u.integer), sfx);
    else
        putf(w, "%llu%s", (unsigned long long)n->u.integer, sfx);
}

/* ---- expressions ---- */

static void print_list(printer_t *w, expr_list_t l, const char *sep)
{
    for (uint32_t k = 0; k < l.count; k++) {
        if (k) put(w, sep);
        print_expr(w, l.items[k], 0);
    }
}

static void print_initializer(printer_t *w, const expr_node_t *n)
{
    if (!n->u.list.count) {
        put(w, "{ }");
        return;
    }
    put(w, "{ ");
    print_list(w, n->u.list, ", ");
    put(w, " }");
}

static void print_new_array(printer_t *w, const expr_node_t *n)
{
    const expr_node_t *t = n->u.create.type;
    put(w, t ? "new " : "new");
    if (!t) {
        print_rank(w, n->op ? n->op : 1);
    } else if (n->u.create.args.count) {
        print_type(w, array_base(t));
        put(w, "[");
        print_list(w, n->u.create.args, ", ");
        put(w, "]");
        print_array_ranks(w, t->u.array.element);
    } else {
        print_type(w, t);
    }
    if (n->u.create.init) {
        put(w, " ");
        print_initializer(w, n->u.create.init);
    }
}

static void print_lambda(printer_t *w, const expr_node_t *n)
{
    put(w, "(");
    for (uint32_t k = 0; k < n->u.lambda.params.count; k++) {
        const expr_node_t *param = n->u.lambda.params.items[k];
        if (k) put(w, ", ");
        if (param->u.typed.type) {
            print_type(w, param->u.typed.type);
            put(w, " ");
        }
        print_ident(w, param->u.typed.name);
    }
    put(w, ") => ");
    if (n->u.lambda.body->kind == EXPR_STMT_BLOCK)
        print_stmt(w, n->u.lambda.body);
    else
        print_expr(w, n->u.lambda.body, 0);
}

static void print_interpolated(printer_t *w, const expr_node_t *n)
{
    put(w, "$\"");
    for (uint32_t k = 0; k < n->u.list.count; k++) {
        const expr_node_t *part = n->u.list.items[k];
        if (part->kind == EXPR_STRING) {
            print_string_body(w, part->u.text, true);
            continue;
        }
        put(w, "{");
        print_expr(w, part->u.hole.value, 0);
        if (part->u.hole.alignment) {
            put(w, ",");
            print_expr(w, part->u.hole.alignment, 0);
        }
        if (part->u.hole.format.ptr) {
            put(w, ":");
            print_string_body(w, part->u.hole.format, false);
        }
        put(w, "}");
    }
    put(w, "\"");
}

/* Operators print as "(...)" unless the context needs no parentheses. */
static void open_paren(printer_t *w, unsigned flags)
{
    if (!(flags & PR_BARE)) put(w, "(");
}

static void close_paren(printer_t *w, unsigned flags)
{
    if (!(flags & PR_BARE)) put(w, ")");
}

static void print_expr(printer_t *w, const expr_node_t *n, unsigned flags)
{
    if (w->rc) return;
    switch ((expr_kind_t)n->kind) {
    case EXPR_NULL:
        put(w, "null");
        break;
    case EXPR_BOOL:
        put(w, n->u.boolean ? "true" : "false");
        break;
    case EXPR_INT:
        print_int(w, n);
        break;
    case EXPR_REAL:
        print_real(w, n);
        break;
    case EXPR_CHAR:
        print_char(w, n->u.ch);
        break;
    case EXPR_STRING:
        put(w, "\"");
        print_string_body(w, n->u.text, false);
        put(w, "\"");
        break;
    case EXPR_INTERPOLATED:
        print_interpolated(w, n);
        break;
    case EXPR_NAME:
    case EXPR_MEMBER: {
        bool wrap = n->u.name.type_args.count && !(flags & PR_TARGET);
        if (wrap) put(w, "(");
        if (n->kind == EXPR_MEMBER) {
            print_expr(w, n->u.name.target, PR_TARGET);
            put(w, (n->flags & EXPR_F_CONDITIONAL) ? "?." : ".");
        }
        print_ident(w, n->u.name.name);
        print_type_args(w, n->u.name.type_args);
        if (wrap) put(w, ")");
        break;
    }
    case EXPR_INVOKE:
    case EXPR_INDEX:
        print_expr(w, n->u.call.target, PR_TARGET);
        put(w, n->kind == EXPR_INVOKE ? "(" : (n->flags & EXPR_F_CONDITIONAL) ? "?[" : "[");
        print_list(w, n->u.call.args, ", ");
        put(w, n->kind == EXPR_INVOKE ? ")" : "]");
        break;
    case EXPR_ARG:
        if (n->u.arg.name.len) {
            print_ident(w, n->u.arg.name);
            put(w, ": ");
        }
        put(w, n->op == EXPR_ARG_OUT   ? "out "
               : n->op == EXPR_ARG_REF ? "ref "
               : n->op == EXPR_ARG_IN  ? "in "
                                       : "");
        print_expr(w, n->u.arg.value, 0);
        break;
    case EXPR_DECLARATION:
    case EXPR_PARAM:
        if (n->u.typed.type) {
            print_type(w, n->u.typed.type);
            put(w, " ");
        }
        print_ident(w, n->u.typed.name);
        if (n->u.typed.operand) {
            put(w, " = ");
            print_expr(w, n->u.typed.operand, PR_BARE);
        }
        break;
    case EXPR_UNARY: {
        bool postfix = n->op == EXPR_OP_POST_INC || n->op == EXPR_OP_POST_DEC;
        open_paren(w, flags);
        if (!postfix) put(w, expr_op_spelling((expr_op_t)n->op));
        print_expr(w, n->u.unary.operand, 0);
        if (postfix) put(w, expr_op_spelling((expr_op_t)n->op));
        close_paren(w, flags);
        break;
    }
    case EXPR_BINARY:
    case EXPR_ASSIGN:
        open_paren(w, flags);
        print_expr(w, n->u.binary.left, 0);
        putf(w, " %s ", expr_op_spelling((expr_op_t)n->op));
        print_expr(w, n->u.binary.right, 0);
        close_paren(w, flags);
        break;
    case EXPR_CONDITIONAL:
        open_paren(w, flags);
        print_expr(w, n->u.cond.cond, 0);
        put(w, " ? ");
        print_expr(w, n->u.cond.then, 0);
        put(w, " : ");
        print_expr(w, n->u.cond.otherwise, 0);
        close_paren(w, flags);
        break;
    case EXPR_CAST:
        open_paren(w, flags);
        put(w, "(");
        print_type(w, n->u.typed.type);
        put(w, ")");
        print_expr(w, n->u.typed.operand, 0);
        close_paren(w, flags);
        break;
    case EXPR_IS:
        open_paren(w, flags);
        print_expr(w, n->u.is.operand, 0);
        put(w, " is ");
        if (n->u.is.type) {
            print_type(w, n->u.is.type);
            if (n->u.is.name.len) {
                put(w, " ");
                print_ident(w, n->u.is.name);
            }
        } else {
            /* in parentheses, so that a constant never reads as a type */
            put(w, "(");
            print_expr(w, n->u.is.constant, 0);
            put(w, ")");
        }
        close_paren(w, flags);
        break;
    case EXPR_AS:
        open_paren(w, flags);
        print_expr(w, n->u.typed.operand, 0);
        put(w, " as ");
        print_type(w, n->u.typed.type);
        close_paren(w, flags);
        break;
    case EXPR_TYPEOF:
    case EXPR_DEFAULT:
        put(w, n->kind == EXPR_TYPEOF ? "typeof" : "default");
        if (n->u.typed.type) {
            put(w, "(");
            print_type(w, n->u.typed.type);
            put(w, ")");
        }
        break;
    case EXPR_CHECKED:
        put(w, (n->flags & EXPR_F_UNCHECKED) ? "unchecked(" : "checked(");
        print_expr(w, n->u.typed.operand, PR_BARE);
        put(w, ")");
        break;
    case EXPR_THROW: /* only where C# allows one, which never needs parentheses */
        put(w, "throw ");
        print_expr(w, n->u.unary.operand, 0);
        break;
    case EXPR_LAMBDA:
        open_paren(w, flags);
        print_lambda(w, n);
        close_paren(w, flags);
        break;
    case EXPR_NEW_OBJECT:
        put(w, "new ");
        print_type(w, n->u.create.type);
        if (n->flags & EXPR_F_HAS_PARENS) {
            put(w, "(");
            print_list(w, n->u.create.args, ", ");
            put(w, ")");
        }
        if (n->u.create.init) {
            put(w, " ");
            print_initializer(w, n->u.create.init);
        }
        break;
    case EXPR_NEW_ARRAY:
        print_new_array(w, n);
        break;
    case EXPR_NEW_ANONYMOUS:
        put(w, "new ");
        print_initializer(w, n->u.create.init);
        break;
    case EXPR_INITIALIZER:
        print_initializer(w, n);
        break;
    case EXPR_INIT_MEMBER:
        print_ident(w, n->u.arg.name);
        put(w, " = ");
        print_expr(w, n->u.arg.value, 0);
        break;
    case EXPR_INIT_INDEX:
        put(w, "[");
        print_list(w, n->u.init_index.args, ", ");
        put(w, "] = ");
        print_expr(w, n->u.init_index.value, 0);
        break;
    case EXPR_TYPE_PREDEFINED:
    case EXPR_TYPE_VAR:
    case EXPR_TYPE_NAME:
    case EXPR_TYPE_ARRAY:
    case EXPR_TYPE_NULLABLE:
        print_type(w, n);
        break;
    default:
        print_stmt(w, n);
        break;
    }
}

/* ---- statements ---- */

static void print_local_core(printer_t *w, const expr_node_t *n)
{
    if (n->flags & EXPR_F_CONST) put(w, "const ");
    print_type(w, n->u.local.type);
    put(w, " ");
    for (uint32_t k = 0; k < n->u.local.declarators.count; k++) {
        const expr_node_t *d = n->u.local.declarators.items[k];
        if (k) put(w, ", ");
        print_ident(w, d->u.arg.name);
        if (d->u.arg.value) {
            put(w, " = ");
            print_expr(w, d->u.arg.value, PR_BARE);
        }
    }
}

static void print_bare_list(printer_t *w, expr_list_t l)
{
    for (uint32_t k = 0; k < l.count; k++) {
        if (k) put(w, ", ");
        if (l.items[k]->kind == EXPR_STMT_LOCAL)
            print_local_core(w, l.items[k]);
        else
            print_expr(w, l.items[k], PR_BARE);
    }
}

static void print_condition(printer_t *w, const char *keyword, const expr_node_t *cond)
{
    put(w, keyword);
    put(w, " (");
    print_expr(w, cond, PR_BARE);
    put(w, ")");
}

static void print_stmts(printer_t *w, expr_list_t l)
{
    for (uint32_t k = 0; k < l.count; k++) {
        put(w, " ");
        print_stmt(w, l.items[k]);
    }
}

static void print_stmt(printer_t *w, const expr_node_t *n)
{
    if (w->rc) return;
    switch ((expr_kind_t)n->kind) {
    case EXPR_STMT_BLOCK:
        put(w, "{");
        print_stmts(w, n->u.list);
        put(w, " }");
        break;
    case EXPR_STMT_EMPTY:
        put(w, ";");
        break;
    case EXPR_STMT_EXPR:
        print_expr(w, n->u.unary.operand, PR_BARE);
        put(w, ";");
        break;
    case EXPR_STMT_LOCAL:
        print_local_core(w, n);
        put(w, ";");
        break;
    case EXPR_STMT_IF:
        print_condition(w, "if", n->u.cond.cond);
        put(w, " ");
        print_stmt(w, n->u.cond.then);
        if (n->u.cond.otherwise) {
            put(w, " else ");
            print_stmt(w, n->u.cond.otherwise);
        }
        break;
    case EXPR_STMT_FOREACH:
        put(w, "foreach (");
        print_type(w, n->u.foreach.type);
        put(w, " ");
        print_ident(w, n->u.foreach.name);
        put(w, " in ");
        print_expr(w, n->u.foreach.collection, PR_BARE);
        put(w, ") ");
        print_stmt(w, n->u.foreach.body);
        break;
    case EXPR_STMT_FOR:
        put(w, "for (");
        print_bare_list(w, n->u.for_.init);
        put(w, ";");
        if (n->u.for_.cond) {
            put(w, " ");
            print_expr(w, n->u.for_.cond, PR_BARE);
        }
        put(w, ";");
        if (n->u.for_.iterators.count) put(w, " ");
        print_bare_list(w, n->u.for_.iterators);
        put(w, ") ");
        print_stmt(w, n->u.for_.body);
        break;
    case EXPR_STMT_WHILE:
        print_condition(w, "while", n->u.loop.cond);
        put(w, " ");
        print_stmt(w, n->u.loop.body);
        break;
    case EXPR_STMT_USING:
        put(w, "using (");
        if (n->u.loop.cond->kind == EXPR_STMT_LOCAL) print_local_core(w, n->u.loop.cond);
        else print_expr(w, n->u.loop.cond, PR_BARE);
        put(w, ") ");
        print_stmt(w, n->u.loop.body);
        break;
    case EXPR_STMT_DO:
        put(w, "do ");
        print_stmt(w, n->u.loop.body);
        put(w, " ");
        print_condition(w, "while", n->u.loop.cond);
        put(w, ";");
        break;
    case EXPR_STMT_SWITCH:
        print_condition(w, "switch", n->u.switch_.value);
        put(w, " {");
        print_stmts(w, n->u.switch_.sections);
        put(w, " }");
        break;
    case EXPR_SWITCH_SECTION:
        for (uint32_t k = 0; k < n->u.section.labels.count; k++) {
            if (k) put(w, " ");
            print_stmt(w, n->u.section.labels.items[k]);
        }
        print_stmts(w, n->u.section.body);
        break;
    case EXPR_CASE_LABEL:
        if (n->u.unary.operand) {
            put(w, "case ");
            print_expr(w, n->u.unary.operand, PR_BARE);
            put(w, ":");
        } else {
            put(w, "default:");
        }
        break;
    case EXPR_STMT_RETURN:
    case EXPR_STMT_THROW:
        put(w, n->kind == EXPR_STMT_RETURN ? "return" : "throw");
        if (n->u.unary.operand) {
            put(w, " ");
            print_expr(w, n->u.unary.operand, PR_BARE);
        }
        put(w, ";");
        break;
    case EXPR_STMT_BREAK:
        put(w, "break;");
        break;
    case EXPR_STMT_CONTINUE:
        put(w, "continue;");
        break;
    case EXPR_STMT_TRY:
        put(w, "try ");
        print_stmt(w, n->u.try_.body);
        for (uint32_t k = 0; k < n->u.try_.catches.count; k++) {
            put(w, " ");
            print_stmt(w, n->u.try_.catches.items[k]);
        }
        if (n->u.try_.finally_) {
            put(w, " finally ");
            print_stmt(w, n->u.try_.finally_);
        }
        break;
    case EXPR_CATCH:
        put(w, "catch");
        if (n->u.catch_.type) {
            put(w, " (");
            print_type(w, n->u.catch_.type);
            if (n->u.catch_.name.len) {
                put(w, " ");
                print_ident(w, n->u.catch_.name);
            }
            put(w, ")");
        }
        if (n->u.catch_.filter) {
            put(w, " ");
            print_condition(w, "when", n->u.catch_.filter);
        }
        put(w, " ");
        print_stmt(w, n->u.catch_.body);
        break;
    case EXPR_STMT_CHECKED:
        put(w, (n->flags & EXPR_F_UNCHECKED) ? "unchecked " : "checked ");
        print_stmt(w, n->u.unary.operand);
        break;
    case EXPR_STMT_FUNCTION:
        print_type(w, n->u.function.type);
        put(w, " ");
        print_ident(w, n->u.function.name);
        put(w, "(");
        print_list(w, n->u.function.params, ", ");
        put(w, ")");
        if (n->u.function.body->kind == EXPR_STMT_BLOCK) {
            put(w, " ");
            print_stmt(w, n->u.function.body);
        } else {
            put(w, " => ");
            print_expr(w, n->u.function.body, PR_BARE);
            put(w, ";");
        }
        break;
    case EXPR_DECLARATOR:
        print_ident(w, n->u.arg.name);
        if (n->u.arg.value) {
            put(w, " = ");
            print_expr(w, n->u.arg.value, PR_BARE);
        }
        break;
    default:
        /* EXPR_INTERP_HOLE prints inside its string; nothing else lands here. */
        put(w, "?");
        break;
    }
}

int expr_ast_print(buf_t *out, const expr_node_t *node)
{
    printer_t w = {out, 0};
    if (node->kind >= EXPR_STMT_BLOCK)
        print_stmt(&w, node);
    else
        print_expr(&w, node, 0);
    return w.rc;
}
