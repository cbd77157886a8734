/* lib_string / lib_string_extra: string, char, StringComparison, StringSplitOptions,
 * StringBuilder and composite formatting, called through their member tables. */
#include "lib_test_util.h"

#define STR &expr_class_string
#define CHR &expr_class_char
#define SB &expr_class_string_builder

TestSuite(lib_string, .init = lib_setup, .fini = lib_teardown);

Test(lib_string, length_counts_utf16_units)
{
    assert_int(PROP(STR, S("Hi There"), "Length"), 8);
    assert_int(PROP(STR, S(""), "Length"), 0);
    assert_int(PROP(STR, S("h\xC3\xA9llo"), "Length"), 5);          /* héllo */
    assert_int(PROP(STR, S("\xF0\x9F\x98\x80"), "Length"), 2);      /* U+1F600: a surrogate pair */
    assert_int(PROP(STR, S("a\xE2\x82\xAC"), "Length"), 2);         /* a€ */
}

Test(lib_string, indexer)
{
    expr_value_t c = INDEX(STR, S("abc"), I(1));
    cr_assert_eq(c.tag, EXPR_V_CHAR);
    cr_assert_eq(c.u.i, 'b');
    cr_assert_eq(INDEX(STR, S("h\xC3\xA9llo"), I(1)).u.i, 0xE9);
    cr_assert_eq(INDEX(STR, S("\xF0\x9F\x98\x80!"), I(0)).u.i, 0xD83D);
    cr_assert_eq(INDEX(STR, S("\xF0\x9F\x98\x80!"), I(1)).u.i, 0xDE00);
    cr_assert_eq(INDEX(STR, S("\xF0\x9F\x98\x80!"), I(2)).u.i, '!');
    INDEX_THROWS("System.IndexOutOfRangeException", "Index was outside the bounds of the array.", STR, S("abc"), I(3));
    INDEX_THROWS("System.IndexOutOfRangeException", NULL, STR, S("abc"), I(-1));
    INDEX_THROWS("System.ArgumentException", NULL, STR, S("abc"), S("x"));
}

Test(lib_string, contains_starts_ends)
{
    assert_bool(METHOD(STR, S("Hello World"), "Contains", S("o W")), true);
    assert_bool(METHOD(STR, S("Hello World"), "Contains", S("world")), false);
    assert_bool(METHOD(STR, S("Hello World"), "Contains", S("world"), ENUMV(5)), true);
    assert_bool(METHOD(STR, S("Hello World"), "Contains", CH('W')), true);
    assert_bool(METHOD(STR, S("abc"), "Contains", S("")), true);
    METHOD_THROWS("System.ArgumentNullException", "(Parameter 'value')", STR, S("abc"), "Contains", NUL);

    assert_bool(METHOD(STR, S("Bearer xyz"), "StartsWith", S("Bearer ")), true);
    assert_bool(METHOD(STR, S("Bearer xyz"), "StartsWith", S("bearer")), false);
    assert_bool(METHOD(STR, S("Bearer xyz"), "StartsWith", S("bearer"), ENUMV(5)), true);
    assert_bool(METHOD(STR, S("Bearer xyz"), "StartsWith", S("BEARER"), ENUMV(3)), true);
    assert_bool(METHOD(STR, S("Bearer xyz"), "StartsWith", CH('B')), true);
    assert_bool(METHOD(STR, S("ab"), "StartsWith", S("abc")), false);
    assert_bool(METHOD(STR, S("ab"), "StartsWith", S("")), true);
    assert_bool(METHOD(STR, S("\xC3\x89t\xC3\xA9"), "StartsWith", S("\xC3\xA9"), ENUMV(5)), true); /* Été / é */

    assert_bool(METHOD(STR, S("file.JSON"), "EndsWith", S(".json")), false);
    assert_bool(METHOD(STR, S("file.JSON"), "EndsWith", S(".json"), ENUMV(5)), true);
    assert_bool(METHOD(STR, S("file.json"), "EndsWith", S(".json")), true);
    assert_bool(METHOD(STR, S("a.jsonx.json"), "EndsWith", S(".json")), true);
    assert_bool(METHOD(STR, S("abc"), "EndsWith", CH('c')), true);
    assert_bool(METHOD(STR, S("abc"), "EndsWith", S("")), true);
    METHOD_THROWS("System.ArgumentException", "comparison type", STR, S("abc"), "EndsWith", S("c"), I(9));
}

Test(lib_string, equals_and_compare)
{
    assert_bool(METHOD(STR, S("abc"), "Equals", S("abc")), true);
    assert_bool(METHOD(STR, S("abc"), "Equals", S("ABC")), false);
    assert_bool(METHOD(STR, S("abc"), "Equals", S("ABC"), ENUMV(5)), true);
    assert_bool(METHOD(STR, S("abc"), "Equals", NUL), false);
    assert_bool(METHOD(STR, S("1"), "Equals", I(1)), false);
    assert_bool(STATIC(STR, "Equals", S("abc"), S("abc")), true);
    assert_bool(STATIC(STR, "Equals", NUL, NUL), true);
    assert_bool(STATIC(STR, "Equals", S("a"), NUL), false);
    assert_bool(STATIC(STR, "Equals", S("\xC3\xA9T\xC3\xA9"), S("\xC3\x89t\xC3\x89"), ENUMV(5)), true);

    assert_int(STATIC(STR, "Compare", S("a"), S("b")), -1);
    assert_int(STATIC(STR, "Compare", S("b"), S("a")), 1);
    assert_int(STATIC(STR, "Compare", S("a"), S("B")), -1);  /* culture order ignores case first */
    assert_int(STATIC(STR, "Compare", S("a"), S("A")), -1);  /* then lower case first */
    assert_int(STATIC(STR, "Compare", S("abc"), S("ABC"), B(true)), 0);
    assert_int(STATIC(STR, "Compare", S("abc"), S("ABC"), ENUMV(5)), 0);
    cr_assert_gt(STATIC(STR, "Compare", S("a"), S("B"), ENUMV(4)).u.i, 0); /* ordinal: 'a' > 'B' */
    assert_int(STATIC(STR, "Compare", NUL, S("a")), -1);
    assert_int(STATIC(STR, "Compare", NUL, NUL), 0);
    assert_int(STATIC(STR, "Compare", S("ab"), S("abc")), -1);
    assert_int(STATIC(STR, "Compare", S("xabc"), I(1), S("abd"), I(0), I(2)), 0);
    assert_int(STATIC(STR, "CompareOrdinal", S("a"), S("c")), -2);
    assert_int(METHOD(STR, S("b"), "CompareTo", S("a")), 1);
    assert_int(METHOD(STR, S("b"), "CompareTo", NUL), 1);
    METHOD_THROWS("System.ArgumentException", "Object must be of type String.", STR, S("b"), "CompareTo", I(1));
}

Test(lib_string, index_of)
{
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("l")), 2);
    assert_int(METHOD(STR, S("hello"), "IndexOf", CH('l')), 2);
    assert_int(METHOD(STR, S("hello"), "IndexOf", CH('l'), I(3)), 3);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("l"), I(4)), -1);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("L")), -1);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("L"), ENUMV(5)), 2);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("L"), I(3), ENUMV(5)), 3);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("o"), I(0), I(4)), -1);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("o"), I(0), I(5)), 4);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S("")), 0);
    assert_int(METHOD(STR, S("hello"), "IndexOf", S(""), I(5)), 5);
    assert_int(METHOD(STR, S("h\xC3\xA9llo"), "IndexOf", S("l")), 2);
    assert_int(METHOD(STR, S("\xF0\x9F\x98\x80x"), "IndexOf", CH('x')), 2);
    assert_int(METHOD(STR, S("\xF0\x9F\x98\x80x\xF0\x9F\x98\x80"), "IndexOf", S("\xF0\x9F\x98\x80"), I(1)), 3);
    METHOD_THROWS("System.ArgumentOutOfRangeException", "(Parameter 'startIndex')", STR, S("abc"), "IndexOf", S("a"), I(4));
    METHOD_THROWS("System.ArgumentOutOfRangeException", "(Parameter 'count')", STR, S("abc"), "IndexOf", S("a"), I(1), I(3));
    METHOD_THROWS("System.ArgumentNullException", NULL, STR, S("abc"), "IndexOf", NUL);

    assert_int(METHOD(STR, S("hello"), "LastIndexOf", CH('l')), 3);
    assert_int(METHOD(STR, S("hello"), "LastIndexOf", S("l")), 3);
    assert_int(METHOD(STR, S("hello"), "LastIndexOf", S("l"), I(2)), 2);
    assert_int(METHOD(STR, S("hello"), "LastIndexOf", S("l"), I(1)), -1);
    assert_int(METHOD(STR, S("hello"), "LastIndexOf", S("lo")), 3);
    assert_int(METHOD(STR, S("hello"), "LastIndexOf", S("LO"), ENUMV(5)), 3);
    assert_int(METHOD(STR, S("hello"), "LastIndexOf", S("x")), -1);
    assert_int(METHOD(STR, S(""), "LastIndexOf", S("x")), -1);
    assert_int(METHOD(STR, S("a/b/c\xC3\xA9"), "LastIndexOf", CH('/')), 3);

    assert_int(METHOD(STR, S("key=value;x"), "IndexOfAny", char_array("=;")), 3);
    assert_int(METHOD(STR, S("key=value;x"), "IndexOfAny", char_array("=;"), I(4)), 9);
    assert_int(METHOD(STR, S("key=value;x"), "LastIndexOfAny", char_array("=;")), 9);
    assert_int(METHOD(STR, S("abc"), "IndexOfAny", char_array("xyz")), -1);
}

Test(lib_string, substring)
{
    assert_str(METHOD(STR, S("hello"), "Substring", I(1)), "ello");
    assert_str(METHOD(STR, S("hello"), "Substring", I(1), I(3)), "ell");
    assert_str(METHOD(STR, S("hello"), "Substring", I(5)), "");
    assert_str(METHOD(STR, S("hello"), "Substring", I(0), I(0)), "");
    assert_str(METHOD(STR, S("h\xC3\xA9llo"), "Substring", I(1), I(2)), "\xC3\xA9l");
    assert_str(METHOD(STR, S("a\xF0\x9F\x98\x80" "b"), "Substring", I(1), I(2)), "\xF0\x9F\x98\x80");
    assert_str(METHOD(STR, S("a\xF0\x9F\x98\x80" "b"), "Substring", I(3)), "b");
    METHOD_THROWS("System.ArgumentOutOfRangeException", "startIndex cannot be larger than length of string. (Parameter 'startIndex')",
                  STR, S("hello"), "Substring", I(6));
    METHOD_THROWS("System.ArgumentOutOfRangeException", "StartIndex cannot be less than zero.", STR, S("hello"), "Substring", I(-1));
    METHOD_THROWS("System.ArgumentOutOfRangeException", "Index and length must refer to a location within the string. (Parameter 'length')",
                  STR, S("hello"), "Substring", I(2), I(4));
    METHOD_THROWS("System.ArgumentOutOfRangeException", "Length cannot be less than zero.", STR, S("hello"), "Substring", I(0), I(-1));
}

Test(lib_string, split)
{
    assert_strings(METHOD(STR, S("a,b,,c"), "Split", CH(',')), "a|b||c");
    assert_strings(METHOD(STR, S("a,b,,c"), "Split", CH(','), ENUMV(1)), "a|b|c");
    assert_strings(METHOD(STR, S("a,b;c"), "Split", char_array(",;")), "a|b|c");
    assert_strings(METHOD(STR, S("a,b;c"), "Split", CH(','), CH(';')), "a|b|c");
    assert_strings(METHOD(STR, S("a--b----c"), "Split", string_array(1, (const char *[]){"--"}), ENUMV(0)), "a|b||c");
    assert_strings(METHOD(STR, S("a--b----c"), "Split", string_array(1, (const char *[]){"--"}), ENUMV(1)), "a|b|c");
    assert_strings(METHOD(STR, S("a--b"), "Split", S("--")), "a|b");
    assert_strings(METHOD(STR, S("a,b,c,d"), "Split", CH(','), I(2)), "a|b,c,d");
    assert_strings(METHOD(STR, S("a,b,c"), "Split", char_array(","), I(1)), "a,b,c");
    assert_strings(METHOD(STR, S("a,,b,c"), "Split", char_array(","), I(2), ENUMV(1)), "a|b,c");
    assert_strings(METHOD(STR, S("a,,b,c"), "Split", char_array(","), I(2)), "a|,b,c");
    assert_strings(METHOD(STR, S(",,a,,b"), "Split", CH(','), I(2), ENUMV(1)), "a|b");
    assert_strings(METHOD(STR, S("a, ,b"), "Split", CH(','), I(2), ENUMV(3)), "a|b");
    cr_assert_eq(METHOD(STR, S("a,b,c"), "Split", char_array(","), I(0)).u.arr.count, 0);
    assert_strings(METHOD(STR, S("one two\tthree"), "Split"), "one|two|three");
    assert_strings(METHOD(STR, S("a b"), "Split", NUL), "a|b");
    assert_strings(METHOD(STR, S("a, b ,c"), "Split", CH(','), ENUMV(2)), "a|b|c");
    assert_strings(METHOD(STR, S(",a,"), "Split", CH(',')), "|a|");
    assert_strings(METHOD(STR, S("abc"), "Split", S("")), "abc");
    assert_strings(METHOD(STR, S(""), "Split", CH(',')), "");
    cr_assert_eq(METHOD(STR, S(""), "Split", CH(','), ENUMV(1)).u.arr.count, 0);
    assert_strings(METHOD(STR, S("\xC3\xA9,\xC3\xA8"), "Split", CH(',')), "\xC3\xA9|\xC3\xA8");
    METHOD_THROWS("System.ArgumentOutOfRangeException", "(Parameter 'count')", STR, S("a"), "Split", CH(','), I(-1));
    cr_assert_eq(METHOD(STR, S("a,b"), "Split", CH(',')).u.arr.elem, &expr_class_string);
}

Test(lib_string, replace)
{
    assert_str(METHOD(STR, S("aaa"), "Replace", S("a"), S("bb")), "bbbbbb");
    assert_str(METHOD(STR, S("a-b-c"), "Replace", CH('-'), CH('+')), "a+b+c");
    assert_str(METHOD(STR, S("a-b-c"), "Replace", S("-"), NUL), "abc");
    assert_str(METHOD(STR, S("abc"), "Replace", S("x"), S("y")), "abc");
    assert_str(METHOD(STR, S("Hello hello"), "Replace", S("HELLO"), S("bye"), ENUMV(5)), "bye bye");
    assert_str(METHOD(STR, S("caf\xC3\xA9 caf\xC3\xA9"), "Replace", S("\xC3\xA9"), S("e")), "cafe cafe");
    METHOD_THROWS("System.ArgumentException", "String cannot be of zero length. (Parameter 'oldValue')", STR, S("abc"), "Replace", S(""), S("x"));
    METHOD_THROWS("System.ArgumentNullException", "(Parameter 'oldValue')", STR, S("abc"), "Replace", NUL, S("x"));
}

Test(lib_string, case_and_trim)
{
    assert_str(METHOD(STR, S("Hello World"), "ToUpper"), "HELLO WORLD");
    assert_str(METHOD(STR, S("Hello World"), "ToLower"), "hello world");
    assert_str(METHOD(STR, S("Hello"), "ToUpperInvariant"), "HELLO");
    assert_str(METHOD(STR, S("Hello"), "ToLowerInvariant"), "hello");
    assert_str(METHOD(STR, S("\xC3\xA9t\xC3\xA9 \xD0\xB4"), "ToUpper"), "\xC3\x89T\xC3\x89 \xD0\x94"); /* été д */
    assert_str(METHOD(STR, S("stra\xC3\x9F" "e"), "ToUpper"), "STRA\xC3\x9F" "E"); /* ß keeps its length */

    assert_str(METHOD(STR, S("  a b \t\r\n"), "Trim"), "a b");
    assert_str(METHOD(STR, S("\xC2\xA0x\xE3\x80\x80"), "Trim"), "x"); /* NBSP and ideographic space */
    assert_str(METHOD(STR, S("  a  "), "TrimStart"), "a  ");
    assert_str(METHOD(STR, S("  a  "), "TrimEnd"), "  a");
    assert_str(METHOD(STR, S("xxaxx"), "Trim", CH('x')), "a");
    assert_str(METHOD(STR, S("\"/path/\""), "Trim", char_array("\"/")), "path");
    assert_str(METHOD(STR, S("xyaxy"), "TrimEnd", CH('x'), CH('y')), "xya");
    assert_str(METHOD(STR, S("/a/"), "TrimStart", CH('/')), "a/");
    assert_str(METHOD(STR, S(""), "Trim"), "");
}

Test(lib_string, pad_insert_remove)
{
    assert_str(METHOD(STR, S("7"), "PadLeft", I(3), CH('0')), "007");
    assert_str(METHOD(STR, S("7"), "PadLeft", I(3)), "  7");
    assert_str(METHOD(STR, S("abcd"), "PadLeft", I(2)), "abcd");
    assert_str(METHOD(STR, S("\xC3\xA9"), "PadRight", I(3), CH('.')), "\xC3\xA9..");
    METHOD_THROWS("System.ArgumentOutOfRangeException", "Non-negative number required. (Parameter 'totalWidth')", STR, S("a"), "PadLeft", I(-1));

    assert_str(METHOD(STR, S("abc"), "Insert", I(1), S("XY")), "aXYbc");
    assert_str(METHOD(STR, S("abc"), "Insert", I(3), S("!")), "abc!");
    METHOD_THROWS("System.ArgumentOutOfRangeException", "(Parameter 'startIndex')", STR, S("abc"), "Insert", I(4), S("!"));
    METHOD_THROWS("System.ArgumentNullException", NULL, STR, S("abc"), "Insert", I(1), NUL);

    assert_str(METHOD(STR, S("abcdef"), "Remove", I(3)), "abc");
    assert_str(METHOD(STR, S("abcdef"), "Remove", I(1), I(2)), "adef");
    assert_str(METHOD(STR, S("h\xC3\xA9llo"), "Remove", I(1), I(1)), "hllo");
    METHOD_THROWS("System.ArgumentOutOfRangeException", "startIndex must be less than length of string.", STR, S("abc"), "Remove", I(3));
    METHOD_THROWS("System.ArgumentOutOfRangeException", "Index and count must refer to a location within the string.", STR, S("abc"), "Remove", I(1), I(3));
}

Test(lib_string, to_char_array_and_ctor)
{
    expr_value_t a = METHOD(STR, S("a\xC3\xA9"), "ToCharArray");
    cr_assert_eq(a.tag, EXPR_V_ARRAY);
    cr_assert_eq(a.u.arr.count, 2);
    cr_assert_eq(a.u.arr.elem, &expr_class_char);
    cr_assert_eq(a.u.arr.items[1].u.i, 0xE9);
    cr_assert_eq(METHOD(STR, S("abcd"), "ToCharArray", I(1), I(2)).u.arr.items[0].u.i, 'b');

    assert_str(NEW(STR, CH('='), I(3)), "===");
    assert_str(NEW(STR, CH(0xE9), I(2)), "\xC3\xA9\xC3\xA9");
    assert_str(NEW(STR, char_array("hey")), "hey");
    assert_str(NEW(STR, char_array("hey"), I(1), I(2)), "ey");
    NEW_THROWS("System.ArgumentOutOfRangeException", "(Parameter 'count')", STR, CH('x'), I(-1));
    assert_str(METHOD(STR, S("x"), "ToString"), "x");
}

Test(lib_string, null_or_empty)
{
    assert_bool(STATIC(STR, "IsNullOrEmpty", NUL), true);
    assert_bool(STATIC(STR, "IsNullOrEmpty", S("")), true);
    assert_bool(STATIC(STR, "IsNullOrEmpty", S(" ")), false);
    assert_bool(STATIC(STR, "IsNullOrWhiteSpace", S(" \t\r\n")), true);
    assert_bool(STATIC(STR, "IsNullOrWhiteSpace", NUL), true);
    assert_bool(STATIC(STR, "IsNullOrWhiteSpace", S("\xC2\xA0")), true);
    assert_bool(STATIC(STR, "IsNullOrWhiteSpace", S(" x ")), false);
    STATIC_THROWS("System.ArgumentException", NULL, STR, "IsNullOrEmpty", I(1));
    assert_str(SPROP(STR, "Empty"), "");
}

Test(lib_string, format)
{
    assert_str(STATIC(STR, "Format", S("{0}-{1}"), S("a"), I(42)), "a-42");
    assert_str(STATIC(STR, "Format", S("[{0,5}|{1,-5}]"), S("ab"), I(7)), "[   ab|7    ]");
    assert_str(STATIC(STR, "Format", S("{0:D4}"), I(42)), "0042");
    assert_str(STATIC(STR, "Format", S("{0:0.00}"), D(3.14159)), "3.14");
    assert_str(STATIC(STR, "Format", S("{0:X}"), I(255)), "FF");
    assert_str(STATIC(STR, "Format", S("{0,8:N1}"), D(1234.56)), " 1,234.6");
    assert_str(STATIC(STR, "Format", S("{{{0}}}"), S("x")), "{x}");
    assert_str(STATIC(STR, "Format", S("{0}{0}"), B(true)), "TrueTrue");
    assert_str(STATIC(STR, "Format", S("[{0}]"), NUL), "[]");
    assert_str(STATIC(STR, "Format", S("{0} {1}"), string_array(2, (const char *[]){"x", "y"})), "x y");
    assert_str(STATIC(STR, "Format", S("{0}"), D(0.1)), "0.1");
    assert_str(STATIC(STR, "Format", S("{0}"), CH(0xE9)), "\xC3\xA9");
    assert_str(STATIC(STR, "Format", S("{0,3}|"), S("\xC3\xA9")), "  \xC3\xA9|");
    STATIC_THROWS("System.FormatException", "Index (zero based) must be greater than or equal to zero and less than the size of the argument list.",
                  STR, "Format", S("{1}"), S("a"));
    STATIC_THROWS("System.FormatException", "Input string was not in a correct format.", STR, "Format", S("{0"), S("a"));
    STATIC_THROWS("System.FormatException", "Input string was not in a correct format.", STR, "Format", S("a}b"));
    STATIC_THROWS("System.FormatException", "Input string was not in a correct format.", STR, "Format", S("{x}"), S("a"));
    STATIC_THROWS("System.FormatException", "Format specifier was invalid.", STR, "Format", S("{0:D2}"), D(1.5));
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 'format')", STR, "Format", NUL, S("a"));
}

Test(lib_string, join_and_concat)
{
    assert_str(STATIC(STR, "Join", S(", "), string_array(3, (const char *[]){"a", "b", "c"})), "a, b, c");
    assert_str(STATIC(STR, "Join", S(","), string_array(3, (const char *[]){"a", NULL, "c"})), "a,,c");
    assert_str(STATIC(STR, "Join", CH('|'), S("x"), I(1), B(false)), "x|1|False");
    assert_str(STATIC(STR, "Join", S("-"), string_array(0, NULL)), "");
    assert_str(STATIC(STR, "Join", S("-"), string_array(4, (const char *[]){"a", "b", "c", "d"}), I(1), I(2)), "b-c");
    assert_str(STATIC(STR, "Join", NUL, string_array(2, (const char *[]){"a", "b"})), "ab");
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 'values')", STR, "Join", S(","), NUL);

    assert_str(STATIC(STR, "Concat", S("a"), S("b"), S("c")), "abc");
    assert_str(STATIC(STR, "Concat", S("n="), I(5), NUL, D(1.5)), "n=51.5");
    assert_str(STATIC(STR, "Concat", string_array(2, (const char *[]){"x", "y"})), "xy");
    assert_str(STATIC(STR, "Concat"), "");
}

Test(lib_string, enums)
{
    assert_int(SPROP(&expr_class_string_comparison, "Ordinal"), 4);
    assert_int(SPROP(&expr_class_string_comparison, "OrdinalIgnoreCase"), 5);
    assert_int(SPROP(&expr_class_string_comparison, "CurrentCulture"), 0);
    assert_int(SPROP(&expr_class_string_comparison, "InvariantCultureIgnoreCase"), 3);
    expr_value_t ord = SPROP(&expr_class_string_comparison, "Ordinal");
    cr_assert(expr_text_is_enum(&ord));
    assert_int(SPROP(&expr_class_string_split_options, "None"), 0);
    assert_int(SPROP(&expr_class_string_split_options, "RemoveEmptyEntries"), 1);
    assert_int(SPROP(&expr_class_string_split_options, "TrimEntries"), 2);
    cr_assert(expr_class_string_comparison.is_static_only);
}

Test(lib_string, char_members)
{
    assert_bool(STATIC(CHR, "IsDigit", CH('7')), true);
    assert_bool(STATIC(CHR, "IsDigit", CH('x')), false);
    assert_bool(STATIC(CHR, "IsDigit", CH(0x0663)), true); /* Arabic-Indic three */
    assert_bool(STATIC(CHR, "IsLetter", CH('x')), true);
    assert_bool(STATIC(CHR, "IsLetter", CH(0xE9)), true);
    assert_bool(STATIC(CHR, "IsLetter", CH('1')), false);
    assert_bool(STATIC(CHR, "IsLetterOrDigit", CH('1')), true);
    assert_bool(STATIC(CHR, "IsLetterOrDigit", CH('_')), false);
    assert_bool(STATIC(CHR, "IsWhiteSpace", CH('\t')), true);
    assert_bool(STATIC(CHR, "IsWhiteSpace", CH(0xA0)), true);
    assert_bool(STATIC(CHR, "IsWhiteSpace", CH('a')), false);
    assert_bool(STATIC(CHR, "IsUpper", CH('A')), true);
    assert_bool(STATIC(CHR, "IsUpper", CH(0xC9)), true);
    assert_bool(STATIC(CHR, "IsLower", CH('A')), false);
    assert_bool(STATIC(CHR, "IsLower", CH(0xE9)), true);
    assert_bool(STATIC(CHR, "IsPunctuation", CH('!')), true);
    assert_bool(STATIC(CHR, "IsPunctuation", CH('+')), false);
    assert_bool(STATIC(CHR, "IsDigit", S("a1"), I(1)), true);
    STATIC_THROWS("System.ArgumentOutOfRangeException", "(Parameter 'index')", CHR, "IsDigit", S("a1"), I(2));
    STATIC_THROWS("System.ArgumentException", NULL, CHR, "IsDigit", S("a"));
    cr_assert_eq(STATIC(CHR, "ToUpper", CH('a')).u.i, 'A');
    cr_assert_eq(STATIC(CHR, "ToUpper", CH(0xE9)).u.i, 0xC9);
    cr_assert_eq(STATIC(CHR, "ToLower", CH('Q')).u.i, 'q');
    cr_assert_eq(STATIC(CHR, "ToLowerInvariant", CH('Q')).u.i, 'q');
    assert_str(METHOD(CHR, CH('z'), "ToString"), "z");
    assert_str(STATIC(CHR, "ToString", CH(0x20AC)), "\xE2\x82\xAC");
    cr_assert_eq(STATIC(CHR, "Parse", S("x")).u.i, 'x');
    STATIC_THROWS("System.FormatException", "String must be exactly one character long.", CHR, "Parse", S("xy"));
    assert_int(METHOD(CHR, CH('b'), "CompareTo", CH('a')), 1);
    assert_bool(METHOD(CHR, CH('b'), "Equals", CH('b')), true);
    cr_assert_eq(SPROP(CHR, "MaxValue").u.i, 0xFFFF);

    expr_value_t args[2] = {S("q"), NUL};
    expr_value_t r = lib_ok(CHR, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2);
    assert_bool(r, true);
    cr_assert_eq(args[1].tag, EXPR_V_CHAR);
    cr_assert_eq(args[1].u.i, 'q');
}

Test(lib_string, string_builder)
{
    expr_value_t sb = NEW(SB);
    cr_assert_eq(sb.tag, EXPR_V_OBJECT);
    expr_value_t r = METHOD(SB, sb, "Append", S("a"));
    cr_assert_eq(r.u.obj.ptr, sb.u.obj.ptr); /* returns itself, for chaining */
    METHOD(SB, sb, "Append", I(1));
    METHOD(SB, sb, "Append", CH('-'), I(3));
    METHOD(SB, sb, "Append", B(true));
    METHOD(SB, sb, "Append", D(2.5));
    METHOD(SB, sb, "Append", NUL);
    assert_str(METHOD(SB, sb, "ToString"), "a1---True2.5");
    assert_int(PROP(SB, sb, "Length"), 12);
    METHOD(SB, sb, "Clear");
    assert_str(METHOD(SB, sb, "ToString"), "");

    METHOD(SB, sb, "AppendLine", S("x"));
    METHOD(SB, sb, "AppendLine");
    assert_str(METHOD(SB, sb, "ToString"), "x\r\n\r\n");
    METHOD(SB, sb, "Clear");

    METHOD(SB, sb, "AppendFormat", S("{0}={1:D3};"), S("k"), I(7));
    assert_str(METHOD(SB, sb, "ToString"), "k=007;");
    METHOD(SB, sb, "Insert", I(0), S("\xC3\xA9"));
    assert_str(METHOD(SB, sb, "ToString"), "\xC3\xA9k=007;");
    METHOD(SB, sb, "Remove", I(1), I(2));
    assert_str(METHOD(SB, sb, "ToString"), "\xC3\xA9" "007;");
    METHOD(SB, sb, "Replace", S("0"), S("o"));
    assert_str(METHOD(SB, sb, "ToString"), "\xC3\xA9oo7;");
    METHOD(SB, sb, "Replace", CH('o'), CH('0'), I(0), I(2));
    assert_str(METHOD(SB, sb, "ToString"), "\xC3\xA9" "0o7;");
    assert_str(METHOD(SB, sb, "ToString", I(1), I(2)), "0o");
    cr_assert_eq(INDEX(SB, sb, I(0)).u.i, 0xE9);

    assert_str(METHOD(SB, NEW(SB, S("init")), "ToString"), "init");
    assert_str(METHOD(SB, NEW(SB, I(64)), "ToString"), "");
    METHOD_THROWS("System.ArgumentOutOfRangeException", "(Parameter 'index')", SB, sb, "Insert", I(99), S("x"));
    METHOD_THROWS("System.ArgumentOutOfRangeException", NULL, SB, sb, "Remove", I(0), I(99));
    METHOD_THROWS("System.NullReferenceException", NULL, SB, S("not a builder"), "Append", S("x"));

    /* ToString through the class's to_string (string concatenation, interpolation) */
    expr_value_t s;
    cr_assert_eq(expr_class_string_builder.to_string(&rt, &sb, &s), 0);
    assert_str(s, "\xC3\xA9" "0o7;");
}

/* ---- through expr_compile / expr_run ---- */

Test(lib_string, expressions)
{
    EXPECT("@(\"abc\".Substring(1).ToUpper())", "BC");
    EXPECT("@(\"Hi There\".Length)", "8");
    EXPECT("@(\"abc\"[1])", "b");
    EXPECT("@(\"a,b,,c\".Split(',').Length)", "4");
    EXPECT("@(\"a,b,,c\".Split(new[] {','}, StringSplitOptions.RemoveEmptyEntries).Length)", "3");
    EXPECT("@(\"a,b,,c\".Split(new char[] {','}, StringSplitOptions.RemoveEmptyEntries)[2])", "c");
    EXPECT("@(\"a--b\".Split(new string[] {\"--\"}, StringSplitOptions.None)[1])", "b");
    EXPECT("@(\"Bearer abc\".StartsWith(\"bearer\", StringComparison.OrdinalIgnoreCase))", "True");
    EXPECT("@(\"Bearer abc\".StartsWith(\"bearer\"))", "False");
    EXPECT("@(\"hello\".IndexOf(\"L\", StringComparison.OrdinalIgnoreCase))", "2");
    EXPECT("@(\"hello\".IndexOf(\"l\", 3))", "3");
    EXPECT("@(\"hello\".IndexOf('o'))", "4");
    EXPECT("@(\"x\".Equals(\"X\", StringComparison.OrdinalIgnoreCase))", "True");
    EXPECT("@(string.Equals(\"x\", \"X\", StringComparison.OrdinalIgnoreCase))", "True");
    /* the ASCII fast path and the UTF-16 path must agree */
    EXPECT("@(\"West US\".Equals(\"west us\", StringComparison.OrdinalIgnoreCase))", "True");
    EXPECT("@(\"West US\".Equals(\"West UT\", StringComparison.OrdinalIgnoreCase))", "False");
    EXPECT("@(\"a@\".Equals(\"a`\", StringComparison.OrdinalIgnoreCase))", "False");
    EXPECT("@(\"caf\u00e9\".Equals(\"CAF\u00c9\", StringComparison.OrdinalIgnoreCase))", "True");
    EXPECT("@(\"x\u00e9\".Equals(\"y\u00e9\", StringComparison.OrdinalIgnoreCase))", "False");
    EXPECT("@(String.IsNullOrEmpty(\"\"))", "True");
    EXPECT("@(string.IsNullOrWhiteSpace(\" \"))", "True");
    EXPECT("@(string.Format(\"{0}-{1:D3}\", \"a\", 7))", "a-007");
    EXPECT("@(string.Format(\"{0,-4}|{1,4}\", \"ab\", 1.5))", "ab  | 1.5");
    EXPECT("@(string.Join(\",\", new[] {\"a\", \"b\"}))", "a,b");
    EXPECT("@(string.Join(\"-\", \"a\", \"b\", \"c\"))", "a-b-c");
    EXPECT("@(string.Join(\"/\", new[] {1, 2, 3}))", "1/2/3");
    EXPECT("@(string.Concat(\"a\", 1, true))", "a1True");
    EXPECT("@(string.Empty.Length)", "0");
    EXPECT("@(new string('-', 3))", "---");
    EXPECT("@(\"  x \".Trim())", "x");
    EXPECT("@(\"/a/b/\".Trim('/'))", "a/b");
    EXPECT("@(\"7\".PadLeft(3, '0'))", "007");
    EXPECT("@(\"abc\".Replace(\"b\", \"XX\"))", "aXXc");
    EXPECT("@(\"abc\".Replace('b', 'y'))", "ayc");
    EXPECT("@(\"abc\".Insert(1, \"-\").Remove(0, 1))", "-bc");
    EXPECT("@(\"abc\".ToCharArray().Length)", "3");
    EXPECT("@(\"abc\".Contains(\"bc\"))", "True");
    EXPECT("@(\"abc\".CompareTo(\"abd\"))", "-1");
    EXPECT("@(string.Compare(\"a\", \"B\", true))", "-1");
    EXPECT("@(\"h\u00e9llo\".Length)", "5");
    EXPECT("@(\"h\u00e9llo\".ToUpper())", "H\xC3\x89LLO");
    EXPECT("@(char.IsDigit('5'))", "True");
    EXPECT("@(char.IsLetter(\"a1\", 1))", "False");
    EXPECT("@(char.ToUpper('q'))", "Q");
    EXPECT("@('q'.ToString())", "q");
    EXPECT("@(new StringBuilder().Append(\"a\").Append(1).AppendFormat(\"{0}\", 'c').ToString())", "a1c");
    EXPECT("@{ var sb = new StringBuilder(\"x\"); sb.Append('y', 2); sb.Insert(0, \"<\"); return sb.ToString() + sb.Length; }", "<xyy4");
    EXPECT("@{ var sb = new System.Text.StringBuilder(); sb.AppendLine(\"a\"); return sb.ToString().Length; }", "3");
    EXPECT("@(\"abc\".Substring(4))", "!System.ArgumentOutOfRangeException: startIndex cannot be larger than length of string. (Parameter 'startIndex')");
    EXPECT("@(string.Format(\"{1}\", 1))", "!System.FormatException: Index (zero based) must be greater than or equal to zero and less than the size of the argument list.");
    EXPECT("@(\"abc\"[5])", "!System.IndexOutOfRangeException: Index was outside the bounds of the array.");
    EXPECT("@(\"a b\".Split().Length)", "2");
    EXPECT("@(\"a,b,c\".Split(',', 2)[1])", "b,c");
}
