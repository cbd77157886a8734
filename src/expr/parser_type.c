/* Types (C# spec §4, §3.8 namespace and type names, §4.4 type arguments) and the speculative
 * scans the expression grammar needs to tell types from expressions: casts (§7.7.6),
 * generic names (§7.6.4.2), declarations (§8.5.1). */
#include "expr/parser_internal.h"

static bool predefined(expr_tok_t k, expr_predef_t *out)
{
    expr_predef_t t;
    switch (k) {
    case EXPR_TOK_KW_BOOL:
        t = EXPR_PREDEF_BOOL;
        break;
    case EXPR_TOK_KW_BYTE:
        t = EXPR_PREDEF_BYTE;
        break;
    case EXPR_TOK_KW_SBYTE:
        t = EXPR_PREDEF_SBYTE;
        break;
    case EXPR_TOK_KW_CHAR:
        t = EXPR_PREDEF_CHAR;
        break;
    case EXPR_TOK_KW_DECIMAL:
        t = EXPR_PREDEF_DECIMAL;
        break;
    case EXPR_TOK_KW_DOUBLE:
        t = EXPR_PREDEF_DOUBLE;
        break;
    case EXPR_TOK_KW_FLOAT:
        t = EXPR_PREDEF_FLOAT;
        break;
    case EXPR_TOK_KW_INT:
        t = EXPR_PREDEF_INT;
        break;
    case EXPR_TOK_KW_UINT:
        t = EXPR_PREDEF_UINT;
        break;
    case EXPR_TOK_KW_LONG:
        t = EXPR_PREDEF_LONG;
        break;
    case EXPR_TOK_KW_ULONG:
        t = EXPR_PREDEF_ULONG;
        break;
    case EXPR_TOK_KW_OBJECT:
        t = EXPR_PREDEF_OBJECT;
        break;
    case EXPR_TOK_KW_SHORT:
        t = EXPR_PREDEF_SHORT;
        break;
    case EXPR_TOK_KW_USHORT:
        t = EXPR_PREDEF_USHORT;
        break;
    case EXPR_TOK_KW_STRING:
        t = EXPR_PREDEF_STRING;
        break;
    case EXPR_TOK_KW_VOID:
        t = EXPR_PREDEF_VOID;
        break;
    default:
        return false;
    }
    if (out) *out = t;
    return true;
}

/* ---- speculative scans ---- */

static uint32_t scan_type(const expr_parser_t *p, uint32_t at, unsigned *flags, unsigned depth);

static uint32_t scan_type_args(const expr_parser_t *p, uint32_t at, unsigned depth)
{
    if (depth > p->max_recursion || pp_kind_at(p, at) != EXPR_TOK_LT) return 0;
    uint32_t j = at + 1;
    for (;;) {
        unsigned inner = 0;
        j = scan_type(p, j, &inner, depth + 1);
        if (!j) return 0;
        if (pp_kind_at(p, j) == EXPR_TOK_COMMA) {
            j++;
            continue;
        }
        return pp_kind_at(p, j) == EXPR_TOK_GT ? j + 1 : 0;
    }
}

static uint32_t scan_non_array(const expr_parser_t *p, uint32_t at, unsigned *flags, unsigned depth)
{
    expr_tok_t k = pp_kind_at(p, at);
    if (predefined(k, NULL)) {
        *flags |= PP_SCAN_MUST_BE_TYPE;
        return at + 1;
    }
    if (k != EXPR_TOK_IDENT) return 0;
    uint32_t j = at + 1;
    for (;;) {
        if (pp_kind_at(p, j) == EXPR_TOK_LT) {
            uint32_t e = scan_type_args(p, j, depth + 1);
            if (e) {
                j = e;
                *flags |= PP_SCAN_GENERIC;
            }
        }
        if (pp_kind_at(p, j) == EXPR_TOK_DOT && pp_kind_at(p, j + 1) == EXPR_TOK_IDENT) {
            j += 2;
            continue;
        }
        return j;
    }
}

static uint32_t scan_type(const expr_parser_t *p, uint32_t at, unsigned *flags, unsigned depth)
{
    uint32_t j = scan_non_array(p, at, flags, depth);
    if (!j) return 0;
    for (;;) {
        expr_tok_t k = pp_kind_at(p, j);
        if (k == EXPR_TOK_QUESTION && pp_kind_at(p, j - 1) != EXPR_TOK_QUESTION) {
            *flags |= PP_SCAN_MUST_BE_TYPE;
            j++;
            continue;
        }
        if (k == EXPR_TOK_LBRACKET || k == EXPR_TOK_QUESTION_BRACKET) {
            uint32_t m = j + 1;
            while (pp_kind_at(p, m) == EXPR_TOK_COMMA)
                m++;
            if (pp_kind_at(p, m) != EXPR_TOK_RBRACKET) return j;
            *flags |= PP_SCAN_MUST_BE_TYPE;
            j = m + 1;
            continue;
        }
        return j;
    }
}

uint32_t pp_scan_type(const expr_parser_t *p, uint32_t at, unsigned *flags)
{
    *flags = 0;
    return scan_type(p, at, flags, 0);
}

uint32_t pp_scan_type_args(const expr_parser_t *p, uint32_t at)
{
    return scan_type_args(p, at, 0);
}

bool pp_type_args_may_follow(expr_tok_t kind)
{
    switch (kind) {
    case EXPR_TOK_LPAREN:
    case EXPR_TOK_RPAREN:
    case EXPR_TOK_RBRACKET:
    case EXPR_TOK_RBRACE:
    case EXPR_TOK_COLON:
    case EXPR_TOK_SEMICOLON:
    case EXPR_TOK_COMMA:
    case EXPR_TOK_DOT:
    case EXPR_TOK_QUESTION:
    case EXPR_TOK_QUESTION_DOT:
    case EXPR_TOK_QUESTION_BRACKET:
    case EXPR_TOK_EQ:
    case EXPR_TOK_NE:
    case EXPR_TOK_PIPE:
    case EXPR_TOK_CARET:
    case EXPR_TOK_AMP_AMP:
    case EXPR_TOK_PIPE_PIPE:
    case EXPR_TOK_AMP:
    case EXPR_TOK_LBRACKET:
    case EXPR_TOK_EOF:
    case EXPR_TOK_INTERP_HOLE_END:
    case EXPR_TOK_INTERP_FORMAT:
        return true;
    default:
        return false;
    }
}

/* ---- '?[' in types ---- */

bool pp_at_lbracket(const expr_parser_t *p)
{
    return pp_at(p, EXPR_TOK_LBRACKET) ||
           (pp_at(p, EXPR_TOK_QUESTION_BRACKET) && p->qbracket_split);
}

void pp_take_lbracket(expr_parser_t *p)
{
    p->qbracket_split = false;
    p->i++;
}

/* A '?' making a nullable type. Of a "?[" token only the '?' is taken, and only when a
 * rank specifier follows or `sizes` (new T?[n]) allows an expression there. */
static bool at_nullable_question(const expr_parser_t *p, bool sizes)
{
    if (pp_at(p, EXPR_TOK_QUESTION)) return true;
    if (!pp_at(p, EXPR_TOK_QUESTION_BRACKET) || p->qbracket_split) return false;
    expr_tok_t next = pp_peek(p, 1);
    return sizes || next == EXPR_TOK_RBRACKET || next == EXPR_TOK_COMMA;
}

static void take_nullable_question(expr_parser_t *p)
{
    if (pp_at(p, EXPR_TOK_QUESTION))
        p->i++;
    else
        p->qbracket_split = true;
}

/* Tokens that can start an expression: after `x is T` a '?' followed by one of them is
 * the conditional operator, not a nullable type. */
static bool starts_expression(expr_tok_t k)
{
    switch (k) {
    case EXPR_TOK_IDENT:
    case EXPR_TOK_INT:
    case EXPR_TOK_REAL:
    case EXPR_TOK_CHAR:
    case EXPR_TOK_STRING:
    case EXPR_TOK_INTERP_START:
    case EXPR_TOK_LPAREN:
    case EXPR_TOK_BANG:
    case EXPR_TOK_TILDE:
    case EXPR_TOK_MINUS:
    case EXPR_TOK_PLUS:
    case EXPR_TOK_PLUS_PLUS:
    case EXPR_TOK_MINUS_MINUS:
    case EXPR_TOK_KW_NEW:
    case EXPR_TOK_KW_TYPEOF:
    case EXPR_TOK_KW_DEFAULT:
    case EXPR_TOK_KW_TRUE:
    case EXPR_TOK_KW_FALSE:
    case EXPR_TOK_KW_NULL:
    case EXPR_TOK_KW_THIS:
    case EXPR_TOK_KW_CHECKED:
    case EXPR_TOK_KW_UNCHECKED:
    case EXPR_TOK_KW_THROW:
        return true;
    default:
        return predefined(k, NULL);
    }
}

/* ---- parsing ---- */

bool pp_parse_type_args(expr_parser_t *p, expr_list_t *out)
{
    uint32_t mark = pp_list_mark(p);
    if (!pp_expect(p, EXPR_TOK_LT, NULL)) return false;
    do {
        if (!pp_list_push(p, pp_parse_type(p, PP_TYPE_PLAIN))) {
            pp_list_drop(p, mark);
            return false;
        }
    } while (pp_accept(p, EXPR_TOK_COMMA));
    if (!pp_expect(p, EXPR_TOK_GT, "'>' closing the type arguments")) {
        pp_list_drop(p, mark);
        return false;
    }
    *out = pp_list_take(p, mark);
    return !p->failed;
}

static expr_node_t *type_name(expr_parser_t *p, expr_node_t *qualifier)
{
    expr_node_t *n =
        qualifier ? pp_node_from(p, EXPR_TYPE_NAME, qualifier) : pp_node(p, EXPR_TYPE_NAME, p->i);
    if (!n) return NULL;
    n->u.name.target = qualifier;
    n->u.name.name = pp_copy_name(p, pp_tok(p));
    p->i++;
    if (pp_at(p, EXPR_TOK_LT) && pp_scan_type_args(p, p->i) &&
        !pp_parse_type_args(p, &n->u.name.type_args))
        return NULL;
    return pp_done(p, n);
}

expr_node_t *pp_parse_non_array_type(expr_parser_t *p, pp_type_ctx_t ctx)
{
    expr_predef_t t;
    if (predefined(pp_kind(p), &t)) {
        expr_node_t *n = pp_node(p, EXPR_TYPE_PREDEFINED, p->i);
        if (!n) return NULL;
        n->op = (uint8_t)t;
        p->i++;
        return pp_done(p, n);
    }
    if (!pp_at(p, EXPR_TOK_IDENT)) return pp_fail_expected(p, "a type");
    if (ctx != PP_TYPE_PLAIN && pp_is_contextual(p, p->i, "var") && pp_peek(p, 1) != EXPR_TOK_LT &&
        pp_peek(p, 1) != EXPR_TOK_DOT) {
        expr_node_t *n = pp_node(p, EXPR_TYPE_VAR, p->i);
        p->i++;
        return pp_done(p, n);
    }
    expr_node_t *n = type_name(p, NULL);
    while (n && pp_at(p, EXPR_TOK_DOT) && pp_peek(p, 1) == EXPR_TOK_IDENT) {
        p->i++;
        n = type_name(p, n);
    }
    if (n && pp_at(p, EXPR_TOK_COLON_COLON))
        return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos,
                       "the alias qualifier '::' is not supported");
    return n;
}

expr_node_t *pp_parse_rank_specifiers(expr_parser_t *p, expr_node_t *element)
{
    uint32_t mark = pp_list_mark(p);
    while (!p->failed && pp_at_lbracket(p) &&
           (pp_peek(p, 1) == EXPR_TOK_RBRACKET || pp_peek(p, 1) == EXPR_TOK_COMMA)) {
        expr_node_t *a = pp_node(p, EXPR_TYPE_ARRAY, p->i);
        if (!a) break;
        pp_take_lbracket(p);
        a->u.array.rank = 1;
        while (pp_accept(p, EXPR_TOK_COMMA))
            a->u.array.rank++;
        if (!pp_expect(p, EXPR_TOK_RBRACKET, NULL)) break;
        pp_list_push(p, a);
    }
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    /* T[][,]: the first rank written is the outermost array (§12.1). */
    expr_node_t *inner = element;
    for (uint32_t k = p->sp; k > mark && inner; k--) {
        expr_node_t *a = p->stack[k - 1];
        a->u.array.element = inner;
        a->pos = element->pos;
        inner = pp_done(p, a);
    }
    pp_list_drop(p, mark);
    return inner;
}

expr_node_t *pp_parse_type(expr_parser_t *p, pp_type_ctx_t ctx)
{
    if (!pp_enter(p)) return NULL;
    expr_node_t *t = pp_parse_non_array_type(p, ctx);
    while (t) {
        /* T?? is no type: a '?' after a nullable is the conditional operator's. */
        if (t->kind != EXPR_TYPE_NULLABLE && at_nullable_question(p, false)) {
            if (ctx == PP_TYPE_IS_AS && pp_at(p, EXPR_TOK_QUESTION) &&
                starts_expression(pp_peek(p, 1)))
                break; /* x is T ? a : b */
            expr_node_t *n = pp_node_from(p, EXPR_TYPE_NULLABLE, t);
            take_nullable_question(p);
            if (!n) return NULL;
            n->u.unary.operand = t;
            t = pp_done(p, n);
        } else if (pp_at_lbracket(p) &&
                   (pp_peek(p, 1) == EXPR_TOK_RBRACKET || pp_peek(p, 1) == EXPR_TOK_COMMA)) {
            t = pp_parse_rank_specifiers(p, t);
        } else {
            break;
        }
    }
    pp_leave(p);
    return t;
}

bool pp_at_declaration(const expr_parser_t *p, uint32_t at)
{
    unsigned flags;
    uint32_t end = pp_scan_type(p, at, &flags);
    return end && pp_kind_at(p, end) == EXPR_TOK_IDENT;
}

bool pp_take_new_nullable(expr_parser_t *p, expr_node_t **type)
{
    if (!at_nullable_question(p, true)) return true;
    expr_node_t *n = pp_node_from(p, EXPR_TYPE_NULLABLE, *type);
    take_nullable_question(p);
    if (!n) return false;
    n->u.unary.operand = *type;
    *type = pp_done(p, n);
    return *type != NULL;
}
