/* Expressions (C# spec §7): precedence climbing over the binary operators of §7.3.1,
 * unary operators and casts (§7.7), primary expressions and their postfix chains (§7.6),
 * lambdas (§7.15), interpolated strings. Object creation is in parser_new.c. */
#include "expr/parser_internal.h"

#include <string.h>

static expr_node_t *parse_unary(expr_parser_t *p);
static expr_node_t *parse_coalesce(expr_parser_t *p);

/* ---- helpers ---- */

static bool is_assignable(const expr_node_t *e)
{
    if (e->kind == EXPR_NAME) return e->u.name.type_args.count == 0;
    if (e->kind != EXPR_MEMBER && e->kind != EXPR_INDEX) return false;
    /* a?.b = 1 is not an assignment target (C# 7); look down the postfix chain. */
    for (const expr_node_t *n = e; n;) {
        if (n->flags & EXPR_F_CONDITIONAL) return false;
        if (n->kind == EXPR_MEMBER)
            n = n->u.name.target;
        else if (n->kind == EXPR_INDEX || n->kind == EXPR_INVOKE)
            n = n->u.call.target;
        else
            n = NULL;
    }
    return true;
}

bool pp_is_statement_expression(const expr_node_t *e)
{
    switch (e->kind) {
    case EXPR_ASSIGN:
    case EXPR_INVOKE:
    case EXPR_NEW_OBJECT:
        return true;
    case EXPR_UNARY:
        return e->op == EXPR_OP_PRE_INC || e->op == EXPR_OP_PRE_DEC || e->op == EXPR_OP_POST_INC ||
               e->op == EXPR_OP_POST_DEC;
    default:
        return false;
    }
}

static expr_node_t *unary_node(expr_parser_t *p, expr_kind_t kind, expr_op_t op, uint32_t start,
                               expr_node_t *operand)
{
    expr_node_t *n = pp_node(p, kind, start);
    if (!n) return NULL;
    n->op = (uint8_t)op;
    n->u.unary.operand = operand;
    return pp_done(p, n);
}

/* ---- arguments ---- */

bool pp_parse_args(expr_parser_t *p, expr_tok_t close, expr_list_t *out)
{
    uint32_t mark = pp_list_mark(p);
    if (!pp_accept(p, close)) {
        do {
            expr_node_t *arg = pp_node(p, EXPR_ARG, p->i);
            if (!arg) break;
            if (pp_at(p, EXPR_TOK_IDENT) && pp_peek(p, 1) == EXPR_TOK_COLON) {
                arg->u.arg.name = pp_copy_name(p, pp_tok(p));
                p->i += 2;
            }
            if (pp_accept(p, EXPR_TOK_KW_OUT))
                arg->op = EXPR_ARG_OUT;
            else if (pp_accept(p, EXPR_TOK_KW_REF))
                arg->op = EXPR_ARG_REF;
            else if (pp_accept(p, EXPR_TOK_KW_IN))
                arg->op = EXPR_ARG_IN;
            if (arg->op == EXPR_ARG_OUT && pp_at_declaration(p, p->i)) {
                expr_node_t *d = pp_node(p, EXPR_DECLARATION, p->i);
                if (!d) break;
                d->u.typed.type = pp_parse_type(p, PP_TYPE_LOCAL);
                if (!d->u.typed.type) break;
                if (!pp_at(p, EXPR_TOK_IDENT)) {
                    pp_fail_expected(p, "a variable name");
                    break;
                }
                d->u.typed.name = pp_copy_name(p, pp_tok(p));
                p->i++;
                arg->u.arg.value = pp_done(p, d);
            } else {
                arg->u.arg.value = pp_parse_expression(p);
            }
            if (!arg->u.arg.value || !pp_list_push(p, pp_done(p, arg))) break;
        } while (pp_accept(p, EXPR_TOK_COMMA));
        if (!p->failed) pp_expect(p, close, close == EXPR_TOK_RPAREN ? "',' or ')'" : "',' or ']'");
    }
    if (p->failed) {
        pp_list_drop(p, mark);
        return false;
    }
    *out = pp_list_take(p, mark);
    return !p->failed;
}

/* ---- names ---- */

/* Type arguments after a name in an expression: only when the tokens form a type-argument
 * list and the token after '>' is one that C# §7.6.4.2 lets keep it one, so that
 * a < b > c stays two comparisons and F<int>(x) is a generic call. */
static bool maybe_type_args(expr_parser_t *p, expr_list_t *out)
{
    if (!pp_at(p, EXPR_TOK_LT)) return true;
    uint32_t end = pp_scan_type_args(p, p->i);
    if (!end || !pp_type_args_may_follow(pp_kind_at(p, end))) return true;
    return pp_parse_type_args(p, out);
}

static expr_node_t *parse_member(expr_parser_t *p, expr_node_t *target, bool conditional)
{
    expr_node_t *n = pp_node_from(p, EXPR_MEMBER, target);
    p->i++; /* . or ?. */
    if (!n) return NULL;
    if (!pp_at(p, EXPR_TOK_IDENT)) return pp_fail_expected(p, "a member name");
    n->flags = conditional ? EXPR_F_CONDITIONAL : 0;
    n->u.name.target = target;
    n->u.name.name = pp_copy_name(p, pp_tok(p));
    p->i++;
    if (!maybe_type_args(p, &n->u.name.type_args)) return NULL;
    return pp_done(p, n);
}

/* ---- interpolated strings ---- */

static expr_node_t *parse_hole(expr_parser_t *p)
{
    expr_node_t *h = pp_node(p, EXPR_INTERP_HOLE, p->i);
    p->i++; /* { */
    if (!h) return NULL;
    if (pp_at(p, EXPR_TOK_INTERP_HOLE_END) || pp_at(p, EXPR_TOK_INTERP_FORMAT))
        return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos, "empty interpolation");
    h->u.hole.value = pp_parse_expression(p);
    if (!h->u.hole.value) return NULL;
    if (pp_accept(p, EXPR_TOK_COMMA)) {
        h->u.hole.alignment = pp_parse_expression(p);
        if (!h->u.hole.alignment) return NULL;
    }
    if (pp_at(p, EXPR_TOK_INTERP_FORMAT)) {
        h->u.hole.format = pp_tok(p)->v.text;
        p->i++;
    }
    if (!pp_expect(p, EXPR_TOK_INTERP_HOLE_END, "'}' closing the interpolation")) return NULL;
    return pp_done(p, h);
}

static expr_node_t *parse_interpolated(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_INTERPOLATED, p->i);
    if (!n) return NULL;
    n->flags = (pp_tok(p)->flags & EXPR_TOKF_VERBATIM) ? EXPR_F_VERBATIM : 0;
    p->i++;
    uint32_t mark = pp_list_mark(p);
    while (!p->failed && !pp_accept(p, EXPR_TOK_INTERP_END)) {
        if (pp_at(p, EXPR_TOK_INTERP_TEXT)) {
            expr_node_t *s = pp_node(p, EXPR_STRING, p->i);
            if (!s) break;
            s->u.text = pp_tok(p)->v.text;
            p->i++;
            pp_list_push(p, pp_done(p, s));
        } else if (pp_at(p, EXPR_TOK_INTERP_HOLE_START)) {
            pp_list_push(p, parse_hole(p));
        } else {
            pp_fail_expected(p, "the end of the interpolated string");
        }
    }
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.list = pp_list_take(p, mark);
    return pp_done(p, n);
}

/* ---- lambdas (§7.15) ---- */

static bool at_lambda(const expr_parser_t *p)
{
    if (pp_at(p, EXPR_TOK_IDENT) && pp_peek(p, 1) == EXPR_TOK_ARROW) return true;
    if (!pp_at(p, EXPR_TOK_LPAREN) || p->match[p->i] < 0) return false;
    return pp_kind_at(p, (uint32_t)p->match[p->i] + 1) == EXPR_TOK_ARROW;
}

static expr_node_t *parse_param(expr_parser_t *p, int *typed)
{
    expr_tok_t k = pp_kind(p);
    if (k == EXPR_TOK_KW_REF || k == EXPR_TOK_KW_OUT || k == EXPR_TOK_KW_IN ||
        k == EXPR_TOK_KW_PARAMS)
        return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos,
                       "'%s' lambda parameters are not supported", expr_tok_spelling(k));
    expr_node_t *n = pp_node(p, EXPR_PARAM, p->i);
    if (!n) return NULL;
    bool implicit = pp_at(p, EXPR_TOK_IDENT) &&
                    (pp_peek(p, 1) == EXPR_TOK_COMMA || pp_peek(p, 1) == EXPR_TOK_RPAREN);
    if (*typed >= 0 && *typed != !implicit)
        return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos,
                       "lambda parameters must be all typed or all untyped");
    *typed = !implicit;
    if (!implicit && !(n->u.typed.type = pp_parse_type(p, PP_TYPE_PLAIN))) return NULL;
    if (!pp_at(p, EXPR_TOK_IDENT)) return pp_fail_expected(p, "a parameter name");
    n->u.typed.name = pp_copy_name(p, pp_tok(p));
    p->i++;
    return pp_done(p, n);
}

static expr_node_t *parse_lambda(expr_parser_t *p)
{
    expr_node_t *n = pp_node(p, EXPR_LAMBDA, p->i);
    if (!n) return NULL;
    uint32_t mark = pp_list_mark(p);
    if (pp_at(p, EXPR_TOK_IDENT)) {
        expr_node_t *param = pp_node(p, EXPR_PARAM, p->i);
        if (param) param->u.typed.name = pp_copy_name(p, pp_tok(p));
        p->i++;
        pp_list_push(p, pp_done(p, param));
    } else {
        p->i++; /* ( */
        int typed = -1;
        if (!pp_at(p, EXPR_TOK_RPAREN)) {
            do
                pp_list_push(p, parse_param(p, &typed));
            while (!p->failed && pp_accept(p, EXPR_TOK_COMMA));
        }
        if (!p->failed) pp_expect(p, EXPR_TOK_RPAREN, "',' or ')'");
    }
    if (p->failed) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.lambda.params = pp_list_take(p, mark);
    if (!pp_expect(p, EXPR_TOK_ARROW, NULL)) return NULL;
    n->u.lambda.body =
        pp_at(p, EXPR_TOK_LBRACE) ? pp_parse_block(p) : pp_parse_expression_or_throw(p);
    if (!n->u.lambda.body) return NULL;
    return pp_done(p, n);
}

/* ---- primary expressions (§7.6) ---- */

static expr_node_t *literal(expr_parser_t *p, expr_kind_t kind)
{
    const expr_token_t *t = pp_tok(p);
    expr_node_t *n = pp_node(p, kind, p->i);
    if (!n) return NULL;
    switch (kind) {
    case EXPR_INT:
        n->op = t->num_type;
        n->u.integer = t->v.integer;
        break;
    case EXPR_REAL:
        n->op = t->num_type;
        n->u.real.value = t->v.real.value;
        n->u.real.digits = t->v.real.digits;
        break;
    case EXPR_CHAR:
        n->u.ch = t->v.ch;
        break;
    case EXPR_STRING:
        n->u.text = t->v.text;
        n->flags = (t->flags & EXPR_TOKF_VERBATIM) ? EXPR_F_VERBATIM : 0;
        break;
    case EXPR_BOOL:
        n->u.boolean = t->kind == EXPR_TOK_KW_TRUE;
        break;
    default:
        break;
    }
    p->i++;
    return pp_done(p, n);
}

static expr_node_t *unsupported(expr_parser_t *p, const char *what)
{
    return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos, "%s", what);
}

/* typeof(T), default(T), checked(e), unchecked(e). */
static expr_node_t *parenthesized_operand(expr_parser_t *p, expr_kind_t kind, bool is_type)
{
    expr_node_t *n = pp_node(p, kind, p->i);
    if (!n) return NULL;
    if (pp_at(p, EXPR_TOK_KW_UNCHECKED)) n->flags = EXPR_F_UNCHECKED;
    p->i++;
    if (!pp_expect(p, EXPR_TOK_LPAREN, NULL)) return NULL;
    if (is_type)
        n->u.typed.type = pp_parse_type(p, PP_TYPE_PLAIN);
    else
        n->u.typed.operand = pp_parse_expression(p);
    if (p->failed || !pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_name(expr_parser_t *p)
{
    if (pp_is_contextual(p, p->i, "from") && pp_peek(p, 1) == EXPR_TOK_IDENT &&
        (pp_peek(p, 2) == EXPR_TOK_KW_IN || pp_peek(p, 3) == EXPR_TOK_KW_IN))
        return unsupported(p, "LINQ query expressions (from ... select) are not supported; "
                              "use the Select/Where methods");
    if (pp_is_contextual(p, p->i, "await") &&
        (pp_peek(p, 1) == EXPR_TOK_IDENT || pp_peek(p, 1) == EXPR_TOK_KW_NEW))
        return unsupported(p, "'await' is not supported: policy expressions are synchronous");
    if (pp_is_contextual(p, p->i, "async") &&
        (pp_peek(p, 1) == EXPR_TOK_IDENT || pp_peek(p, 1) == EXPR_TOK_LPAREN ||
         pp_peek(p, 1) == EXPR_TOK_KW_DELEGATE))
        return unsupported(p, "async lambdas are not supported: policy expressions are "
                              "synchronous");
    if (pp_peek(p, 1) == EXPR_TOK_COLON_COLON)
        return pp_fail(p, EXPR_ERR_UNSUPPORTED, p->toks[p->i + 1].pos,
                       "the alias qualifier '::' is not supported");
    expr_node_t *n = pp_node(p, EXPR_NAME, p->i);
    if (!n) return NULL;
    n->u.name.name = pp_copy_name(p, pp_tok(p));
    p->i++;
    if (!maybe_type_args(p, &n->u.name.type_args)) return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_primary(expr_parser_t *p)
{
    expr_tok_t k = pp_kind(p);
    switch (k) {
    case EXPR_TOK_INT:
        return literal(p, EXPR_INT);
    case EXPR_TOK_REAL:
        return literal(p, EXPR_REAL);
    case EXPR_TOK_CHAR:
        return literal(p, EXPR_CHAR);
    case EXPR_TOK_STRING:
        return literal(p, EXPR_STRING);
    case EXPR_TOK_KW_TRUE:
    case EXPR_TOK_KW_FALSE:
        return literal(p, EXPR_BOOL);
    case EXPR_TOK_KW_NULL:
        return literal(p, EXPR_NULL);
    case EXPR_TOK_INTERP_START:
        return parse_interpolated(p);
    case EXPR_TOK_IDENT:
        return parse_name(p);
    case EXPR_TOK_KW_NEW:
        return pp_parse_new(p);
    case EXPR_TOK_KW_TYPEOF:
        return parenthesized_operand(p, EXPR_TYPEOF, true);
    case EXPR_TOK_KW_CHECKED:
    case EXPR_TOK_KW_UNCHECKED:
        return parenthesized_operand(p, EXPR_CHECKED, false);
    case EXPR_TOK_KW_DEFAULT:
        if (pp_peek(p, 1) == EXPR_TOK_LPAREN) return parenthesized_operand(p, EXPR_DEFAULT, true);
        return literal(p, EXPR_DEFAULT);
    case EXPR_TOK_LPAREN: {
        p->i++;
        expr_node_t *e = pp_parse_expression(p);
        if (e && pp_at(p, EXPR_TOK_COMMA))
            return unsupported(p, "tuple expressions are not supported");
        if (!e || !pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
        return e;
    }
    case EXPR_TOK_KW_THIS:
    case EXPR_TOK_KW_BASE:
        return pp_fail(p, EXPR_ERR_UNSUPPORTED, pp_tok(p)->pos,
                       "'%s' is not available in policy expressions", expr_tok_spelling(k));
    case EXPR_TOK_KW_DELEGATE:
        return unsupported(p, "anonymous methods ('delegate') are not supported; use a lambda");
    case EXPR_TOK_KW_SIZEOF:
        return unsupported(p, "'sizeof' is not supported");
    case EXPR_TOK_KW_STACKALLOC:
        return unsupported(p, "'stackalloc' is not supported");
    case EXPR_TOK_KW_REF:
        return unsupported(p, "ref expressions are not supported");
    case EXPR_TOK_KW_THROW:
        return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos,
                       "a throw expression is only allowed after '?\?', in the branches of "
                       "'?:' and as a lambda body");
    case EXPR_TOK_LBRACE:
        if (pp_peek(p, 1) == EXPR_TOK_LBRACE && pp_adjacent(p, p->i))
            return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos,
                           "named value '{{...}}' was not substituted before parsing");
        return pp_fail_expected(p, "an expression");
    default:
        break;
    }
    if (k >= EXPR_TOK_FIRST_KEYWORD) {
        /* int.Parse, string.Empty: a predefined type is an expression only before '.'. */
        expr_node_t *t = pp_parse_non_array_type(p, PP_TYPE_PLAIN);
        if (t && t->kind == EXPR_TYPE_PREDEFINED) {
            if (pp_at(p, EXPR_TOK_DOT)) return t;
            return pp_fail(p, EXPR_ERR_SYNTAX, t->pos, "'%s' is a type, not an expression",
                           expr_predef_name((expr_predef_t)t->op));
        }
        return NULL;
    }
    return pp_fail_expected(p, "an expression");
}

static expr_node_t *parse_postfix(expr_parser_t *p, expr_node_t *e)
{
    while (e) {
        expr_tok_t k = pp_kind(p);
        if (k == EXPR_TOK_DOT || k == EXPR_TOK_QUESTION_DOT) {
            e = parse_member(p, e, k == EXPR_TOK_QUESTION_DOT);
        } else if (k == EXPR_TOK_LPAREN || k == EXPR_TOK_LBRACKET ||
                   k == EXPR_TOK_QUESTION_BRACKET) {
            expr_node_t *n = pp_node_from(p, k == EXPR_TOK_LPAREN ? EXPR_INVOKE : EXPR_INDEX, e);
            if (!n) return NULL;
            n->flags = k == EXPR_TOK_QUESTION_BRACKET ? EXPR_F_CONDITIONAL : 0;
            n->u.call.target = e;
            p->i++;
            if (!pp_parse_args(p, k == EXPR_TOK_LPAREN ? EXPR_TOK_RPAREN : EXPR_TOK_RBRACKET,
                               &n->u.call.args))
                return NULL;
            if (k != EXPR_TOK_LPAREN && n->u.call.args.count == 0)
                return pp_fail(p, EXPR_ERR_SYNTAX, n->pos, "element access without an index");
            e = pp_done(p, n);
        } else if (k == EXPR_TOK_PLUS_PLUS || k == EXPR_TOK_MINUS_MINUS) {
            if (!is_assignable(e))
                return pp_fail(p, EXPR_ERR_SYNTAX, e->pos,
                               "the operand of '%s' must be a variable, property or indexer",
                               expr_tok_spelling(k));
            expr_node_t *n = pp_node_from(p, EXPR_UNARY, e);
            if (!n) return NULL;
            n->op = k == EXPR_TOK_PLUS_PLUS ? EXPR_OP_POST_INC : EXPR_OP_POST_DEC;
            n->u.unary.operand = e;
            p->i++;
            e = pp_done(p, n);
        } else if (k == EXPR_TOK_PTR_ARROW) {
            return unsupported(p, "pointer member access '->' is not supported");
        } else {
            break;
        }
    }
    return e;
}

/* ---- unary operators and casts (§7.7) ---- */

/* §7.7.6: ( T ) is a cast when T is a type that cannot be an expression (int, T[], T?),
 * or when it is a type and the token after ')' is ~ ! ( an identifier, a literal or a
 * keyword other than as/is. So (x) + y adds, (int)-1 casts, (string)x casts. */
static bool at_cast(const expr_parser_t *p)
{
    int32_t close = p->match[p->i];
    if (close < 0) return false;
    unsigned flags;
    if (pp_scan_type(p, p->i + 1, &flags) != (uint32_t)close) return false;
    if (flags & PP_SCAN_MUST_BE_TYPE) return true;
    expr_tok_t next = pp_kind_at(p, (uint32_t)close + 1);
    switch (next) {
    case EXPR_TOK_TILDE:
    case EXPR_TOK_BANG:
    case EXPR_TOK_LPAREN:
    case EXPR_TOK_IDENT:
    case EXPR_TOK_INT:
    case EXPR_TOK_REAL:
    case EXPR_TOK_CHAR:
    case EXPR_TOK_STRING:
    case EXPR_TOK_INTERP_START:
        return true;
    default:
        return next >= EXPR_TOK_FIRST_KEYWORD && next != EXPR_TOK_KW_AS && next != EXPR_TOK_KW_IS;
    }
}

/* C# §2.4.4.2: -2147483648 is an int and -9223372036854775808 a long, though the
 * literals after the minus do not fit those types alone. */
static expr_node_t *fold_negative_literal(expr_parser_t *p, uint32_t minus, expr_node_t *operand)
{
    const expr_token_t *lit = &p->toks[minus + 1];
    if (operand->kind != EXPR_INT || lit->kind != EXPR_TOK_INT ||
        lit->pos.offset != operand->pos.offset || lit->pos.len != operand->pos.len ||
        (lit->flags & (EXPR_TOKF_RADIX | EXPR_TOKF_SUFFIX_U)))
        return NULL;
    if (lit->v.integer == 2147483648u && !(lit->flags & EXPR_TOKF_SUFFIX_L)) {
        operand->op = EXPR_NUM_INT;
        operand->u.integer = (uint64_t)INT64_C(-2147483648);
    } else if (lit->v.integer == UINT64_C(9223372036854775808)) {
        operand->op = EXPR_NUM_LONG;
        operand->u.integer = UINT64_C(9223372036854775808);
    } else {
        return NULL;
    }
    operand->pos.offset = p->toks[minus].pos.offset;
    operand->pos.line = p->toks[minus].pos.line;
    operand->pos.col = p->toks[minus].pos.col;
    return pp_done(p, operand);
}

static expr_node_t *parse_unary_inner(expr_parser_t *p)
{
    uint32_t start = p->i;
    expr_op_t op = EXPR_OP_NONE;
    switch (pp_kind(p)) {
    case EXPR_TOK_PLUS:
        op = EXPR_OP_PLUS;
        break;
    case EXPR_TOK_MINUS:
        op = EXPR_OP_NEGATE;
        break;
    case EXPR_TOK_BANG:
        op = EXPR_OP_NOT;
        break;
    case EXPR_TOK_TILDE:
        op = EXPR_OP_COMPLEMENT;
        break;
    case EXPR_TOK_PLUS_PLUS:
        op = EXPR_OP_PRE_INC;
        break;
    case EXPR_TOK_MINUS_MINUS:
        op = EXPR_OP_PRE_DEC;
        break;
    case EXPR_TOK_AMP:
    case EXPR_TOK_STAR:
        return unsupported(p, "pointer operations ('&x', '*p') are not supported");
    case EXPR_TOK_LPAREN:
        if (at_cast(p)) {
            expr_node_t *n = pp_node(p, EXPR_CAST, p->i);
            if (!n) return NULL;
            p->i++;
            n->u.typed.type = pp_parse_type(p, PP_TYPE_PLAIN);
            if (!n->u.typed.type || !pp_expect(p, EXPR_TOK_RPAREN, NULL)) return NULL;
            n->u.typed.operand = parse_unary(p);
            if (!n->u.typed.operand) return NULL;
            return pp_done(p, n);
        }
        break;
    default:
        break;
    }
    if (op == EXPR_OP_NONE) return parse_postfix(p, parse_primary(p));
    p->i++;
    expr_node_t *operand = parse_unary(p);
    if (!operand) return NULL;
    if (op == EXPR_OP_NEGATE) {
        expr_node_t *folded = fold_negative_literal(p, start, operand);
        if (folded || p->failed) return folded;
    }
    if ((op == EXPR_OP_PRE_INC || op == EXPR_OP_PRE_DEC) && !is_assignable(operand))
        return pp_fail(p, EXPR_ERR_SYNTAX, operand->pos,
                       "the operand of '%s' must be a variable, property or indexer",
                       expr_op_spelling(op));
    return unary_node(p, EXPR_UNARY, op, start, operand);
}

static expr_node_t *parse_unary(expr_parser_t *p)
{
    if (!pp_enter(p)) return NULL;
    expr_node_t *e = parse_unary_inner(p);
    pp_leave(p);
    return e;
}

/* ---- binary operators (§7.3.1) ---- */

enum {
    PREC_OR = 1,
    PREC_AND,
    PREC_BIT_OR,
    PREC_BIT_XOR,
    PREC_BIT_AND,
    PREC_EQUALITY,
    PREC_RELATIONAL,
    PREC_SHIFT,
    PREC_ADDITIVE,
    PREC_MULTIPLICATIVE
};

/* The binary operator at the cursor: its precedence (0 if none) and token count. */
static int binary_op(const expr_parser_t *p, expr_op_t *op, uint32_t *ntoks)
{
    *ntoks = 1;
    switch (pp_kind(p)) {
    case EXPR_TOK_PIPE_PIPE:
        *op = EXPR_OP_OR;
        return PREC_OR;
    case EXPR_TOK_AMP_AMP:
        *op = EXPR_OP_AND;
        return PREC_AND;
    case EXPR_TOK_PIPE:
        *op = EXPR_OP_BIT_OR;
        return PREC_BIT_OR;
    case EXPR_TOK_CARET:
        *op = EXPR_OP_BIT_XOR;
        return PREC_BIT_XOR;
    case EXPR_TOK_AMP:
        *op = EXPR_OP_BIT_AND;
        return PREC_BIT_AND;
    case EXPR_TOK_EQ:
        *op = EXPR_OP_EQ;
        return PREC_EQUALITY;
    case EXPR_TOK_NE:
        *op = EXPR_OP_NE;
        return PREC_EQUALITY;
    case EXPR_TOK_LT:
        *op = EXPR_OP_LT;
        return PREC_RELATIONAL;
    case EXPR_TOK_LE:
        *op = EXPR_OP_LE;
        return PREC_RELATIONAL;
    case EXPR_TOK_GE:
        *op = EXPR_OP_GE;
        return PREC_RELATIONAL;
    case EXPR_TOK_KW_IS:
    case EXPR_TOK_KW_AS:
        *op = EXPR_OP_NONE;
        return PREC_RELATIONAL;
    case EXPR_TOK_GT:
        /* '>' '>' touching is a shift; '>' '>=' touching is the assignment >>=. */
        if (pp_adjacent(p, p->i) && pp_peek(p, 1) == EXPR_TOK_GE) return 0;
        if (pp_adjacent(p, p->i) && pp_peek(p, 1) == EXPR_TOK_GT) {
            *ntoks = 2;
            *op = EXPR_OP_SHR;
            return PREC_SHIFT;
        }
        *op = EXPR_OP_GT;
        return PREC_RELATIONAL;
    case EXPR_TOK_SHL:
        *op = EXPR_OP_SHL;
        return PREC_SHIFT;
    case EXPR_TOK_PLUS:
        *op = EXPR_OP_ADD;
        return PREC_ADDITIVE;
    case EXPR_TOK_MINUS:
        *op = EXPR_OP_SUB;
        return PREC_ADDITIVE;
    case EXPR_TOK_STAR:
        *op = EXPR_OP_MUL;
        return PREC_MULTIPLICATIVE;
    case EXPR_TOK_SLASH:
        *op = EXPR_OP_DIV;
        return PREC_MULTIPLICATIVE;
    case EXPR_TOK_PERCENT:
        *op = EXPR_OP_MOD;
        return PREC_MULTIPLICATIVE;
    default:
        return 0;
    }
}

static expr_node_t *parse_binary(expr_parser_t *p, int min_prec);

/* x is T, x is T name, x is var name, x is <constant> (C# 7 patterns); x as T. */
static expr_node_t *parse_is_as(expr_parser_t *p, expr_node_t *left)
{
    bool is = pp_at(p, EXPR_TOK_KW_IS);
    expr_node_t *n = pp_node_from(p, is ? EXPR_IS : EXPR_AS, left);
    p->i++;
    if (!n) return NULL;
    if (!is) {
        n->u.typed.operand = left;
        n->u.typed.type = pp_parse_type(p, PP_TYPE_IS_AS);
        return n->u.typed.type ? pp_done(p, n) : NULL;
    }
    n->u.is.operand = left;
    unsigned flags;
    if (pp_scan_type(p, p->i, &flags)) {
        n->u.is.type = pp_parse_type(p, PP_TYPE_IS_AS);
        if (!n->u.is.type) return NULL;
        if (pp_at(p, EXPR_TOK_IDENT)) {
            n->u.is.name = pp_copy_name(p, pp_tok(p));
            p->i++;
        }
    } else {
        /* A C# 7 constant pattern is a shift-expression. */
        n->u.is.constant = parse_binary(p, PREC_SHIFT);
        if (!n->u.is.constant) return NULL;
    }
    return pp_done(p, n);
}

static expr_node_t *parse_binary(expr_parser_t *p, int min_prec)
{
    expr_node_t *left = parse_unary(p);
    while (left) {
        expr_op_t op;
        uint32_t ntoks;
        int prec = binary_op(p, &op, &ntoks);
        if (prec == 0 || prec < min_prec) break;
        if (op == EXPR_OP_NONE) {
            left = parse_is_as(p, left);
            continue;
        }
        expr_node_t *n = pp_node_from(p, EXPR_BINARY, left);
        if (!n) return NULL;
        p->i += ntoks;
        n->op = (uint8_t)op;
        n->u.binary.left = left;
        n->u.binary.right = parse_binary(p, prec + 1); /* left-associative */
        if (!n->u.binary.right) return NULL;
        left = pp_done(p, n);
    }
    return left;
}

/* ?? is right-associative and binds looser than || (§7.13). */
static expr_node_t *parse_coalesce(expr_parser_t *p)
{
    expr_node_t *left = parse_binary(p, PREC_OR);
    if (!left || !pp_at(p, EXPR_TOK_QUESTION_QUESTION)) return left;
    expr_node_t *n = pp_node_from(p, EXPR_BINARY, left);
    if (!n) return NULL;
    p->i++;
    n->op = EXPR_OP_COALESCE;
    n->u.binary.left = left;
    if (!pp_enter(p)) return NULL;
    if (pp_at(p, EXPR_TOK_KW_THROW))
        n->u.binary.right = pp_parse_expression_or_throw(p);
    else
        n->u.binary.right = parse_coalesce(p);
    pp_leave(p);
    if (!n->u.binary.right) return NULL;
    return pp_done(p, n);
}

static expr_node_t *parse_conditional(expr_parser_t *p)
{
    expr_node_t *c = parse_coalesce(p);
    if (!c || !pp_at(p, EXPR_TOK_QUESTION)) return c;
    expr_node_t *n = pp_node_from(p, EXPR_CONDITIONAL, c);
    if (!n) return NULL;
    p->i++;
    n->u.cond.cond = c;
    n->u.cond.then = pp_parse_expression_or_throw(p);
    if (!n->u.cond.then) return NULL;
    if (pp_at(p, EXPR_TOK_INTERP_FORMAT))
        return pp_fail(p, EXPR_ERR_SYNTAX, pp_tok(p)->pos,
                       "a conditional operator inside an interpolation must be parenthesised");
    if (!pp_expect(p, EXPR_TOK_COLON, "':' of the conditional operator")) return NULL;
    n->u.cond.otherwise = pp_parse_expression_or_throw(p);
    if (!n->u.cond.otherwise) return NULL;
    return pp_done(p, n);
}

/* ---- assignment (§7.17) and the expression entry ---- */

static expr_op_t assign_op(const expr_parser_t *p, uint32_t *ntoks)
{
    *ntoks = 1;
    switch (pp_kind(p)) {
    case EXPR_TOK_ASSIGN:
        return EXPR_OP_ASSIGN;
    case EXPR_TOK_PLUS_ASSIGN:
        return EXPR_OP_ADD_ASSIGN;
    case EXPR_TOK_MINUS_ASSIGN:
        return EXPR_OP_SUB_ASSIGN;
    case EXPR_TOK_STAR_ASSIGN:
        return EXPR_OP_MUL_ASSIGN;
    case EXPR_TOK_SLASH_ASSIGN:
        return EXPR_OP_DIV_ASSIGN;
    case EXPR_TOK_PERCENT_ASSIGN:
        return EXPR_OP_MOD_ASSIGN;
    case EXPR_TOK_AMP_ASSIGN:
        return EXPR_OP_AND_ASSIGN;
    case EXPR_TOK_PIPE_ASSIGN:
        return EXPR_OP_OR_ASSIGN;
    case EXPR_TOK_CARET_ASSIGN:
        return EXPR_OP_XOR_ASSIGN;
    case EXPR_TOK_SHL_ASSIGN:
        return EXPR_OP_SHL_ASSIGN;
    case EXPR_TOK_QUESTION_QUESTION_ASSIGN:
        return EXPR_OP_COALESCE_ASSIGN;
    case EXPR_TOK_GT:
        if (pp_adjacent(p, p->i) && pp_peek(p, 1) == EXPR_TOK_GE) {
            *ntoks = 2;
            return EXPR_OP_SHR_ASSIGN;
        }
        return EXPR_OP_NONE;
    default:
        return EXPR_OP_NONE;
    }
}

static expr_node_t *parse_expression_inner(expr_parser_t *p)
{
    if (at_lambda(p)) return parse_lambda(p);
    expr_node_t *left = parse_conditional(p);
    uint32_t ntoks;
    expr_op_t op = left ? assign_op(p, &ntoks) : EXPR_OP_NONE;
    if (op == EXPR_OP_NONE) return left;
    if (!is_assignable(left))
        return pp_fail(p, EXPR_ERR_SYNTAX, left->pos,
                       "the left-hand side of an assignment must be a variable, property or "
                       "indexer");
    expr_node_t *n = pp_node_from(p, EXPR_ASSIGN, left);
    if (!n) return NULL;
    p->i += ntoks;
    n->op = (uint8_t)op;
    n->u.binary.left = left;
    n->u.binary.right = pp_parse_expression(p); /* right-associative */
    if (!n->u.binary.right) return NULL;
    return pp_done(p, n);
}

expr_node_t *pp_parse_expression(expr_parser_t *p)
{
    if (!pp_enter(p)) return NULL;
    expr_node_t *e = parse_expression_inner(p);
    pp_leave(p);
    return e;
}

expr_node_t *pp_parse_expression_or_throw(expr_parser_t *p)
{
    if (!pp_at(p, EXPR_TOK_KW_THROW)) return pp_parse_expression(p);
    if (!pp_enter(p)) return NULL;
    uint32_t start = p->i++;
    expr_node_t *operand = parse_coalesce(p);
    expr_node_t *n = operand ? unary_node(p, EXPR_THROW, EXPR_OP_NONE, start, operand) : NULL;
    pp_leave(p);
    return n;
}
