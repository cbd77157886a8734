/* expr_ast: names and the child walk of syntax tree nodes (see ast.h). */
#include "expr/ast.h"

static const char *const kind_names[EXPR_KIND_COUNT] = {
    [EXPR_NULL] = "null",
    [EXPR_BOOL] = "bool literal",
    [EXPR_INT] = "integer literal",
    [EXPR_REAL] = "real literal",
    [EXPR_CHAR] = "character literal",
    [EXPR_STRING] = "string literal",
    [EXPR_INTERPOLATED] = "interpolated string",
    [EXPR_INTERP_HOLE] = "interpolation",
    [EXPR_NAME] = "name",
    [EXPR_MEMBER] = "member access",
    [EXPR_INVOKE] = "invocation",
    [EXPR_INDEX] = "element access",
    [EXPR_ARG] = "argument",
    [EXPR_DECLARATION] = "out variable declaration",
    [EXPR_UNARY] = "unary operator",
    [EXPR_BINARY] = "binary operator",
    [EXPR_CONDITIONAL] = "conditional operator",
    [EXPR_ASSIGN] = "assignment",
    [EXPR_CAST] = "cast",
    [EXPR_IS] = "is",
    [EXPR_AS] = "as",
    [EXPR_TYPEOF] = "typeof",
    [EXPR_DEFAULT] = "default",
    [EXPR_CHECKED] = "checked",
    [EXPR_THROW] = "throw expression",
    [EXPR_LAMBDA] = "lambda",
    [EXPR_PARAM] = "lambda parameter",
    [EXPR_NEW_OBJECT] = "object creation",
    [EXPR_NEW_ARRAY] = "array creation",
    [EXPR_NEW_ANONYMOUS] = "anonymous object creation",
    [EXPR_INITIALIZER] = "initializer",
    [EXPR_INIT_MEMBER] = "member initializer",
    [EXPR_INIT_INDEX] = "index initializer",
    [EXPR_TYPE_PREDEFINED] = "predefined type",
    [EXPR_TYPE_VAR] = "var",
    [EXPR_TYPE_NAME] = "type name",
    [EXPR_TYPE_ARRAY] = "array type",
    [EXPR_TYPE_NULLABLE] = "nullable type",
    [EXPR_STMT_BLOCK] = "block",
    [EXPR_STMT_EMPTY] = "empty statement",
    [EXPR_STMT_EXPR] = "expression statement",
    [EXPR_STMT_LOCAL] = "local declaration",
    [EXPR_DECLARATOR] = "variable declarator",
    [EXPR_STMT_IF] = "if",
    [EXPR_STMT_FOREACH] = "foreach",
    [EXPR_STMT_FOR] = "for",
    [EXPR_STMT_WHILE] = "while",
    [EXPR_STMT_DO] = "do",
    [EXPR_STMT_SWITCH] = "switch",
    [EXPR_SWITCH_SECTION] = "switch section",
    [EXPR_CASE_LABEL] = "case label",
    [EXPR_STMT_RETURN] = "return",
    [EXPR_STMT_BREAK] = "break",
    [EXPR_STMT_CONTINUE] = "continue",
    [EXPR_STMT_THROW] = "throw",
    [EXPR_STMT_TRY] = "try",
    [EXPR_CATCH] = "catch",
    [EXPR_STMT_CHECKED] = "checked block",
    [EXPR_STMT_FUNCTION] = "local function",
    [EXPR_STMT_USING] = "using",
};

const char *expr_ast_kind_name(expr_kind_t kind)
{
    return (unsigned)kind < EXPR_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "node";
}

static const char *const op_spellings[EXPR_OP_COUNT] = {
    [EXPR_OP_NONE] = "",          [EXPR_OP_PLUS] = "+",
    [EXPR_OP_NEGATE] = "-",       [EXPR_OP_NOT] = "!",
    [EXPR_OP_COMPLEMENT] = "~",   [EXPR_OP_PRE_INC] = "++",
    [EXPR_OP_PRE_DEC] = "--",     [EXPR_OP_POST_INC] = "++",
    [EXPR_OP_POST_DEC] = "--",    [EXPR_OP_MUL] = "*",
    [EXPR_OP_DIV] = "/",          [EXPR_OP_MOD] = "%",
    [EXPR_OP_ADD] = "+",          [EXPR_OP_SUB] = "-",
    [EXPR_OP_SHL] = "<<",         [EXPR_OP_SHR] = ">>",
    [EXPR_OP_LT] = "<",           [EXPR_OP_GT] = ">",
    [EXPR_OP_LE] = "<=",          [EXPR_OP_GE] = ">=",
    [EXPR_OP_EQ] = "==",          [EXPR_OP_NE] = "!=",
    [EXPR_OP_BIT_AND] = "&",      [EXPR_OP_BIT_XOR] = "^",
    [EXPR_OP_BIT_OR] = "|",       [EXPR_OP_AND] = "&&",
    [EXPR_OP_OR] = "||",          [EXPR_OP_COALESCE] = "??",
    [EXPR_OP_ASSIGN] = "=",       [EXPR_OP_ADD_ASSIGN] = "+=",
    [EXPR_OP_SUB_ASSIGN] = "-=",  [EXPR_OP_MUL_ASSIGN] = "*=",
    [EXPR_OP_DIV_ASSIGN] = "/=",  [EXPR_OP_MOD_ASSIGN] = "%=",
    [EXPR_OP_AND_ASSIGN] = "&=",  [EXPR_OP_OR_ASSIGN] = "|=",
    [EXPR_OP_XOR_ASSIGN] = "^=",  [EXPR_OP_SHL_ASSIGN] = "<<=",
    [EXPR_OP_SHR_ASSIGN] = ">>=", [EXPR_OP_COALESCE_ASSIGN] = "?\?=",
};

const char *expr_op_spelling(expr_op_t op)
{
    return (unsigned)op < EXPR_OP_COUNT && op_spellings[op] ? op_spellings[op] : "?";
}

static const char *const predef_names[EXPR_PREDEF_COUNT] = {
    [EXPR_PREDEF_BOOL] = "bool",       [EXPR_PREDEF_BYTE] = "byte",
    [EXPR_PREDEF_SBYTE] = "sbyte",     [EXPR_PREDEF_CHAR] = "char",
    [EXPR_PREDEF_DECIMAL] = "decimal", [EXPR_PREDEF_DOUBLE] = "double",
    [EXPR_PREDEF_FLOAT] = "float",     [EXPR_PREDEF_INT] = "int",
    [EXPR_PREDEF_UINT] = "uint",       [EXPR_PREDEF_LONG] = "long",
    [EXPR_PREDEF_ULONG] = "ulong",     [EXPR_PREDEF_OBJECT] = "object",
    [EXPR_PREDEF_SHORT] = "short",     [EXPR_PREDEF_USHORT] = "ushort",
    [EXPR_PREDEF_STRING] = "string",   [EXPR_PREDEF_VOID] = "void",
};

const char *expr_predef_name(expr_predef_t t)
{
    return (unsigned)t < EXPR_PREDEF_COUNT ? predef_names[t] : "?";
}

typedef void (*visit_fn)(const expr_node_t *, void *);

static void one(const expr_node_t *n, visit_fn fn, void *ctx)
{
    if (n) fn(n, ctx);
}

static void all(expr_list_t l, visit_fn fn, void *ctx)
{
    for (uint32_t k = 0; k < l.count; k++)
        one(l.items[k], fn, ctx);
}

void expr_ast_for_each_child(const expr_node_t *n, visit_fn fn, void *ctx)
{
    switch ((expr_kind_t)n->kind) {
    case EXPR_INTERPOLATED:
    case EXPR_INITIALIZER:
    case EXPR_STMT_BLOCK:
        all(n->u.list, fn, ctx);
        break;
    case EXPR_INTERP_HOLE:
        one(n->u.hole.value, fn, ctx);
        one(n->u.hole.alignment, fn, ctx);
        break;
    case EXPR_NAME:
    case EXPR_MEMBER:
    case EXPR_TYPE_NAME:
        one(n->u.name.target, fn, ctx);
        all(n->u.name.type_args, fn, ctx);
        break;
    case EXPR_INVOKE:
    case EXPR_INDEX:
        one(n->u.call.target, fn, ctx);
        all(n->u.call.args, fn, ctx);
        break;
    case EXPR_ARG:
    case EXPR_INIT_MEMBER:
    case EXPR_DECLARATOR:
        one(n->u.arg.value, fn, ctx);
        break;
    case EXPR_UNARY:
    case EXPR_THROW:
    case EXPR_TYPE_NULLABLE:
    case EXPR_STMT_EXPR:
    case EXPR_STMT_RETURN:
    case EXPR_STMT_THROW:
    case EXPR_CASE_LABEL:
    case EXPR_STMT_CHECKED:
        one(n->u.unary.operand, fn, ctx);
        break;
    case EXPR_BINARY:
    case EXPR_ASSIGN:
        one(n->u.binary.left, fn, ctx);
        one(n->u.binary.right, fn, ctx);
        break;
    case EXPR_CONDITIONAL:
    case EXPR_STMT_IF:
        one(n->u.cond.cond, fn, ctx);
        one(n->u.cond.then, fn, ctx);
        one(n->u.cond.otherwise, fn, ctx);
        break;
    case EXPR_CAST:
    case EXPR_DECLARATION:
    case EXPR_PARAM:
    case EXPR_TYPEOF:
    case EXPR_DEFAULT:
        one(n->u.typed.type, fn, ctx);
        one(n->u.typed.operand, fn, ctx);
        break;
    case EXPR_AS:
    case EXPR_CHECKED:
        one(n->u.typed.operand, fn, ctx);
        one(n->u.typed.type, fn, ctx);
        break;
    case EXPR_IS:
        one(n->u.is.operand, fn, ctx);
        one(n->u.is.type, fn, ctx);
        one(n->u.is.constant, fn, ctx);
        break;
    case EXPR_LAMBDA:
        all(n->u.lambda.params, fn, ctx);
        one(n->u.lambda.body, fn, ctx);
        break;
    case EXPR_NEW_OBJECT:
    case EXPR_NEW_ARRAY:
    case EXPR_NEW_ANONYMOUS:
        one(n->u.create.type, fn, ctx);
        all(n->u.create.args, fn, ctx);
        one(n->u.create.init, fn, ctx);
        break;
    case EXPR_INIT_INDEX:
        all(n->u.init_index.args, fn, ctx);
        one(n->u.init_index.value, fn, ctx);
        break;
    case EXPR_TYPE_ARRAY:
        one(n->u.array.element, fn, ctx);
        break;
    case EXPR_STMT_LOCAL:
        one(n->u.local.type, fn, ctx);
        all(n->u.local.declarators, fn, ctx);
        break;
    case EXPR_STMT_FOREACH:
        one(n->u.foreach.type, fn, ctx);
        one(n->u.foreach.collection, fn, ctx);
        one(n->u.foreach.body, fn, ctx);
        break;
    case EXPR_STMT_FOR:
        all(n->u.for_.init, fn, ctx);
        one(n->u.for_.cond, fn, ctx);
        all(n->u.for_.iterators, fn, ctx);
        one(n->u.for_.body, fn, ctx);
        break;
    case EXPR_STMT_WHILE:
    case EXPR_STMT_USING:
        one(n->u.loop.cond, fn, ctx);
        one(n->u.loop.body, fn, ctx);
        break;
    case EXPR_STMT_DO:
        one(n->u.loop.body, fn, ctx);
        one(n->u.loop.cond, fn, ctx);
        break;
    case EXPR_STMT_SWITCH:
        one(n->u.switch_.value, fn, ctx);
        all(n->u.switch_.sections, fn, ctx);
        break;
    case EXPR_SWITCH_SECTION:
        all(n->u.section.labels, fn, ctx);
        all(n->u.section.body, fn, ctx);
        break;
    case EXPR_STMT_TRY:
        one(n->u.try_.body, fn, ctx);
        all(n->u.try_.catches, fn, ctx);
        one(n->u.try_.finally_, fn, ctx);
        break;
    case EXPR_STMT_FUNCTION:
        one(n->u.function.type, fn, ctx);
        all(n->u.function.params, fn, ctx);
        one(n->u.function.body, fn, ctx);
        break;
    case EXPR_CATCH:
        one(n->u.catch_.type, fn, ctx);
        one(n->u.catch_.filter, fn, ctx);
        one(n->u.catch_.body, fn, ctx);
        break;
    case EXPR_NULL:
    case EXPR_BOOL:
    case EXPR_INT:
    case EXPR_REAL:
    case EXPR_CHAR:
    case EXPR_STRING:
    case EXPR_TYPE_PREDEFINED:
    case EXPR_TYPE_VAR:
    case EXPR_STMT_EMPTY:
    case EXPR_STMT_BREAK:
    case EXPR_STMT_CONTINUE:
    case EXPR_KIND_COUNT:
        break;
    }
}
