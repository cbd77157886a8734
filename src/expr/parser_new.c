/* Object and array creation (C# spec §7.6.10): new T(args) [initializer], new T { ... },
 * new T[n] / new T[] { ... } / new[] { ... }, anonymous objects new { a = 1, x.y }, and
 * the initializers (§7.6.10.2 object, §7.6.10.3 collection, §12.6 array). */
#include "expr/parser_internal.h"

static expr_node_t *initializer_node(expr_parser_t *p, expr_init_kind_t kind)
{
    expr_node_t *n = pp_node(p, EXPR_INITIALIZER, p->i);
    if (n) n->op = (uint8_t)kind;
    return n;
}

/* Closes a brace-delimited list whose items are on the builder since `mark`. */
static expr_node_t *close_initializer(expr_parser_t *p, expr_node_t *n, uint32_t mark)
{
    if (!p->failed) pp_expect(p, EXPR_TOK_RBRACE, "',' or '}'");
    if (p->failed || !n) {
        pp_list_drop(p, mark);
        return NULL;
    }
    n->u.list = pp_list_take(p, mark);
    return pp_done(p, n);
}

expr_node_t *pp_parse_array_initializer(expr_parser_t *p)
{
    if (!pp_enter(p)) return NULL;
    expr_node_t *n = initializer_node(p, EXPR_INIT_ARRAY);
    uint32_t mark = pp_list_mark(p);
    if (pp_expect(p, EXPR_TOK_LBRACE, NULL)) {
        while (!p->failed && !pp_at(p, EXPR_TOK_RBRACE)) {
            pp_list_push(p, pp_at(p, EXPR_TOK_LBRACE) ? pp_parse_array_initializer(p)
                                                      : pp_parse_expression(p));
            if (!pp_accept(p, EXPR_TOK_COMMA)) break;
        }
    }
    n = close_initializer(p, n, mark);
    pp_leave(p);
    return n;
}

/* { k, v } inside a collection initializer: the arguments of one Add call. */
static expr_node_t *parse_element_initializer(expr_parser_t *p)
{
    expr_node_t *n = initializer_node(p, EXPR_INIT_COLLECTION);
    uint32_t mark = pp_list_mark(p);
    p->i++; /* { */
    do
        pp_list_push(p, pp_parse_expression(p));
    while (!p->failed && pp_accept(p, EXPR_TOK_COMMA) && !pp_at(p, EXPR_TOK_RBRACE));
    return close_initializer(p, n, mark);
}

static expr_node_t *parse_object_or_collection(expr_parser_t *p);

static expr_node_t *member_value(expr_parser_t *p)
{
    return pp_at(p, EXPR_TOK_LBRACE) ? parse_object_or_collection(p) : pp_parse_expression(p);
}

static expr_node_t *parse_member_initializer(expr_parser_t *p)
{
    if (pp_at(p, EXPR_TOK_IDENT) && pp_peek(p, 1) == EXPR_TOK_ASSIGN) {
        expr_node_t *m = pp_node(p, EXPR_INIT_MEMBER, p->i);
        if (!m) return NULL;
        m->u.arg.name = pp_copy_name(p, pp_tok(p));
        p->i += 2;
        m->u.arg.value = member_value(p);
        return m->u.arg.value ? pp_done(p, m) : NULL;
    }
    if (pp_at(p, EXPR_TOK_LBRACKET)) {
        expr_node_t *m = pp_node(p, EXPR_INIT_INDEX, p->i);
        if (!m) return NULL;
        p->i++;
        if (!pp_parse_args(p, EXPR_TOK_RBRACKET, &m->u.init_index.args)) return NULL;
        if (!pp_expect(p, EXPR_TOK_ASSIGN, NULL)) return NULL;
        m->u.init_index.value = member_value(p);
        return m->u.init_index.value ? pp_done(p, m) : NULL;
    }
    return pp_fail_expected(p, "a member initializer ('Name = value' or '[index] = value')");
}

/* The { ... } after new T(...): an object initializer when it starts with Name = or
 * [index] =, a collection initializer otherwise (C# §7.6.10.2-3). */
static expr_node_t *parse_object_or_collection(expr_parser_t *p)
{
    if (!pp_enter(p)) return NULL;
    bool is_object = pp_peek(p, 1) == EXPR_TOK_RBRACE || pp_peek(p, 1) == EXPR_TOK_LBRACKET ||
                     (pp_peek(p, 1) == EXPR_TOK_IDENT && pp_peek(p, 2) == EXPR_TOK_ASSIGN);
    expr_node_t *n = initializer_node(p, is_object ? EXPR_INIT_OBJECT : EXPR_INIT_COLLECTION);
    uint32_t mark = pp_list_mark(p);
    p->i++; /* { */
    while (!p->failed && !pp_at(p, EXPR_TOK_RBRACE)) {
        if (is_object)
            pp_list_push(p, parse_member_initializer(p));
        else if (pp_at(p, EXPR_TOK_LBRACE))
            pp_list_push(p, parse_element_initializer(p));
        else
            pp_list_push(p, pp_parse_expression(p));
        if (!pp_accept(p, EXPR_TOK_COMMA)) break;
    }
    n = close_initializer(p, n, mark);
    pp_leave(p);
    return n;
}

/* new { a = 1, x.y }: members are Name = value or a projection (§7.6.10.6). */
static expr_node_t *parse_anonymous_members(expr_parser_t *p)
{
    expr_node_t *n = initializer_node(p, EXPR_INIT_OBJECT);
    uint32_t mark = pp_list_mark(p);
    p->i++; /* { */
    while (!p->failed && !pp_at(p, EXPR_TOK_RBRACE)) {
        if (pp_at(p, EXPR_TOK_IDENT) && pp_peek(p, 1) == EXPR_TOK_ASSIGN) {
            expr_node_t *m = pp_node(p, EXPR_INIT_MEMBER, p->i);
            if (!m) break;
            m->u.arg.name = pp_copy_name(p, pp_tok(p));
            p->i += 2;
            m->u.arg.value = pp_parse_expression(p);
            pp_list_push(p, m->u.arg.value ? pp_done(p, m) : NULL);
        } else {
            pp_list_push(p, pp_parse_expression(p));
        }
        if (!pp_accept(p, EXPR_TOK_COMMA)) break;
    }
    return close_initializer(p, n, mark);
}

/* new T[n, m][] { ... }: sizes of the outer rank, then rank specifiers of the element. */
static bool parse_array_sizes(expr_parser_t *p, expr_node_t *n, expr_node_t *element)
{
    expr_node_t *outer = pp_node(p, EXPR_TYPE_ARRAY, p->i);
    if (!outer) return false;
    pp_take_lbracket(p);
    uint32_t mark = pp_list_mark(p);
    do
        pp_list_push(p, pp_parse_expression(p));
    while (!p->failed && pp_accept(p, EXPR_TOK_COMMA));
    if (!p->failed) pp_expect(p, EXPR_TOK_RBRACKET, "',' or ']'");
    if (p->failed) {
        pp_list_drop(p, mark);
        return false;
    }
    n->u.create.args = pp_list_take(p, mark);
    outer->u.array.rank = n->u.create.args.count;
    outer->u.array.element = pp_parse_rank_specifiers(p, element);
    outer->pos = element->pos;
    n->u.create.type = pp_done(p, outer);
    return n->u.create.type != NULL;
}

expr_node_t *pp_parse_new(expr_parser_t *p)
{
    uint32_t start = p->i++;
    if (pp_at(p, EXPR_TOK_LBRACKET)) { /* new[] { ... }: the rank is in op */
        expr_node_t *n = pp_node(p, EXPR_NEW_ARRAY, start);
        if (!n) return NULL;
        p->i++;
        n->op = 1;
        while (pp_accept(p, EXPR_TOK_COMMA))
            n->op++;
        if (!pp_expect(p, EXPR_TOK_RBRACKET, NULL)) return NULL;
        if (!pp_at(p, EXPR_TOK_LBRACE)) return pp_fail_expected(p, "'{' after 'new[]'");
        n->u.create.init = pp_parse_array_initializer(p);
        return n->u.create.init ? pp_done(p, n) : NULL;
    }
    if (pp_at(p, EXPR_TOK_LBRACE)) {
        expr_node_t *n = pp_node(p, EXPR_NEW_ANONYMOUS, start);
        if (!n) return NULL;
        n->u.create.init = parse_anonymous_members(p);
        return n->u.create.init ? pp_done(p, n) : NULL;
    }
    expr_node_t *type = pp_parse_non_array_type(p, PP_TYPE_PLAIN);
    if (!type || !pp_take_new_nullable(p, &type)) return NULL;
    if (pp_at_lbracket(p)) {
        expr_node_t *n = pp_node(p, EXPR_NEW_ARRAY, start);
        if (!n) return NULL;
        if (pp_peek(p, 1) == EXPR_TOK_RBRACKET || pp_peek(p, 1) == EXPR_TOK_COMMA) {
            n->u.create.type = pp_parse_rank_specifiers(p, type);
            if (!n->u.create.type) return NULL;
            if (!pp_at(p, EXPR_TOK_LBRACE))
                return pp_fail_expected(p, "an array size or an initializer '{'");
        } else if (!parse_array_sizes(p, n, type)) {
            return NULL;
        }
        if (pp_at(p, EXPR_TOK_LBRACE) && !(n->u.create.init = pp_parse_array_initializer(p)))
            return NULL;
        return pp_done(p, n);
    }
    expr_node_t *n = pp_node(p, EXPR_NEW_OBJECT, start);
    if (!n) return NULL;
    n->u.create.type = type;
    if (pp_accept(p, EXPR_TOK_LPAREN)) {
        n->flags = EXPR_F_HAS_PARENS;
        if (!pp_parse_args(p, EXPR_TOK_RPAREN, &n->u.create.args)) return NULL;
    } else if (!pp_at(p, EXPR_TOK_LBRACE)) {
        return pp_fail_expected(p, "'(', '[' or '{' after the type of 'new'");
    }
    if (pp_at(p, EXPR_TOK_LBRACE) && !(n->u.create.init = parse_object_or_collection(p)))
        return NULL;
    return pp_done(p, n);
}
