/* expr_lex: the tokenizer of policy expressions — the C# 7 subset that Azure API Management
 * policies are written in (spec/apim-gateway.md §3.1). The parser (parser.h) is its only
 * production client; tests and the fuzz driver call it directly.
 *
 * Contract
 * - expr_lex_next() hands out one token per call, EXPR_TOK_EOF at the end (and again on
 *   every later call). It returns 0, or a negative EXPR_ERR_* with `err` filled; after an
 *   error the lexer must not be called again.
 * - Whitespace and comments (// to the end of the line, block comments) are skipped.
 *   Preprocessor directives (#if...) are refused.
 * - Literals come out decoded: integers as a uint64 plus the C# type the value and suffix
 *   give it (C# spec §2.4.4.2), reals as a double (and their digits for decimal),
 *   chars as a UTF-16 code unit, strings as UTF-8 bytes. Escapes are decoded (\' \" \\ \0
 *   \a \b \f \n \r \t \v \xH..HHHH \uHHHH \UHHHHHHHH); a surrogate pair written as two \u
 *   escapes becomes one code point, a lone surrogate is kept as its 3-byte (WTF-8) form.
 *   Decoded text lives in the arena, NUL-terminated (it may also contain NUL bytes: use
 *   the length).
 * - Interpolated strings $"..." and $@"..." (also @$"...") come out in parts, so that the
 *   parser parses each hole as an expression:
 *       INTERP_START  (INTERP_TEXT | INTERP_HOLE_START tokens... [INTERP_FORMAT] INTERP_HOLE_END)*
 *       INTERP_END
 *   INTERP_TEXT is decoded text ({{ and }} become { and }); inside a hole the ordinary
 *   tokens follow, a ',' at the hole's top level introduces the alignment, and a ':' at
 *   the top level starts the format specifier, which comes out as one INTERP_FORMAT token
 *   (decoded text after the ':'). That is why C# needs a conditional ?: inside a hole to
 *   be parenthesised.
 * - '>' is always a token of its own: the parser joins two adjacent '>' into a shift, so
 *   that Dictionary<string, List<int>> closes two type-argument lists. "?." and "?[" are
 *   single tokens ("?." only when no digit follows, so c ? .5 : 1 still lexes); in a type,
 *   the parser reads "?[" as nullable followed by an array rank.
 * - Positions: `offset` is the byte offset in the text plus origin.offset; `line` and
 *   `col` are 1-based, continue from origin.line/origin.col (the place of the text's first
 *   byte in its document), count a CR LF pair as one line break, and count code points
 *   (a tab is one column). Every token and error carries them.
 * - Input must be UTF-8; invalid UTF-8 is an error. Identifiers are ASCII letters, digits
 *   and '_', plus any non-ASCII code point that is not a Unicode space; \u escapes in
 *   identifiers are refused.
 */
#ifndef MERIDIAN_EXPR_LEXER_H
#define MERIDIAN_EXPR_LEXER_H

#include "base/arena.h"
#include "base/slice.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes (negative, libuv style). */
#define EXPR_ERR_SYNTAX (-EINVAL)       /* not valid C# */
#define EXPR_ERR_UNSUPPORTED (-ENOTSUP) /* valid C#, but a construct Meridian refuses */
#define EXPR_ERR_LIMIT (-E2BIG)         /* nesting deeper than the parser's depth limit */
#define EXPR_ERR_NOMEM (-ENOMEM)

/* A place in the text: byte offset and length, 1-based line and column (code points). */
typedef struct {
    uint32_t offset;
    uint32_t len;
    uint32_t line;
    uint32_t col;
} expr_pos_t;

/* Where the text handed to the lexer or parser starts in its document. Zero fields mean
 * offset 0, line 1, column 1. */
typedef struct {
    uint32_t offset;
    uint32_t line;
    uint32_t col;
} expr_origin_t;

typedef struct {
    int code;          /* EXPR_ERR_* */
    expr_pos_t pos;    /* where the offending token or construct starts */
    char message[200]; /* without the position, e.g. "'using' statement is not supported" */
} expr_error_t;

/* Fills `err` (when not NULL) and returns `code`. Shared by the lexer and the parser. */
int expr_error_set(expr_error_t *err, int code, expr_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Punctuators and operators: name, spelling. */
/* clang-format off */
#define EXPR_PUNCTUATORS(X)                                                                    \
    X(LBRACE, "{") X(RBRACE, "}") X(LPAREN, "(") X(RPAREN, ")") X(LBRACKET, "[")              \
    X(RBRACKET, "]") X(DOT, ".") X(COMMA, ",") X(COLON, ":") X(SEMICOLON, ";")                \
    X(COLON_COLON, "::") X(PLUS, "+") X(MINUS, "-") X(STAR, "*") X(SLASH, "/")               \
    X(PERCENT, "%") X(AMP, "&") X(PIPE, "|") X(CARET, "^") X(BANG, "!") X(TILDE, "~")         \
    X(ASSIGN, "=") X(LT, "<") X(GT, ">") X(QUESTION, "?") X(QUESTION_QUESTION, "??")          \
    X(QUESTION_DOT, "?.") X(QUESTION_BRACKET, "?[") X(PLUS_PLUS, "++") X(MINUS_MINUS, "--")   \
    X(AMP_AMP, "&&") X(PIPE_PIPE, "||") X(EQ, "==") X(NE, "!=") X(LE, "<=") X(GE, ">=")       \
    X(SHL, "<<") X(ARROW, "=>") X(PTR_ARROW, "->") X(PLUS_ASSIGN, "+=")                        \
    X(MINUS_ASSIGN, "-=") X(STAR_ASSIGN, "*=") X(SLASH_ASSIGN, "/=") X(PERCENT_ASSIGN, "%=")  \
    X(AMP_ASSIGN, "&=") X(PIPE_ASSIGN, "|=") X(CARET_ASSIGN, "^=") X(SHL_ASSIGN, "<<=")        \
    X(QUESTION_QUESTION_ASSIGN, "?\?=")

/* C# reserved keywords (C# spec §2.4.3), in byte order: the lexer binary-searches them.
 * Their tokens are EXPR_TOK_KW_<NAME> (EXPR_TOK_KW_IF...).
 * Contextual keywords (var, nameof, when, yield, await...) are identifiers. */
#define EXPR_KEYWORDS(X)                                                                       \
    X(ABSTRACT, "abstract") X(AS, "as") X(BASE, "base") X(BOOL, "bool") X(BREAK, "break")     \
    X(BYTE, "byte") X(CASE, "case") X(CATCH, "catch") X(CHAR, "char") X(CHECKED, "checked")   \
    X(CLASS, "class") X(CONST, "const") X(CONTINUE, "continue") X(DECIMAL, "decimal")         \
    X(DEFAULT, "default") X(DELEGATE, "delegate") X(DO, "do") X(DOUBLE, "double")             \
    X(ELSE, "else") X(ENUM, "enum") X(EVENT, "event") X(EXPLICIT, "explicit")                 \
    X(EXTERN, "extern") X(FALSE, "false") X(FINALLY, "finally") X(FIXED, "fixed")             \
    X(FLOAT, "float") X(FOR, "for") X(FOREACH, "foreach") X(GOTO, "goto") X(IF, "if")         \
    X(IMPLICIT, "implicit") X(IN, "in") X(INT, "int") X(INTERFACE, "interface")               \
    X(INTERNAL, "internal") X(IS, "is") X(LOCK, "lock") X(LONG, "long")                       \
    X(NAMESPACE, "namespace") X(NEW, "new") X(NULL, "null") X(OBJECT, "object")               \
    X(OPERATOR, "operator") X(OUT, "out") X(OVERRIDE, "override") X(PARAMS, "params")         \
    X(PRIVATE, "private") X(PROTECTED, "protected") X(PUBLIC, "public")                       \
    X(READONLY, "readonly") X(REF, "ref") X(RETURN, "return") X(SBYTE, "sbyte")               \
    X(SEALED, "sealed") X(SHORT, "short") X(SIZEOF, "sizeof") X(STACKALLOC, "stackalloc")     \
    X(STATIC, "static") X(STRING, "string") X(STRUCT, "struct") X(SWITCH, "switch")           \
    X(THIS, "this") X(THROW, "throw") X(TRUE, "true") X(TRY, "try") X(TYPEOF, "typeof")       \
    X(UINT, "uint") X(ULONG, "ulong") X(UNCHECKED, "unchecked") X(UNSAFE, "unsafe")           \
    X(USHORT, "ushort") X(USING, "using") X(VIRTUAL, "virtual") X(VOID, "void")               \
    X(VOLATILE, "volatile") X(WHILE, "while")
/* clang-format on */

typedef enum {
    EXPR_TOK_EOF = 0,
    EXPR_TOK_IDENT,             /* text: the name, without a verbatim '@' */
    EXPR_TOK_INT,               /* integer, num_type */
    EXPR_TOK_REAL,              /* real, num_type */
    EXPR_TOK_CHAR,              /* ch */
    EXPR_TOK_STRING,            /* text (decoded); EXPR_TOKF_VERBATIM for @"..." */
    EXPR_TOK_INTERP_START,      /* $" or $@"; EXPR_TOKF_VERBATIM for the verbatim forms */
    EXPR_TOK_INTERP_TEXT,       /* text (decoded) */
    EXPR_TOK_INTERP_HOLE_START, /* the '{' opening a hole */
    EXPR_TOK_INTERP_FORMAT,     /* text: the format specifier, without its ':' */
    EXPR_TOK_INTERP_HOLE_END,   /* the '}' closing a hole */
    EXPR_TOK_INTERP_END,        /* the closing '"' */
#define EXPR_X_TOK(name, spelling) EXPR_TOK_##name,
#define EXPR_X_KW(name, spelling) EXPR_TOK_KW_##name,
    EXPR_PUNCTUATORS(EXPR_X_TOK) EXPR_KEYWORDS(EXPR_X_KW)
#undef EXPR_X_TOK
#undef EXPR_X_KW
        EXPR_TOK_COUNT
} expr_tok_t;

#define EXPR_TOK_FIRST_KEYWORD EXPR_TOK_KW_ABSTRACT

/* The C# type of a numeric literal (from its value and suffix). */
typedef enum {
    EXPR_NUM_INT = 0, /* int: no suffix and the value fits */
    EXPR_NUM_UINT,    /* uint */
    EXPR_NUM_LONG,    /* long */
    EXPR_NUM_ULONG,   /* ulong */
    EXPR_NUM_DOUBLE,  /* double: no suffix, d or D */
    EXPR_NUM_FLOAT,   /* float: f or F */
    EXPR_NUM_DECIMAL, /* decimal: m or M */
} expr_num_type_t;

#define EXPR_TOKF_VERBATIM 0x1 /* @identifier, @"...", $@"..." */
#define EXPR_TOKF_SUFFIX_U 0x2 /* INT: written with u/U */
#define EXPR_TOKF_SUFFIX_L 0x4 /* INT: written with l/L */
#define EXPR_TOKF_RADIX 0x8    /* INT: written in hexadecimal (0x) or binary (0b) */

typedef struct {
    uint16_t kind;    /* expr_tok_t */
    uint8_t num_type; /* expr_num_type_t, for INT and REAL */
    uint8_t flags;    /* EXPR_TOKF_* */
    expr_pos_t pos;   /* the token's whole spelling */
    union {
        slice_t text;     /* IDENT, STRING, INTERP_TEXT, INTERP_FORMAT (arena, NUL-terminated) */
        uint64_t integer; /* INT */
        uint32_t ch;      /* CHAR: one UTF-16 code unit */
        struct {
            double value;   /* REAL; for float, the float's value */
            slice_t digits; /* REAL: the literal without '_' and suffix (decimal keeps it) */
        } real;
    } v;
} expr_token_t;

/* Interpolated strings nest (a hole may hold another interpolated string); deeper than
 * this is refused with EXPR_ERR_LIMIT. */
#define EXPR_LEX_MAX_NESTING 64

typedef struct {
    const char *src;
    size_t len;
    size_t pos;         /* next byte to read */
    uint32_t line, col; /* of src[pos] */
    uint32_t base_offset;
    arena_t *arena;
    bool at_eof;
    unsigned mode_count; /* interpolation stack: 0 = plain code */
    struct {
        uint8_t in_hole; /* 0: inside the string's text, 1: inside a hole */
        uint8_t verbatim;
        uint32_t depth;   /* open ( [ { inside the hole */
        expr_pos_t start; /* of the $" token, for "unterminated" errors */
    } modes[EXPR_LEX_MAX_NESTING];
} expr_lexer_t;

/* Lexes text[0, len); decoded literals are allocated from `arena`. origin may be NULL. */
void expr_lex_init(expr_lexer_t *lx, arena_t *arena, const char *text, size_t len,
                   const expr_origin_t *origin);
int expr_lex_next(expr_lexer_t *lx, expr_token_t *tok, expr_error_t *err);

/* For messages: "'=='", "'if'", "identifier", "end of input"... */
const char *expr_tok_describe(expr_tok_t kind);
/* The spelling of a punctuator or keyword ("==", "if"), NULL for the other kinds. */
const char *expr_tok_spelling(expr_tok_t kind);
/* The keyword token spelled `name` (exactly, case-sensitive), or EXPR_TOK_IDENT. */
expr_tok_t expr_tok_keyword(const char *name, size_t len);

#endif
