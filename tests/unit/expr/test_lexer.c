#include "expr/lexer.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_TOKENS 256

static arena_t arena;
static expr_token_t toks[MAX_TOKENS];
static size_t ntoks;
static expr_error_t err;

static void setup(void)
{
    arena_init(&arena, 1024);
}

static void teardown(void)
{
    arena_free(&arena);
}

TestSuite(lexer, .init = setup, .fini = teardown);

/* Lexes `text` (length given, for NUL tests) up to EOF; returns 0 or the error code. */
static int lex_n(const char *text, size_t len)
{
    expr_lexer_t lx;
    expr_lex_init(&lx, &arena, text, len, NULL);
    ntoks = 0;
    memset(&err, 0, sizeof err);
    for (;;) {
        cr_assert_lt(ntoks, MAX_TOKENS);
        int rc = expr_lex_next(&lx, &toks[ntoks], &err);
        if (rc) return rc;
        if (toks[ntoks++].kind == EXPR_TOK_EOF) return 0;
    }
}

static int lex(const char *text)
{
    return lex_n(text, strlen(text));
}

static void lex_ok(const char *text)
{
    int rc = lex(text);
    cr_assert_eq(rc, 0, "lexing %s failed: %u:%u: %s", text, err.pos.line, err.pos.col,
                 err.message);
}

/* Asserts the kinds of all tokens (EOF excluded). */
static void assert_kinds(const char *text, const expr_tok_t *kinds, size_t n)
{
    lex_ok(text);
    cr_assert_eq(ntoks - 1, n, "%s: %zu tokens, expected %zu", text, ntoks - 1, n);
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(toks[k].kind, kinds[k], "%s: token %zu is %s, expected %s", text, k,
                     expr_tok_describe(toks[k].kind), expr_tok_describe(kinds[k]));
}

#define KINDS(text, ...)                                                                           \
    do {                                                                                           \
        const expr_tok_t k_[] = {__VA_ARGS__};                                                     \
        assert_kinds(text, k_, sizeof k_ / sizeof k_[0]);                                          \
    } while (0)

static void assert_error(const char *text, int code, unsigned line, unsigned col,
                         const char *fragment)
{
    int rc = lex(text);
    cr_assert_eq(rc, code, "%s: rc %d, expected %d (%s)", text, rc, code, err.message);
    cr_assert_eq(err.code, code);
    cr_assert_eq(err.pos.line, line, "%s: error line %u, expected %u (%s)", text, err.pos.line,
                 line, err.message);
    cr_assert_eq(err.pos.col, col, "%s: error col %u, expected %u (%s)", text, err.pos.col, col,
                 err.message);
    cr_assert(strstr(err.message, fragment), "%s: message '%s' lacks '%s'", text, err.message,
              fragment);
}

static void assert_text(size_t k, const char *expected, size_t len)
{
    cr_assert_eq(toks[k].v.text.len, len, "text length %zu, expected %zu", toks[k].v.text.len, len);
    cr_assert(memcmp(toks[k].v.text.ptr, expected, len) == 0, "text '%.*s'",
              (int)toks[k].v.text.len, toks[k].v.text.ptr);
    cr_assert_eq(toks[k].v.text.ptr[len], '\0', "decoded text is NUL-terminated");
}

/* ---- keywords and punctuators ---- */

Test(lexer, keyword_table_is_sorted_and_complete)
{
    for (int k = EXPR_TOK_FIRST_KEYWORD + 1; k < EXPR_TOK_COUNT; k++)
        cr_assert_lt(strcmp(expr_tok_spelling(k - 1), expr_tok_spelling(k)), 0, "'%s' before '%s'",
                     expr_tok_spelling(k - 1), expr_tok_spelling(k));
    for (int k = EXPR_TOK_FIRST_KEYWORD; k < EXPR_TOK_COUNT; k++) {
        const char *s = expr_tok_spelling(k);
        cr_assert_eq(expr_tok_keyword(s, strlen(s)), k, "%s", s);
        lex_ok(s);
        cr_assert_eq(toks[0].kind, k, "%s lexes as %s", s, expr_tok_describe(toks[0].kind));
    }
    cr_assert_eq(expr_tok_keyword("var", 3), EXPR_TOK_IDENT, "contextual keywords are names");
    cr_assert_eq(expr_tok_keyword("If", 2), EXPR_TOK_IDENT, "keywords are case-sensitive");
    cr_assert_eq(expr_tok_keyword("i", 1), EXPR_TOK_IDENT);
    cr_assert_eq(expr_tok_keyword("whiles", 6), EXPR_TOK_IDENT);
}

Test(lexer, every_punctuator_lexes_alone)
{
    for (int k = EXPR_TOK_LBRACE; k < EXPR_TOK_FIRST_KEYWORD; k++) {
        const char *s = expr_tok_spelling(k);
        cr_assert_not_null(s);
        lex_ok(s);
        cr_assert_eq(ntoks, 2, "%s: %zu tokens", s, ntoks);
        cr_assert_eq(toks[0].kind, k, "%s lexes as %s", s, expr_tok_describe(toks[0].kind));
        cr_assert_eq(toks[0].pos.len, strlen(s));
    }
}

Test(lexer, operators_take_the_longest_match_except_greater_than)
{
    KINDS("a?.b?[0]??c", EXPR_TOK_IDENT, EXPR_TOK_QUESTION_DOT, EXPR_TOK_IDENT,
          EXPR_TOK_QUESTION_BRACKET, EXPR_TOK_INT, EXPR_TOK_RBRACKET, EXPR_TOK_QUESTION_QUESTION,
          EXPR_TOK_IDENT);
    /* '>' never joins: the parser makes >> and >>= from touching tokens. */
    KINDS("a>>b>>=c>=d", EXPR_TOK_IDENT, EXPR_TOK_GT, EXPR_TOK_GT, EXPR_TOK_IDENT, EXPR_TOK_GT,
          EXPR_TOK_GE, EXPR_TOK_IDENT, EXPR_TOK_GE, EXPR_TOK_IDENT);
    KINDS("x=>x<<=1<<2", EXPR_TOK_IDENT, EXPR_TOK_ARROW, EXPR_TOK_IDENT, EXPR_TOK_SHL_ASSIGN,
          EXPR_TOK_INT, EXPR_TOK_SHL, EXPR_TOK_INT);
    KINDS("a?\?=b::c->d++--", EXPR_TOK_IDENT, EXPR_TOK_QUESTION_QUESTION_ASSIGN, EXPR_TOK_IDENT,
          EXPR_TOK_COLON_COLON, EXPR_TOK_IDENT, EXPR_TOK_PTR_ARROW, EXPR_TOK_IDENT,
          EXPR_TOK_PLUS_PLUS, EXPR_TOK_MINUS_MINUS);
    /* ?. followed by a digit is a conditional with a real literal: c ? .5 : 1 */
    KINDS("c?.5:1", EXPR_TOK_IDENT, EXPR_TOK_QUESTION, EXPR_TOK_REAL, EXPR_TOK_COLON, EXPR_TOK_INT);
    KINDS("a&&b||!c&d|e^~f", EXPR_TOK_IDENT, EXPR_TOK_AMP_AMP, EXPR_TOK_IDENT, EXPR_TOK_PIPE_PIPE,
          EXPR_TOK_BANG, EXPR_TOK_IDENT, EXPR_TOK_AMP, EXPR_TOK_IDENT, EXPR_TOK_PIPE,
          EXPR_TOK_IDENT, EXPR_TOK_CARET, EXPR_TOK_TILDE, EXPR_TOK_IDENT);
}

Test(lexer, token_names_for_messages)
{
    cr_assert_str_eq(expr_tok_describe(EXPR_TOK_EQ), "'=='");
    cr_assert_str_eq(expr_tok_describe(EXPR_TOK_KW_IF), "'if'");
    cr_assert_str_eq(expr_tok_describe(EXPR_TOK_IDENT), "identifier");
    cr_assert_str_eq(expr_tok_describe(EXPR_TOK_EOF), "end of input");
    cr_assert_null(expr_tok_spelling(EXPR_TOK_STRING));
}

/* ---- identifiers ---- */

Test(lexer, identifiers_and_verbatim_identifiers)
{
    KINDS("context _x x1 @if @var caf\xc3\xa9 \xce\xbb", EXPR_TOK_IDENT, EXPR_TOK_IDENT,
          EXPR_TOK_IDENT, EXPR_TOK_IDENT, EXPR_TOK_IDENT, EXPR_TOK_IDENT, EXPR_TOK_IDENT);
    assert_text(0, "context", 7);
    assert_text(3, "if", 2);
    cr_assert(toks[3].flags & EXPR_TOKF_VERBATIM);
    cr_assert_eq(toks[3].pos.len, 3, "the '@' belongs to the token");
    assert_text(4, "var", 3);
    cr_assert(!(toks[0].flags & EXPR_TOKF_VERBATIM));
    assert_text(5, "caf\xc3\xa9", 5);
    cr_assert_eq(toks[6].pos.col, 29, "columns count code points");
    assert_error("@ x", EXPR_ERR_SYNTAX, 1, 1, "verbatim");
    assert_error("a\\u0041", EXPR_ERR_UNSUPPORTED, 1, 2, "unicode escapes");
}

/* ---- numbers ---- */

static void assert_int(const char *text, uint64_t value, expr_num_type_t type)
{
    lex_ok(text);
    cr_assert_eq(toks[0].kind, EXPR_TOK_INT, "%s is %s", text, expr_tok_describe(toks[0].kind));
    cr_assert_eq(toks[0].v.integer, value, "%s = %llu", text,
                 (unsigned long long)toks[0].v.integer);
    cr_assert_eq(toks[0].num_type, type, "%s has type %d, expected %d", text, toks[0].num_type,
                 type);
    cr_assert_eq(ntoks, 2, "%s is one token", text);
}

Test(lexer, integer_literals_and_their_types)
{
    assert_int("0", 0, EXPR_NUM_INT);
    assert_int("2147483647", 2147483647, EXPR_NUM_INT);
    assert_int("2147483648", 2147483648u, EXPR_NUM_UINT);
    assert_int("4294967295", 4294967295u, EXPR_NUM_UINT);
    assert_int("4294967296", 4294967296ull, EXPR_NUM_LONG);
    assert_int("9223372036854775807", 9223372036854775807ull, EXPR_NUM_LONG);
    assert_int("9223372036854775808", 9223372036854775808ull, EXPR_NUM_ULONG);
    assert_int("18446744073709551615", UINT64_MAX, EXPR_NUM_ULONG);
    assert_int("1u", 1, EXPR_NUM_UINT);
    assert_int("5000000000U", 5000000000ull, EXPR_NUM_ULONG);
    assert_int("1L", 1, EXPR_NUM_LONG);
    assert_int("1l", 1, EXPR_NUM_LONG);
    assert_int("9223372036854775808L", 9223372036854775808ull, EXPR_NUM_ULONG);
    assert_int("1UL", 1, EXPR_NUM_ULONG);
    assert_int("1lu", 1, EXPR_NUM_ULONG);
    assert_int("1Lu", 1, EXPR_NUM_ULONG);
    assert_int("0x1F", 31, EXPR_NUM_INT);
    assert_int("0XffFFffFF", 0xFFFFFFFFu, EXPR_NUM_UINT);
    assert_int("0x7FFF_FFFF", 0x7FFFFFFF, EXPR_NUM_INT);
    assert_int("0b1010", 10, EXPR_NUM_INT);
    assert_int("0B1111_0000", 0xF0, EXPR_NUM_INT);
    assert_int("1_000_000", 1000000, EXPR_NUM_INT);
    assert_int("1__0", 10, EXPR_NUM_INT);
    lex_ok("0x10L");
    cr_assert(toks[0].flags & EXPR_TOKF_RADIX);
    cr_assert(toks[0].flags & EXPR_TOKF_SUFFIX_L);
    lex_ok("10u");
    cr_assert_eq(toks[0].flags, EXPR_TOKF_SUFFIX_U);
}

Test(lexer, integer_literal_errors)
{
    assert_error("18446744073709551616", EXPR_ERR_SYNTAX, 1, 1, "too large");
    assert_error("x + 0x1_0000_0000_0000_0000", EXPR_ERR_SYNTAX, 1, 5, "too large");
    assert_error("1_", EXPR_ERR_SYNTAX, 1, 1, "'_'");
    assert_error("0x", EXPR_ERR_SYNTAX, 1, 1, "hexadecimal literal without digits");
    assert_error("0b", EXPR_ERR_SYNTAX, 1, 1, "binary");
    assert_error("0b102", EXPR_ERR_SYNTAX, 1, 1, "invalid numeric literal '0b102'");
    assert_error("123abc", EXPR_ERR_SYNTAX, 1, 1, "invalid numeric literal '123a'");
    assert_error("1uu", EXPR_ERR_SYNTAX, 1, 1, "invalid numeric literal");
    assert_error("1.5L", EXPR_ERR_SYNTAX, 1, 1, "integer suffix on a real");
    assert_error("1e", EXPR_ERR_SYNTAX, 1, 1, "exponent without digits");
    assert_error("1e+", EXPR_ERR_SYNTAX, 1, 1, "exponent");
}

static void assert_real(const char *text, double value, expr_num_type_t type, const char *digits)
{
    lex_ok(text);
    cr_assert_eq(toks[0].kind, EXPR_TOK_REAL, "%s is %s", text, expr_tok_describe(toks[0].kind));
    cr_assert_eq(toks[0].v.real.value, value, "%s = %.17g", text, toks[0].v.real.value);
    cr_assert_eq(toks[0].num_type, type, "%s type %d", text, toks[0].num_type);
    cr_assert_str_eq(toks[0].v.real.digits.ptr, digits);
    cr_assert_eq(ntoks, 2, "%s is one token", text);
}

Test(lexer, real_literals)
{
    assert_real("1.5", 1.5, EXPR_NUM_DOUBLE, "1.5");
    assert_real(".5", 0.5, EXPR_NUM_DOUBLE, ".5");
    assert_real("1e3", 1000, EXPR_NUM_DOUBLE, "1e3");
    assert_real("1.5E-3", 1.5e-3, EXPR_NUM_DOUBLE, "1.5E-3");
    assert_real("2e+2", 200, EXPR_NUM_DOUBLE, "2e+2");
    assert_real("1d", 1, EXPR_NUM_DOUBLE, "1");
    assert_real("1.25D", 1.25, EXPR_NUM_DOUBLE, "1.25");
    assert_real("0.1f", (double)0.1f, EXPR_NUM_FLOAT, "0.1");
    assert_real("3F", 3, EXPR_NUM_FLOAT, "3");
    assert_real("1_000.000_1m", 1000.0001, EXPR_NUM_DECIMAL, "1000.0001");
    assert_real("79228162514264337593543950334M", 79228162514264337593543950334.0, EXPR_NUM_DECIMAL,
                "79228162514264337593543950334");
    assert_real("1e-400", 0, EXPR_NUM_DOUBLE, "1e-400");
    /* 1.ToString(): a '.' not followed by a digit ends the integer. */
    KINDS("1.ToString()", EXPR_TOK_INT, EXPR_TOK_DOT, EXPR_TOK_IDENT, EXPR_TOK_LPAREN,
          EXPR_TOK_RPAREN);
    KINDS("1.5.ToString", EXPR_TOK_REAL, EXPR_TOK_DOT, EXPR_TOK_IDENT);
    KINDS("1e3.x", EXPR_TOK_REAL, EXPR_TOK_DOT, EXPR_TOK_IDENT);
}

Test(lexer, real_literal_errors)
{
    assert_error("1e999", EXPR_ERR_SYNTAX, 1, 1, "outside the range of 'double'");
    assert_error("1e39f", EXPR_ERR_SYNTAX, 1, 1, "outside the range of 'float'");
    assert_error("1e29m", EXPR_ERR_SYNTAX, 1, 1, "outside the range of 'decimal'");
    assert_error("1.5_", EXPR_ERR_SYNTAX, 1, 1, "'_'");
    assert_error("1e_5", EXPR_ERR_SYNTAX, 1, 1, "exponent without digits");
    /* 1._5 is a member access, as in C# */
    KINDS("1._5", EXPR_TOK_INT, EXPR_TOK_DOT, EXPR_TOK_IDENT);
}

/* ---- chars and strings ---- */

static void assert_char(const char *text, uint32_t ch)
{
    lex_ok(text);
    cr_assert_eq(toks[0].kind, EXPR_TOK_CHAR, "%s", text);
    cr_assert_eq(toks[0].v.ch, ch, "%s = U+%04X", text, toks[0].v.ch);
    cr_assert_eq(ntoks, 2);
}

Test(lexer, char_literals)
{
    assert_char("'a'", 'a');
    assert_char("'\\''", '\'');
    assert_char("'\"'", '"');
    assert_char("'\\\"'", '"');
    assert_char("'\\\\'", '\\');
    assert_char("'\\0'", 0);
    assert_char("'\\a'", 7);
    assert_char("'\\b'", 8);
    assert_char("'\\f'", 12);
    assert_char("'\\n'", 10);
    assert_char("'\\r'", 13);
    assert_char("'\\t'", 9);
    assert_char("'\\v'", 11);
    assert_char("'\\u0041'", 'A');
    assert_char("'\\x41'", 'A');
    assert_char("'\\x0041'", 'A');
    assert_char("'\\x7'", 7);
    assert_char("'\\U00000041'", 'A');
    assert_char("'\\uD800'", 0xD800);
    assert_char("'\xc3\xa9'", 0xE9);
    assert_char("'\xe2\x82\xac'", 0x20AC);
    assert_char("';'", ';');
}

Test(lexer, char_literal_errors)
{
    assert_error("''", EXPR_ERR_SYNTAX, 1, 1, "empty character literal");
    assert_error("x 'ab'", EXPR_ERR_SYNTAX, 1, 3, "too many characters");
    assert_error("'a", EXPR_ERR_SYNTAX, 1, 1, "unterminated character literal");
    assert_error("'\n'", EXPR_ERR_SYNTAX, 1, 1, "unterminated character literal");
    assert_error("'\xf0\x9f\x98\x80'", EXPR_ERR_SYNTAX, 1, 1, "UTF-16 code unit");
    assert_error("'\\q'", EXPR_ERR_SYNTAX, 1, 2, "unrecognized escape sequence '\\q'");
    assert_error("'\\u12'", EXPR_ERR_SYNTAX, 1, 2, "4 hexadecimal digits");
    assert_error("'\\x'", EXPR_ERR_SYNTAX, 1, 2, "1 hexadecimal digits");
    assert_error("'\\U00010000'", EXPR_ERR_SYNTAX, 1, 2, "out of range for a char");
}

Test(lexer, regular_strings_decode_escapes)
{
    lex_ok("\"a\\tb\\\"c\\\\d\\0e\"");
    cr_assert_eq(toks[0].kind, EXPR_TOK_STRING);
    assert_text(0, "a\tb\"c\\d\0e", 9);
    lex_ok("\"\\u00e9\\x41\\U0001F600\"");
    assert_text(0,
                "\xc3\xa9"
                "A"
                "\xf0\x9f\x98\x80",
                7);
    lex_ok("\"\\uD83D\\uDE00|\\uD83D\\xDE00\"");
    assert_text(0, "\xf0\x9f\x98\x80|\xf0\x9f\x98\x80", 9);
    /* a lone surrogate keeps its 3-byte form */
    lex_ok("\"\\uD800x\"");
    assert_text(0, "\xed\xa0\x80x", 4);
    lex_ok("\"\\uD800\\u0041\"");
    assert_text(0,
                "\xed\xa0\x80"
                "A",
                4);
    lex_ok("\"caf\xc3\xa9 \"");
    assert_text(0, "caf\xc3\xa9 ", 6);
    lex_ok("\"\"");
    assert_text(0, "", 0);
    cr_assert(!(toks[0].flags & EXPR_TOKF_VERBATIM));
}

Test(lexer, verbatim_strings)
{
    lex_ok("@\"C:\\path\"\"x\"\"\nnext\"");
    cr_assert_eq(toks[0].kind, EXPR_TOK_STRING);
    cr_assert(toks[0].flags & EXPR_TOKF_VERBATIM);
    assert_text(0, "C:\\path\"x\"\nnext", 15);
    lex_ok("@\"max-age=(?<maxAge>\\d+)\"");
    assert_text(0, "max-age=(?<maxAge>\\d+)", 22);
    lex_ok("@\"\"");
    assert_text(0, "", 0);
}

Test(lexer, string_errors)
{
    assert_error("\"abc", EXPR_ERR_SYNTAX, 1, 1, "unterminated string literal");
    assert_error("x = \"ab\ncd\"", EXPR_ERR_SYNTAX, 1, 5, "newline in string literal");
    assert_error("\"a\\qb\"", EXPR_ERR_SYNTAX, 1, 3, "unrecognized escape sequence '\\q'");
    assert_error("\"\\U00110000\"", EXPR_ERR_SYNTAX, 1, 2, "out of range");
    assert_error("@\"abc", EXPR_ERR_SYNTAX, 1, 1, "unterminated string literal");
    assert_error("\"\xff\"", EXPR_ERR_SYNTAX, 1, 2, "invalid UTF-8");
    assert_error("\"\xed\xa0\x80\"", EXPR_ERR_SYNTAX, 1, 2, "invalid UTF-8");
    assert_error("\"\xc0\xaf\"", EXPR_ERR_SYNTAX, 1, 2, "invalid UTF-8");
}

/* ---- interpolated strings ---- */

Test(lexer, interpolated_string_parts)
{
    KINDS("$\"a{b,5:N2}c{{d}}\"", EXPR_TOK_INTERP_START, EXPR_TOK_INTERP_TEXT,
          EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_IDENT, EXPR_TOK_COMMA, EXPR_TOK_INT,
          EXPR_TOK_INTERP_FORMAT, EXPR_TOK_INTERP_HOLE_END, EXPR_TOK_INTERP_TEXT,
          EXPR_TOK_INTERP_END);
    assert_text(1, "a", 1);
    assert_text(6, "N2", 2);
    assert_text(8, "c{d}", 4);
    cr_assert_eq(toks[0].pos.len, 2);
    cr_assert_eq(toks[6].pos.len, 3, "the format token spans ':N2'");
    cr_assert_eq(toks[9].pos.offset, 17);
}

Test(lexer, interpolation_holes_nest)
{
    /* A ':' or '}' inside brackets, strings or chars does not end the hole. */
    KINDS("$\"{f(a ? b : c)}{d[\"}:\"]}{':'}\"", EXPR_TOK_INTERP_START, EXPR_TOK_INTERP_HOLE_START,
          EXPR_TOK_IDENT, EXPR_TOK_LPAREN, EXPR_TOK_IDENT, EXPR_TOK_QUESTION, EXPR_TOK_IDENT,
          EXPR_TOK_COLON, EXPR_TOK_IDENT, EXPR_TOK_RPAREN, EXPR_TOK_INTERP_HOLE_END,
          EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_IDENT, EXPR_TOK_LBRACKET, EXPR_TOK_STRING,
          EXPR_TOK_RBRACKET, EXPR_TOK_INTERP_HOLE_END, EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_CHAR,
          EXPR_TOK_INTERP_HOLE_END, EXPR_TOK_INTERP_END);
    /* an interpolated string inside a hole, and a lambda body's braces */
    KINDS("$\"<{$\"[{x}]\"}>{xs.Select(v => { return v; })}\"", EXPR_TOK_INTERP_START,
          EXPR_TOK_INTERP_TEXT, EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_INTERP_START,
          EXPR_TOK_INTERP_TEXT, EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_IDENT,
          EXPR_TOK_INTERP_HOLE_END, EXPR_TOK_INTERP_TEXT, EXPR_TOK_INTERP_END,
          EXPR_TOK_INTERP_HOLE_END, EXPR_TOK_INTERP_TEXT, EXPR_TOK_INTERP_HOLE_START,
          EXPR_TOK_IDENT, EXPR_TOK_DOT, EXPR_TOK_IDENT, EXPR_TOK_LPAREN, EXPR_TOK_IDENT,
          EXPR_TOK_ARROW, EXPR_TOK_LBRACE, EXPR_TOK_KW_RETURN, EXPR_TOK_IDENT, EXPR_TOK_SEMICOLON,
          EXPR_TOK_RBRACE, EXPR_TOK_RPAREN, EXPR_TOK_INTERP_HOLE_END, EXPR_TOK_INTERP_END);
    /* the conditional operator needs parentheses: its ':' starts the format */
    KINDS("$\"{a ? b : c}\"", EXPR_TOK_INTERP_START, EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_IDENT,
          EXPR_TOK_QUESTION, EXPR_TOK_IDENT, EXPR_TOK_INTERP_FORMAT, EXPR_TOK_INTERP_HOLE_END,
          EXPR_TOK_INTERP_END);
    assert_text(5, " c", 2);
}

Test(lexer, verbatim_interpolated_strings)
{
    KINDS("$@\"a\\{x}\"\"\n\"", EXPR_TOK_INTERP_START, EXPR_TOK_INTERP_TEXT,
          EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_IDENT, EXPR_TOK_INTERP_HOLE_END,
          EXPR_TOK_INTERP_TEXT, EXPR_TOK_INTERP_END);
    cr_assert(toks[0].flags & EXPR_TOKF_VERBATIM);
    assert_text(1, "a\\", 2);
    assert_text(5, "\"\n", 2);
    KINDS("@$\"{x:yyyy\\MM}\"", EXPR_TOK_INTERP_START, EXPR_TOK_INTERP_HOLE_START, EXPR_TOK_IDENT,
          EXPR_TOK_INTERP_FORMAT, EXPR_TOK_INTERP_HOLE_END, EXPR_TOK_INTERP_END);
    cr_assert(toks[0].flags & EXPR_TOKF_VERBATIM);
    assert_text(3, "yyyy\\MM", 7);
    /* in a regular string the format's escapes are decoded */
    lex_ok("$\"{x:a\\tb}\"");
    assert_text(3, "a\tb", 3);
}

Test(lexer, interpolated_string_errors)
{
    assert_error("$\"abc", EXPR_ERR_SYNTAX, 1, 1, "unterminated interpolated string");
    assert_error("x + $\"a{b", EXPR_ERR_SYNTAX, 1, 5, "unterminated interpolated string");
    assert_error("$\"a}b\"", EXPR_ERR_SYNTAX, 1, 4, "must be doubled");
    assert_error("$\"a\nb\"", EXPR_ERR_SYNTAX, 1, 1, "newline in interpolated string");
    assert_error("$\"{x:N2\"", EXPR_ERR_SYNTAX, 1, 5, "must end with '}'");
    assert_error("$\"{x:a{b}\"", EXPR_ERR_SYNTAX, 1, 5, "must end with '}'");
    assert_error("$\"\\q\"", EXPR_ERR_SYNTAX, 1, 3, "unrecognized escape");
    assert_error("$ \"x\"", EXPR_ERR_SYNTAX, 1, 1, "interpolated string");
}

Test(lexer, interpolation_nesting_is_limited)
{
    char text[EXPR_LEX_MAX_NESTING * 3 + 8];
    size_t n = 0;
    for (int k = 0; k <= EXPR_LEX_MAX_NESTING; k++) {
        memcpy(text + n, "$\"{", 3);
        n += 3;
    }
    int rc = lex_n(text, n);
    cr_assert_eq(rc, EXPR_ERR_LIMIT, "rc %d: %s", rc, err.message);
    cr_assert(strstr(err.message, "nested too deeply"));
}

/* ---- trivia, positions, stray characters ---- */

Test(lexer, comments_are_skipped)
{
    KINDS("a // comment \" { \n + /* block \n ' */ b", EXPR_TOK_IDENT, EXPR_TOK_PLUS,
          EXPR_TOK_IDENT);
    cr_assert_eq(toks[2].pos.line, 3);
    KINDS("a/**/b/*x*/", EXPR_TOK_IDENT, EXPR_TOK_IDENT);
    lex_ok("// only a comment");
    cr_assert_eq(ntoks, 1);
    cr_assert_eq(toks[0].kind, EXPR_TOK_EOF);
    assert_error("a /* open", EXPR_ERR_SYNTAX, 1, 3, "unterminated comment");
}

Test(lexer, positions_count_lines_and_code_points)
{
    lex_ok("a\n  b\r\n\tc\rd \xc3\xa9\xc3\xa9 e\xe2\x80\x83"
           "f\xef\xbb\xbf"
           "g");
    cr_assert_eq(toks[0].pos.line, 1);
    cr_assert_eq(toks[0].pos.col, 1);
    cr_assert_eq(toks[1].pos.line, 2);
    cr_assert_eq(toks[1].pos.col, 3);
    cr_assert_eq(toks[1].pos.offset, 4);
    cr_assert_eq(toks[2].pos.line, 3, "CR LF is one line break");
    cr_assert_eq(toks[2].pos.col, 2, "a tab is one column");
    cr_assert_eq(toks[3].pos.line, 4, "a lone CR breaks the line");
    cr_assert_eq(toks[4].pos.col, 3);
    assert_text(4, "\xc3\xa9\xc3\xa9", 4);
    cr_assert_eq(toks[5].pos.col, 6, "two 2-byte characters are two columns");
    cr_assert_eq(toks[6].pos.col, 8, "U+2003 EM SPACE is whitespace");
    assert_text(6, "f", 1);
    cr_assert_eq(toks[7].pos.col, 10, "a BOM is whitespace");
}

Test(lexer, origin_shifts_positions)
{
    expr_lexer_t lx;
    const expr_origin_t origin = {.offset = 100, .line = 7, .col = 20};
    expr_lex_init(&lx, &arena, "a\nb", 3, &origin);
    expr_token_t t;
    cr_assert_eq(expr_lex_next(&lx, &t, &err), 0);
    cr_assert_eq(t.pos.offset, 100);
    cr_assert_eq(t.pos.line, 7);
    cr_assert_eq(t.pos.col, 20);
    cr_assert_eq(expr_lex_next(&lx, &t, &err), 0);
    cr_assert_eq(t.pos.offset, 102);
    cr_assert_eq(t.pos.line, 8);
    cr_assert_eq(t.pos.col, 1, "later lines start at column 1");
    cr_assert_eq(expr_lex_next(&lx, &t, &err), 0);
    cr_assert_eq(t.kind, EXPR_TOK_EOF);
    cr_assert_eq(expr_lex_next(&lx, &t, &err), 0);
    cr_assert_eq(t.kind, EXPR_TOK_EOF, "EOF repeats");
}

Test(lexer, stray_characters)
{
    assert_error("a ` b", EXPR_ERR_SYNTAX, 1, 3, "unexpected character '`'");
    assert_error("#if DEBUG", EXPR_ERR_UNSUPPORTED, 1, 1, "preprocessor directives");
    assert_error("a $ b", EXPR_ERR_SYNTAX, 1, 3, "'$' must start an interpolated string");
    assert_error("\xff", EXPR_ERR_SYNTAX, 1, 1, "invalid UTF-8");
    assert_error("a \xe2\x82", EXPR_ERR_SYNTAX, 1, 3, "invalid UTF-8");
    int rc = lex_n("a\0b", 3);
    cr_assert_eq(rc, EXPR_ERR_SYNTAX);
    cr_assert_eq(err.pos.col, 2);
    cr_assert(strstr(err.message, "0x00"), "%s", err.message);
    /* NUL inside a string is kept */
    cr_assert_eq(lex_n("\"a\0b\"", 5), 0);
    assert_text(0, "a\0b", 3);
}

Test(lexer, error_set_formats_and_tolerates_null)
{
    expr_pos_t at = {1, 2, 3, 4};
    cr_assert_eq(expr_error_set(NULL, EXPR_ERR_SYNTAX, at, "x %d", 1), EXPR_ERR_SYNTAX);
    expr_error_t e;
    cr_assert_eq(expr_error_set(&e, EXPR_ERR_LIMIT, at, "n=%d", 42), EXPR_ERR_LIMIT);
    cr_assert_str_eq(e.message, "n=42");
    cr_assert_eq(e.pos.col, 4);
}
