/* lib_number / lib_numfmt / lib_math: bool, int, long, double, byte[] members, .NET
 * number formatting and parsing, Math, MidpointRounding, Convert, BitConverter, Encoding. */
#include "lib_test_util.h"

#include <float.h>

#define INT &expr_class_int
#define LONG &expr_class_long
#define DBL &expr_class_double
#define BOOL &expr_class_bool
#define MATH &expr_class_math
#define CONV &expr_class_convert
#define BITC &expr_class_bit_converter
#define ENC &expr_class_encoding

TestSuite(lib_number, .init = lib_setup, .fini = lib_teardown);

/* v.ToString(format) through v's class (format NULL: ToString()). */
static expr_value_t fmt(expr_value_t v, const char *format)
{
    const expr_class_t *cls = v.tag == EXPR_V_INT ? INT : v.tag == EXPR_V_LONG ? LONG : DBL;
    expr_value_t arg = format ? expr_str_ref(format, strlen(format)) : expr_null();
    return lib_ok(cls, "ToString", EXPR_M_METHOD, &v, &arg, format ? 1 : 0);
}

static void fmt_throws(expr_value_t v, const char *format)
{
    const expr_class_t *cls = v.tag == EXPR_V_INT ? INT : v.tag == EXPR_V_LONG ? LONG : DBL;
    expr_value_t arg = expr_str_ref(format, strlen(format));
    lib_throws("System.FormatException", "Format specifier was invalid.", cls, "ToString", EXPR_M_METHOD, &v, &arg, 1);
}

Test(lib_number, double_to_string_shortest_round_trip)
{
    assert_str(fmt(D(1.5), NULL), "1.5");
    assert_str(fmt(D(0.1), NULL), "0.1");
    assert_str(fmt(D(0.1 + 0.2), NULL), "0.30000000000000004");
    assert_str(fmt(D(1.0 / 3), NULL), "0.3333333333333333");
    assert_str(fmt(D(100), NULL), "100");
    assert_str(fmt(D(-60), NULL), "-60");
    assert_str(fmt(D(1e14), NULL), "100000000000000");
    assert_str(fmt(D(1e15), NULL), "1000000000000000");
    assert_str(fmt(D(1e16), NULL), "10000000000000000");
    assert_str(fmt(D(1e17), NULL), "1E+17");
    assert_str(fmt(D(123456789012345678.0), NULL), "1.2345678901234568E+17");
    assert_str(fmt(D(1e15), "R"), "1000000000000000");
    assert_str(fmt(D(1e17), "G"), "1E+17");
    assert_str(fmt(D(1e21), NULL), "1E+21");
    assert_str(fmt(D(123456789012345680000.0), NULL), "1.2345678901234568E+20");
    assert_str(fmt(D(0.0001), NULL), "0.0001");
    assert_str(fmt(D(0.00001), NULL), "1E-05");
    assert_str(fmt(D(1.5e-7), NULL), "1.5E-07");
    assert_str(fmt(D(0), NULL), "0");
    assert_str(fmt(D(-0.0), NULL), "-0");
    assert_str(fmt(D(NAN), NULL), "NaN");
    assert_str(fmt(D(INFINITY), NULL), "Infinity");
    assert_str(fmt(D(-INFINITY), NULL), "-Infinity");
    assert_str(fmt(D(DBL_MAX), NULL), "1.7976931348623157E+308");
    assert_str(fmt(D(4.9406564584124654e-324), NULL), "5E-324");
    assert_str(fmt(D(12345.678), NULL), "12345.678");
    assert_str(fmt(I(-42), NULL), "-42");
    assert_str(fmt(L(INT64_MIN), NULL), "-9223372036854775808");
}

Test(lib_number, standard_formats)
{
    assert_str(fmt(I(42), "D5"), "00042");
    assert_str(fmt(I(-42), "D5"), "-00042");
    assert_str(fmt(I(42), "D"), "42");
    assert_str(fmt(L(INT64_MIN), "D"), "-9223372036854775808");
    assert_str(fmt(I(255), "X"), "FF");
    assert_str(fmt(I(255), "x4"), "00ff");
    assert_str(fmt(I(-1), "X"), "FFFFFFFF");
    assert_str(fmt(L(-1), "X"), "FFFFFFFFFFFFFFFF");
    assert_str(fmt(D(1234567.891), "N"), "1,234,567.89");
    assert_str(fmt(D(1234567.891), "N0"), "1,234,568");
    assert_str(fmt(I(1234), "N"), "1,234.00");
    assert_str(fmt(I(-1234567), "N1"), "-1,234,567.0");
    assert_str(fmt(D(999.999), "N2"), "1,000.00");
    assert_str(fmt(D(3.14159), "F2"), "3.14");
    /* a precision cuts the exact binary value; exact ties go to the even digit (Dragon4) */
    assert_str(fmt(D(2.5), "F0"), "2");
    assert_str(fmt(D(3.5), "F0"), "4");
    assert_str(fmt(D(1.5), "F0"), "2");
    assert_str(fmt(D(0.5), "F0"), "0");
    assert_str(fmt(D(0.125), "F2"), "0.12");
    assert_str(fmt(D(0.375), "F2"), "0.38");
    assert_str(fmt(D(2.675), "F2"), "2.67"); /* 2.67499999... in binary */
    assert_str(fmt(D(1.005), "F2"), "1.00"); /* 1.00499999... */
    assert_str(fmt(D(0.6), "F0"), "1");
    assert_str(fmt(D(1.25), "E1"), "1.2E+000");
    assert_str(fmt(D(1.35), "E1"), "1.4E+000"); /* 1.350000000000000088... */
    assert_str(fmt(I(125), "E1"), "1.3E+002"); /* integers round half up */
    assert_str(fmt(I(125), "G2"), "1.3E+02");
    assert_str(fmt(I(1), "F"), "1.00");
    assert_str(fmt(D(0.1), "F20"), "0.10000000000000000555");
    assert_str(fmt(D(1e20), "F0"), "100000000000000000000");
    assert_str(fmt(D(0.1234), "P"), "12.34 %");
    assert_str(fmt(D(0.5), "P0"), "50 %");
    assert_str(fmt(I(1), "P1"), "100.0 %");
    assert_str(fmt(D(1234.5678), "E"), "1.234568E+003");
    assert_str(fmt(D(1234.5678), "e2"), "1.23e+003");
    assert_str(fmt(D(0), "E2"), "0.00E+000");
    assert_str(fmt(D(-0.00012), "E1"), "-1.2E-004");
    assert_str(fmt(I(12345), "E2"), "1.23E+004");
    assert_str(fmt(I(12345), "G3"), "1.23E+04");
    assert_str(fmt(I(12345), "G"), "12345");
    assert_str(fmt(I(1000), "G"), "1000");
    assert_str(fmt(D(1.5), "G"), "1.5");
    assert_str(fmt(D(0.000012345), "G3"), "1.23E-05");
    assert_str(fmt(D(123.456), "G4"), "123.5");
    assert_str(fmt(D(1.5), "R"), "1.5");
    assert_str(fmt(D(1234.5), "C"), "\xC2\xA4" "1,234.50");
    assert_str(fmt(D(NAN), "F2"), "NaN");
    fmt_throws(D(1.5), "D");
    fmt_throws(D(1.5), "X2");
    fmt_throws(I(1), "Z");
    fmt_throws(I(1), "R");
}

Test(lib_number, custom_formats)
{
    assert_str(fmt(D(3.14159), "0.00"), "3.14");
    assert_str(fmt(D(2.5), "0"), "3");   /* custom formats round the 15 digits half up */
    assert_str(fmt(D(0.125), "0.00"), "0.13");
    assert_str(fmt(I(5), "000"), "005");
    assert_str(fmt(I(1234567), "#,##0"), "1,234,567");
    assert_str(fmt(I(1234), "#,##0.00"), "1,234.00");
    assert_str(fmt(D(0.5), "#.##"), ".5");
    assert_str(fmt(I(0), "#"), "");
    assert_str(fmt(I(0), "0"), "0");
    assert_str(fmt(D(1.5), "0.###"), "1.5");
    assert_str(fmt(D(0.256), "0.0%"), "25.6%");
    assert_str(fmt(I(-5), "0;(0)"), "(5)");
    assert_str(fmt(I(5), "0;(0)"), "5");
    assert_str(fmt(I(0), "0;(0);zero"), "zero");
    assert_str(fmt(I(-5), "00"), "-05");
    assert_str(fmt(L(5551234567LL), "(###) ###-####"), "(555) 123-4567");
    assert_str(fmt(I(12345), "0.00E+00"), "1.23E+04");
    assert_str(fmt(D(0.00123), "0.0e0"), "1.2e-3");
    assert_str(fmt(I(5), "'#'0"), "#5");
    assert_str(fmt(I(5), "\\#0"), "#5");
    assert_str(fmt(I(1234567), "0,,.0"), "1.2");
    assert_str(fmt(I(42), "Value: 0"), "Value: 42");
    assert_str(fmt(D(0.1 + 0.2), "0.00000000000000000"), "0.30000000000000000"); /* 15 digits first */
    assert_str(fmt(D(-0.001), "0.00"), "0.00");
    assert_str(fmt(D(123.456), ".0"), "123.5");
}

Test(lib_number, parse_integers)
{
    assert_int(STATIC(INT, "Parse", S("42")), 42);
    assert_int(STATIC(INT, "Parse", S(" \t-7 \n")), -7);
    assert_int(STATIC(INT, "Parse", S("+7")), 7);
    assert_int(STATIC(INT, "Parse", S("-2147483648")), INT32_MIN);
    cr_assert_eq(STATIC(INT, "Parse", S("1")).tag, EXPR_V_INT);
    STATIC_THROWS("System.FormatException", "Input string was not in a correct format.", INT, "Parse", S(""));
    STATIC_THROWS("System.FormatException", NULL, INT, "Parse", S("4 2"));
    STATIC_THROWS("System.FormatException", NULL, INT, "Parse", S("1.0"));
    STATIC_THROWS("System.FormatException", NULL, INT, "Parse", S("-"));
    STATIC_THROWS("System.FormatException", NULL, INT, "Parse", S("0x10"));
    STATIC_THROWS("System.OverflowException", "Value was either too large or too small for an Int32.", INT, "Parse", S("2147483648"));
    STATIC_THROWS("System.OverflowException", NULL, INT, "Parse", S("99999999999999999999999"));
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 's')", INT, "Parse", NUL);

    assert_int(STATIC(LONG, "Parse", S("9223372036854775807")), INT64_MAX);
    assert_int(STATIC(LONG, "Parse", S("-9223372036854775808")), INT64_MIN);
    cr_assert_eq(STATIC(LONG, "Parse", S("1")).tag, EXPR_V_LONG);
    STATIC_THROWS("System.OverflowException", "Value was either too large or too small for an Int64.", LONG, "Parse", S("9223372036854775808"));

    expr_value_t args[2] = {S("123"), NUL};
    assert_bool(lib_ok(INT, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), true);
    assert_int(args[1], 123);
    args[0] = S("12x");
    assert_bool(lib_ok(INT, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), false);
    assert_int(args[1], 0);
    args[0] = NUL;
    assert_bool(lib_ok(INT, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), false);
    args[0] = S("3000000000");
    assert_bool(lib_ok(INT, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), false);
    assert_bool(lib_ok(LONG, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), true);
    assert_int(args[1], 3000000000LL);
    cr_assert_eq(args[1].tag, EXPR_V_LONG);
}

Test(lib_number, parse_double_and_bool)
{
    assert_double(STATIC(DBL, "Parse", S("1.5")), 1.5);
    assert_double(STATIC(DBL, "Parse", S(" -0.25 ")), -0.25);
    assert_double(STATIC(DBL, "Parse", S("1,234.5")), 1234.5);
    assert_double(STATIC(DBL, "Parse", S("1e3")), 1000);
    assert_double(STATIC(DBL, "Parse", S("2.5E-1")), 0.25);
    assert_double(STATIC(DBL, "Parse", S(".5")), 0.5);
    assert_double(STATIC(DBL, "Parse", S("5.")), 5);
    assert_double(STATIC(DBL, "Parse", S("NaN")), NAN);
    assert_double(STATIC(DBL, "Parse", S("-Infinity")), -INFINITY);
    assert_double(STATIC(DBL, "Parse", S("1e400")), INFINITY);
    STATIC_THROWS("System.FormatException", "Input string was not in a correct format.", DBL, "Parse", S("abc"));
    STATIC_THROWS("System.FormatException", NULL, DBL, "Parse", S("1.2.3"));
    STATIC_THROWS("System.FormatException", NULL, DBL, "Parse", S("."));
    STATIC_THROWS("System.FormatException", NULL, DBL, "Parse", S("1e"));
    STATIC_THROWS("System.FormatException", NULL, DBL, "Parse", S("0x1p3"));
    expr_value_t args[2] = {S("2.5"), NUL};
    assert_bool(lib_ok(DBL, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), true);
    assert_double(args[1], 2.5);

    assert_bool(STATIC(BOOL, "Parse", S("true")), true);
    assert_bool(STATIC(BOOL, "Parse", S(" FALSE ")), false);
    STATIC_THROWS("System.FormatException", "String 'yes' was not recognized as a valid Boolean.", BOOL, "Parse", S("yes"));
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 'value')", BOOL, "Parse", NUL);
    args[0] = S("True");
    assert_bool(lib_ok(BOOL, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), true);
    assert_bool(args[1], true);
    args[0] = S("1");
    assert_bool(lib_ok(BOOL, "TryParse", EXPR_M_STATIC_METHOD, NULL, args, 2), false);
    assert_bool(args[1], false);
    assert_str(METHOD(BOOL, B(true), "ToString"), "True");
    assert_str(SPROP(BOOL, "FalseString"), "False");
}

Test(lib_number, constants_compare_equals)
{
    assert_int(SPROP(INT, "MaxValue"), INT32_MAX);
    assert_int(SPROP(INT, "MinValue"), INT32_MIN);
    assert_int(SPROP(LONG, "MaxValue"), INT64_MAX);
    assert_double(SPROP(DBL, "MaxValue"), DBL_MAX);
    assert_double(SPROP(DBL, "MinValue"), -DBL_MAX);
    assert_double(SPROP(DBL, "NaN"), NAN);
    assert_double(SPROP(DBL, "PositiveInfinity"), INFINITY);
    assert_bool(STATIC(DBL, "IsNaN", D(NAN)), true);
    assert_bool(STATIC(DBL, "IsNaN", D(1)), false);
    assert_bool(STATIC(DBL, "IsInfinity", D(-INFINITY)), true);
    assert_bool(STATIC(DBL, "IsPositiveInfinity", D(-INFINITY)), false);

    assert_int(METHOD(INT, I(1), "CompareTo", I(2)), -1);
    assert_int(METHOD(INT, I(2), "CompareTo", I(2)), 0);
    assert_int(METHOD(LONG, L(3), "CompareTo", I(2)), 1);
    assert_int(METHOD(DBL, D(NAN), "CompareTo", D(1)), -1);
    assert_int(METHOD(DBL, D(NAN), "CompareTo", D(NAN)), 0);
    METHOD_THROWS("System.ArgumentException", "Object must be of type Int32.", INT, I(1), "CompareTo", S("x"));

    assert_bool(METHOD(INT, I(1), "Equals", I(1)), true);
    assert_bool(METHOD(INT, I(1), "Equals", L(1)), false); /* Equals(object): another type */
    assert_bool(METHOD(LONG, L(1), "Equals", I(1)), true);
    assert_bool(METHOD(DBL, D(NAN), "Equals", D(NAN)), true);
    assert_bool(METHOD(DBL, D(2), "Equals", I(2)), true);
    assert_bool(METHOD(BOOL, B(true), "Equals", B(true)), true);
}

Test(lib_number, bytes)
{
    assert_int(PROP(&expr_class_bytes, BYTES("\x01\xFF"), "Length"), 2);
    assert_int(INDEX(&expr_class_bytes, BYTES("\x01\xFF"), I(1)), 255);
    INDEX_THROWS("System.IndexOutOfRangeException", NULL, &expr_class_bytes, BYTES("\x01"), I(1));
}

Test(lib_number, math)
{
    assert_double(STATIC(MATH, "Round", D(2.5)), 2);
    assert_double(STATIC(MATH, "Round", D(3.5)), 4);
    assert_double(STATIC(MATH, "Round", D(-2.5)), -2);
    assert_double(STATIC(MATH, "Round", D(2.5), ENUMV(1)), 3);
    assert_double(STATIC(MATH, "Round", D(-2.5), ENUMV(1)), -3);
    assert_double(STATIC(MATH, "Round", D(1.23456), I(3)), 1.235);
    assert_double(STATIC(MATH, "Round", D(1.25), I(1)), 1.2);
    assert_double(STATIC(MATH, "Round", D(1.25), I(1), ENUMV(1)), 1.3);
    assert_double(STATIC(MATH, "Round", D(2.7), I(0), ENUMV(2)), 2);
    assert_double(STATIC(MATH, "Round", D(2.1), ENUMV(4)), 3);
    assert_double(STATIC(MATH, "Round", D(-2.1), ENUMV(3)), -3);
    assert_double(STATIC(MATH, "Round", I(7)), 7);
    STATIC_THROWS("System.ArgumentOutOfRangeException", "Rounding digits must be between 0 and 15, inclusive. (Parameter 'digits')",
                  MATH, "Round", D(1), I(16));
    STATIC_THROWS("System.ArgumentException", "MidpointRounding", MATH, "Round", D(1), I(1), ENUMV(9));
    assert_int(SPROP(&expr_class_midpoint_rounding, "AwayFromZero"), 1);
    assert_int(SPROP(&expr_class_midpoint_rounding, "ToEven"), 0);

    expr_value_t r = STATIC(MATH, "Abs", I(-5));
    cr_assert_eq(r.tag, EXPR_V_INT);
    assert_int(r, 5);
    assert_double(STATIC(MATH, "Abs", D(-2.5)), 2.5);
    STATIC_THROWS("System.OverflowException", "Negating the minimum value of a twos complement number is invalid.", MATH, "Abs", I(INT32_MIN));
    r = STATIC(MATH, "Max", I(1), I(2));
    cr_assert_eq(r.tag, EXPR_V_INT);
    assert_int(r, 2);
    assert_double(STATIC(MATH, "Max", I(1), D(2.5)), 2.5);
    r = STATIC(MATH, "Max", L(3), I(1));
    cr_assert_eq(r.tag, EXPR_V_LONG);
    assert_int(STATIC(MATH, "Min", I(-1), I(2)), -1);
    assert_double(STATIC(MATH, "Max", D(NAN), D(1)), NAN);
    assert_int(STATIC(MATH, "Clamp", I(5), I(1), I(3)), 3);
    STATIC_THROWS("System.ArgumentException", "'3' cannot be greater than 1.", MATH, "Clamp", I(5), I(3), I(1));
    assert_double(STATIC(MATH, "Floor", D(-1.5)), -2);
    assert_double(STATIC(MATH, "Ceiling", D(1.2)), 2);
    assert_double(STATIC(MATH, "Truncate", D(-1.7)), -1);
    assert_double(STATIC(MATH, "Pow", I(2), I(10)), 1024);
    assert_double(STATIC(MATH, "Sqrt", D(16)), 4);
    assert_double(STATIC(MATH, "Sqrt", D(-1)), NAN);
    assert_double(STATIC(MATH, "Log", D(1)), 0);
    assert_double(STATIC(MATH, "Log", D(8), D(2)), 3);
    assert_double(STATIC(MATH, "Log", D(8), D(1)), NAN);
    assert_double(STATIC(MATH, "Log10", D(1000)), 3);
    assert_double(STATIC(MATH, "Exp", D(0)), 1);
    assert_int(STATIC(MATH, "Sign", D(-3.2)), -1);
    assert_int(STATIC(MATH, "Sign", I(0)), 0);
    STATIC_THROWS("System.ArithmeticException", "Not-a-Number", MATH, "Sign", D(NAN));
    assert_double(SPROP(MATH, "PI"), 3.14159265358979323846);
    assert_double(SPROP(MATH, "E"), 2.7182818284590452354);
    STATIC_THROWS("System.ArgumentException", NULL, MATH, "Sqrt", S("4"));
}

Test(lib_number, convert_base64_hex)
{
    assert_str(STATIC(CONV, "ToBase64String", BYTES("hello")), "aGVsbG8=");
    assert_str(STATIC(CONV, "ToBase64String", BYTES("hell")), "aGVsbA==");
    assert_str(STATIC(CONV, "ToBase64String", BYTES("")), "");
    assert_str(STATIC(CONV, "ToBase64String", BYTES("\xFB\xFF")), "+/8=");
    assert_str(STATIC(CONV, "ToBase64String", BYTES("hello"), I(1), I(3)), "ZWxs");
    STATIC_THROWS("System.ArgumentOutOfRangeException", NULL, CONV, "ToBase64String", BYTES("hello"), I(3), I(3));
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 'inArray')", CONV, "ToBase64String", NUL);
    STATIC_THROWS("System.ArgumentException", NULL, CONV, "ToBase64String", S("hello"));

    assert_bytes(STATIC(CONV, "FromBase64String", S("aGVsbG8=")), "hello", 5);
    assert_bytes(STATIC(CONV, "FromBase64String", S("aGVs\r\nbG8=")), "hello", 5);
    assert_bytes(STATIC(CONV, "FromBase64String", S("aGVsbA==")), "hell", 4);
    assert_bytes(STATIC(CONV, "FromBase64String", S("")), "", 0);
    assert_bytes(STATIC(CONV, "FromBase64String", S("+/8=")), "\xFB\xFF", 2);
    STATIC_THROWS("System.FormatException", "The input is not a valid Base-64 string", CONV, "FromBase64String", S("abc"));
    STATIC_THROWS("System.FormatException", NULL, CONV, "FromBase64String", S("a==="));
    STATIC_THROWS("System.FormatException", NULL, CONV, "FromBase64String", S("@@@@"));
    STATIC_THROWS("System.FormatException", NULL, CONV, "FromBase64String", S("aG=s"));
    STATIC_THROWS("System.FormatException", NULL, CONV, "FromBase64String", S("aGVsbG8_"));
    STATIC_THROWS("System.ArgumentNullException", NULL, CONV, "FromBase64String", NUL);

    assert_bytes(STATIC(CONV, "FromHexString", S("0aFF")), "\x0a\xff", 2);
    STATIC_THROWS("System.FormatException", "not a multiple of 2", CONV, "FromHexString", S("abc"));
    STATIC_THROWS("System.FormatException", "non-hex character", CONV, "FromHexString", S("zz"));
    assert_str(STATIC(CONV, "ToHexString", BYTES("\x0a\xff")), "0AFF");
    assert_str(STATIC(CONV, "ToHexStringLower", BYTES("\x0a\xff")), "0aff");
}

Test(lib_number, convert_scalars)
{
    assert_int(STATIC(CONV, "ToInt32", S(" 42 ")), 42);
    assert_int(STATIC(CONV, "ToInt32", D(2.5)), 2);
    assert_int(STATIC(CONV, "ToInt32", D(3.5)), 4);
    assert_int(STATIC(CONV, "ToInt32", D(-2.5)), -2);
    assert_int(STATIC(CONV, "ToInt32", B(true)), 1);
    assert_int(STATIC(CONV, "ToInt32", NUL), 0);
    assert_int(STATIC(CONV, "ToInt32", CH('A')), 65);
    assert_int(STATIC(CONV, "ToInt32", S("ff"), I(16)), 255);
    assert_int(STATIC(CONV, "ToInt32", S("0x1F"), I(16)), 31);
    assert_int(STATIC(CONV, "ToInt32", S("FFFFFFFF"), I(16)), -1);
    assert_int(STATIC(CONV, "ToInt32", S("101"), I(2)), 5);
    STATIC_THROWS("System.FormatException", NULL, CONV, "ToInt32", S("102"), I(2));
    STATIC_THROWS("System.ArgumentException", "Invalid Base.", CONV, "ToInt32", S("1"), I(3));
    STATIC_THROWS("System.OverflowException", "Value was either too large or too small for an Int32.", CONV, "ToInt32", L(3000000000LL));
    STATIC_THROWS("System.OverflowException", NULL, CONV, "ToInt32", D(3e9));
    STATIC_THROWS("System.OverflowException", NULL, CONV, "ToInt32", D(NAN));
    STATIC_THROWS("System.FormatException", "Input string was not in a correct format.", CONV, "ToInt32", S("abc"));
    STATIC_THROWS("System.InvalidCastException", NULL, CONV, "ToInt32", BYTES("x"));
    assert_int(STATIC(CONV, "ToInt64", S("9000000000")), 9000000000LL);
    cr_assert_eq(STATIC(CONV, "ToInt64", I(1)).tag, EXPR_V_LONG);
    assert_int(STATIC(CONV, "ToByte", S("255")), 255);
    STATIC_THROWS("System.OverflowException", "Value was either too large or too small for an unsigned byte.", CONV, "ToByte", I(300));

    assert_double(STATIC(CONV, "ToDouble", S("1.5")), 1.5);
    assert_double(STATIC(CONV, "ToDouble", I(3)), 3);
    assert_bool(STATIC(CONV, "ToBoolean", S("True")), true);
    assert_bool(STATIC(CONV, "ToBoolean", I(0)), false);
    assert_bool(STATIC(CONV, "ToBoolean", D(0.5)), true);
    STATIC_THROWS("System.FormatException", "was not recognized as a valid Boolean", CONV, "ToBoolean", S("x"));

    assert_str(STATIC(CONV, "ToString", I(42)), "42");
    assert_str(STATIC(CONV, "ToString", D(1.5)), "1.5");
    assert_str(STATIC(CONV, "ToString", B(false)), "False");
    assert_str(STATIC(CONV, "ToString", NUL), "");
    assert_str(STATIC(CONV, "ToString", I(255), I(16)), "ff");
    assert_str(STATIC(CONV, "ToString", I(-1), I(2)), "11111111111111111111111111111111");
    assert_str(STATIC(CONV, "ToString", I(-8), I(10)), "-8");
    STATIC_THROWS("System.ArgumentException", "Invalid Base.", CONV, "ToString", I(5), I(3));

    cr_assert_eq(STATIC(CONV, "ToChar", I(65)).u.i, 'A');
    cr_assert_eq(STATIC(CONV, "ToChar", S("\xC3\xA9")).u.i, 0xE9);
    STATIC_THROWS("System.OverflowException", "Value was either too large or too small for a character.", CONV, "ToChar", I(70000));
    STATIC_THROWS("System.FormatException", "String must be exactly one character long.", CONV, "ToChar", S("ab"));
}

Test(lib_number, bit_converter)
{
    assert_str(STATIC(BITC, "ToString", BYTES("\x01\xAB\x00")), "01-AB-00");
    assert_str(STATIC(BITC, "ToString", BYTES("")), "");
    assert_str(STATIC(BITC, "ToString", BYTES("\x01\xAB\x00"), I(1)), "AB-00");
    assert_str(STATIC(BITC, "ToString", BYTES("\x01\xAB\x00"), I(1), I(1)), "AB");
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 'value')", BITC, "ToString", NUL);
    assert_bytes(STATIC(BITC, "GetBytes", I(1)), "\x01\x00\x00\x00", 4);
    assert_bytes(STATIC(BITC, "GetBytes", L(-2)), "\xFE\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    assert_bytes(STATIC(BITC, "GetBytes", B(true)), "\x01", 1);
    assert_int(STATIC(BITC, "ToInt32", STATIC(BITC, "GetBytes", I(0x12345678)), I(0)), 0x12345678);
    assert_double(STATIC(BITC, "ToDouble", STATIC(BITC, "GetBytes", D(1.25)), I(0)), 1.25);
    STATIC_THROWS("System.ArgumentException", NULL, BITC, "ToInt32", BYTES("\x01\x02"), I(0));
    assert_bool(SPROP(BITC, "IsLittleEndian"), true);
}

Test(lib_number, encoding)
{
    expr_value_t utf8 = SPROP(ENC, "UTF8"), ascii = SPROP(ENC, "ASCII"), uni = SPROP(ENC, "Unicode");
    cr_assert_eq(utf8.tag, EXPR_V_OBJECT);
    assert_bytes(METHOD(ENC, utf8, "GetBytes", S("h\xC3\xA9llo")), "h\xC3\xA9llo", 6);
    assert_str(METHOD(ENC, utf8, "GetString", BYTES("h\xC3\xA9llo")), "h\xC3\xA9llo");
    assert_str(METHOD(ENC, utf8, "GetString", BYTES("a\xFF" "b")), "a\xEF\xBF\xBD" "b");
    assert_str(METHOD(ENC, utf8, "GetString", BYTES("\xE2\x82" "x")), "\xEF\xBF\xBD" "x"); /* one U+FFFD per maximal subpart */
    assert_str(METHOD(ENC, utf8, "GetString", BYTES("\xED\xA0\x80")), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_str(METHOD(ENC, utf8, "GetString", BYTES("hello"), I(1), I(3)), "ell");
    STATIC_THROWS("System.ArgumentNullException", NULL, ENC, "GetEncoding", NUL);
    METHOD_THROWS("System.ArgumentOutOfRangeException", NULL, ENC, utf8, "GetString", BYTES("hello"), I(4), I(3));
    METHOD_THROWS("System.ArgumentNullException", "(Parameter 'bytes')", ENC, utf8, "GetString", NUL);
    METHOD_THROWS("System.ArgumentNullException", "(Parameter 's')", ENC, utf8, "GetBytes", NUL);
    assert_int(METHOD(ENC, utf8, "GetByteCount", S("\xC3\xA9\xF0\x9F\x98\x80")), 6);
    assert_bytes(METHOD(ENC, utf8, "GetBytes", char_array("ab")), "ab", 2);

    assert_bytes(METHOD(ENC, ascii, "GetBytes", S("a\xC3\xA9")), "a?", 2);
    assert_str(METHOD(ENC, ascii, "GetString", BYTES("a\xE9")), "a?");
    assert_bytes(METHOD(ENC, uni, "GetBytes", S("A\xE2\x82\xAC")), "A\x00\xAC\x20", 4);
    assert_str(METHOD(ENC, uni, "GetString", BYTES("A\x00\xAC\x20")), "A\xE2\x82\xAC");
    assert_str(METHOD(ENC, uni, "GetString", BYTES("A\x00" "B")), "A\xEF\xBF\xBD");
    assert_bytes(METHOD(ENC, uni, "GetBytes", S("\xF0\x9F\x98\x80")), "\x3D\xD8\x00\xDE", 4);
    assert_str(METHOD(ENC, uni, "GetString", BYTES("\x3D\xD8\x00\xDE")), "\xF0\x9F\x98\x80");
    assert_bytes(METHOD(ENC, SPROP(ENC, "Latin1"), "GetBytes", S("\xC3\xA9\xE2\x82\xAC")), "\xE9?", 2);
    assert_str(METHOD(ENC, SPROP(ENC, "BigEndianUnicode"), "GetString", BYTES("\x00" "A")), "A");
    assert_str(PROP(ENC, utf8, "WebName"), "utf-8");
    assert_str(PROP(ENC, STATIC(ENC, "GetEncoding", S("US-ASCII")), "WebName"), "us-ascii");
    STATIC_THROWS("System.ArgumentException", "is not a supported encoding name", ENC, "GetEncoding", S("klingon"));
    METHOD_THROWS("System.NullReferenceException", NULL, ENC, S("x"), "GetBytes", S("x"));

    expr_value_t s;
    cr_assert_eq(expr_class_encoding.to_string(&rt, &utf8, &s), 0);
    assert_str(s, "System.Text.UTF8Encoding+UTF8EncodingSealed");
}

/* ---- through expr_compile / expr_run ---- */

Test(lib_number, expressions)
{
    EXPECT("@(int.Parse(\"42\") + 1)", "43");
    EXPECT("@(long.Parse(\"-9000000000\"))", "-9000000000");
    EXPECT("@(double.Parse(\"1.5\") * 2)", "3");
    EXPECT("@(bool.Parse(\"true\"))", "True");
    EXPECT("@{ int n; return int.TryParse(\"12\", out n) ? n * 2 : -1; }", "24");
    EXPECT("@(int.TryParse(\"x\", out var n) ? n : -1)", "-1");
    EXPECT("@(double.TryParse(\"2.5\", out double d) ? d : 0)", "2.5");
    EXPECT("@(int.MaxValue)", "2147483647");
    EXPECT("@(42.ToString(\"D5\"))", "00042");
    EXPECT("@((3.14159).ToString(\"0.00\"))", "3.14");
    EXPECT("@((1234567.891).ToString(\"N2\"))", "1,234,567.89");
    EXPECT("@(255.ToString(\"X2\"))", "FF");
    EXPECT("@((0.5).ToString(\"P0\"))", "50 %");
    EXPECT("@(double.IsNaN(double.NaN))", "True");
    EXPECT("@(1.CompareTo(2))", "-1");
    EXPECT("@(Math.Round(2.5))", "2");
    EXPECT("@(Math.Round(2.5, MidpointRounding.AwayFromZero))", "3");
    EXPECT("@(Math.Round(1.23456, 2))", "1.23");
    EXPECT("@(Math.Max(3, 7))", "7");
    EXPECT("@(Math.Min(3L, 7L))", "3");
    EXPECT("@(Math.Abs(-4))", "4");
    EXPECT("@(Math.Pow(2, 8))", "256");
    EXPECT("@(Math.Sqrt(2))", "1.4142135623730951");
    EXPECT("@(Math.Floor(-1.5))", "-2");
    EXPECT("@(Math.PI)", "3.141592653589793");
    EXPECT("@(Convert.ToBase64String(Encoding.UTF8.GetBytes(\"user:pass\")))", "dXNlcjpwYXNz");
    EXPECT("@(Encoding.UTF8.GetString(Convert.FromBase64String(\"dXNlcjpwYXNz\")))", "user:pass");
    EXPECT("@(System.Text.Encoding.ASCII.GetBytes(\"abc\").Length)", "3");
    EXPECT("@(Encoding.Unicode.GetBytes(\"abc\").Length)", "6");
    EXPECT("@(Convert.ToInt32(\"17\"))", "17");
    EXPECT("@(Convert.ToInt32(2.5))", "2");
    EXPECT("@(Convert.ToString(1.5))", "1.5");
    EXPECT("@(Convert.ToHexString(Convert.FromHexString(\"0aff\")))", "0AFF");
    EXPECT("@(BitConverter.ToString(Encoding.UTF8.GetBytes(\"AB\")))", "41-42");
    EXPECT("@(BitConverter.ToString(Encoding.UTF8.GetBytes(\"AB\")).Replace(\"-\", \"\").ToLower())", "4142");
    EXPECT("@(Encoding.UTF8.GetBytes(\"A\")[0])", "65");
    EXPECT("@(Convert.FromBase64String(\"abc\"))", "!System.FormatException: The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.");
    EXPECT("@(int.Parse(\"x\"))", "!System.FormatException: Input string was not in a correct format.");
    EXPECT("@(int.Parse(\"99999999999\"))", "!System.OverflowException: Value was either too large or too small for an Int32.");
    EXPECT("@(string.Format(\"{0:N1}|{1:0.0}\", 1234.56, 2))", "1,234.6|2.0");
    /* IFormatProvider arguments are accepted and ignored (everything is invariant) */
    EXPECT("@(int.Parse(\"42\", CultureInfo.InvariantCulture))", "42");
    EXPECT("@(double.Parse(\"1.5\", System.Globalization.CultureInfo.InvariantCulture))", "1.5");
    EXPECT("@(string.Format(CultureInfo.InvariantCulture, \"{0:N1}\", 1234.5))", "1,234.5");
    EXPECT("@(Convert.ToInt32(\"7\", CultureInfo.InvariantCulture))", "7");
    EXPECT("@(Convert.ToDouble(\"2.5\", CultureInfo.InvariantCulture))", "2.5");
    EXPECT("@((1.5).ToString(\"F3\", CultureInfo.InvariantCulture))", "1.500");
    EXPECT("@((1.5).ToString(CultureInfo.InvariantCulture))", "1.5");
    EXPECT("@(int.Parse(\"1\", 5))", "!System.ArgumentException: Only an IFormatProvider (CultureInfo) is supported as the second argument of Parse.");
    EXPECT("@(Math.Max(1, 2.5) + 0.5)", "3");
    EXPECT("@($\"{1234.5:N1} {42:D4} {0.25:P0}\")", "1,234.5 0042 25 %");
}
