/* lib_net / lib_net_web: Uri, UriKind, UriPartial, WebUtility. */
#include "expr/lib_net.h"
#include "lib_test_util.h"

#define URI &expr_class_uri
#define WEB &expr_class_web_utility

TestSuite(lib_net, .init = lib_setup, .fini = lib_teardown);

static expr_value_t uri(const char *text)
{
    expr_value_t arg = expr_str_ref(text, strlen(text));
    return lib_ok(URI, ".ctor", EXPR_M_CONSTRUCTOR, NULL, &arg, 1);
}

static void prop_is(expr_value_t u, const char *name, const char *want)
{
    assert_str(lib_ok(URI, name, EXPR_M_PROPERTY, &u, NULL, 0), want);
}

Test(lib_net, canonical_parts)
{
    expr_value_t u = uri("HTTP://Example.COM:80/a/../b/./c?x=1 2#frag");
    prop_is(u, "AbsoluteUri", "http://example.com/b/c?x=1%202#frag");
    prop_is(u, "Scheme", "http");
    prop_is(u, "Host", "example.com");
    assert_int(PROP(URI, u, "Port"), 80);
    assert_bool(PROP(URI, u, "IsDefaultPort"), true);
    prop_is(u, "AbsolutePath", "/b/c");
    prop_is(u, "PathAndQuery", "/b/c?x=1%202");
    prop_is(u, "Query", "?x=1%202");
    prop_is(u, "Fragment", "#frag");
    prop_is(u, "Authority", "example.com");
    prop_is(u, "OriginalString", "HTTP://Example.COM:80/a/../b/./c?x=1 2#frag");
    assert_strings(PROP(URI, u, "Segments"), "/|b/|c");
    assert_bool(PROP(URI, u, "IsAbsoluteUri"), true);
    assert_str(METHOD(URI, u, "ToString"), "http://example.com/b/c?x=1 2#frag");

    u = uri("https://api.contoso.com:8443/v1/items?id=5");
    assert_int(PROP(URI, u, "Port"), 8443);
    prop_is(u, "Authority", "api.contoso.com:8443");
    prop_is(u, "AbsoluteUri", "https://api.contoso.com:8443/v1/items?id=5");
    assert_str(METHOD(URI, u, "GetLeftPart", ENUMV(0)), "https://");
    assert_str(METHOD(URI, u, "GetLeftPart", ENUMV(1)), "https://api.contoso.com:8443");
    assert_str(METHOD(URI, u, "GetLeftPart", ENUMV(2)), "https://api.contoso.com:8443/v1/items");
    assert_str(METHOD(URI, u, "GetLeftPart", ENUMV(3)), "https://api.contoso.com:8443/v1/items?id=5");
    METHOD_THROWS("System.ArgumentException", "(Parameter 'part')", URI, u, "GetLeftPart", I(7));

    u = uri("http://host");
    prop_is(u, "AbsoluteUri", "http://host/");
    prop_is(u, "AbsolutePath", "/");
    prop_is(u, "Query", "");
    assert_strings(PROP(URI, u, "Segments"), "/");
    assert_int(PROP(URI, uri("https://h/"), "Port"), 443);
    assert_int(PROP(URI, uri("ftp://h/"), "Port"), 21);
    assert_int(PROP(URI, uri("foo://h/"), "Port"), -1);

    u = uri("http://host/caf\xC3\xA9 x");
    prop_is(u, "AbsolutePath", "/caf%C3%A9%20x");
    prop_is(u, "LocalPath", "/caf\xC3\xA9 x");
    assert_str(METHOD(URI, u, "ToString"), "http://host/caf\xC3\xA9 x");
    prop_is(uri("http://host/a%2Fb"), "AbsolutePath", "/a%2Fb");
    assert_str(METHOD(URI, uri("http://host/a%2Fb%20c"), "ToString"), "http://host/a%2Fb c");
    prop_is(uri("http://host\\a\\b"), "AbsolutePath", "/a/b");
    prop_is(uri("  http://h/x  "), "AbsoluteUri", "http://h/x");

    u = uri("http://[::1]:8080/");
    prop_is(u, "Host", "[::1]");
    prop_is(u, "DnsSafeHost", "::1");
    assert_int(PROP(URI, u, "Port"), 8080);
    assert_bool(PROP(URI, u, "IsLoopback"), true);
    u = uri("https://user:pw@Host/p");
    prop_is(u, "UserInfo", "user:pw");
    prop_is(u, "AbsoluteUri", "https://user:pw@host/p");
    prop_is(u, "Authority", "host");

    prop_is(uri("mailto:someone@example.com"), "AbsoluteUri", "mailto:someone@example.com");
    prop_is(uri("urn:isbn:0451450523"), "Scheme", "urn");
    prop_is(uri("urn:isbn:0451450523"), "AbsoluteUri", "urn:isbn:0451450523");
}

Test(lib_net, errors_and_relative)
{
    NEW_THROWS("System.UriFormatException", "Invalid URI: The format of the URI could not be determined.", URI, S("relative/path"));
    NEW_THROWS("System.UriFormatException", "Invalid URI: The URI is empty.", URI, S(""));
    NEW_THROWS("System.UriFormatException", "Invalid URI: Invalid port specified.", URI, S("http://host:99999/"));
    NEW_THROWS("System.UriFormatException", "Invalid URI: Invalid port specified.", URI, S("http://host:8x/"));
    NEW_THROWS("System.UriFormatException", "Invalid URI: The hostname could not be parsed.", URI, S("http://"));
    NEW_THROWS("System.UriFormatException", "Invalid URI: The hostname could not be parsed.", URI, S("http://a b/"));
    NEW_THROWS("System.UriFormatException", NULL, URI, S("http:/x"));
    NEW_THROWS("System.ArgumentNullException", "(Parameter 'uriString')", URI, NUL);
    NEW_THROWS("System.UriFormatException", NULL, URI, S("http://x/"), ENUMV(2));

    expr_value_t r = NEW(URI, S("/path?q"), ENUMV(2));
    assert_bool(PROP(URI, r, "IsAbsoluteUri"), false);
    prop_is(r, "OriginalString", "/path?q");
    assert_str(METHOD(URI, r, "ToString"), "/path?q");
    lib_throws("System.InvalidOperationException", "This operation is not supported for a relative URI.", URI, "Host",
               EXPR_M_PROPERTY, &r, NULL, 0);
    r = NEW(URI, S("x/y"), ENUMV(0));
    assert_bool(PROP(URI, r, "IsAbsoluteUri"), false);
    r = NEW(URI, S("http://x/y"), ENUMV(0));
    assert_bool(PROP(URI, r, "IsAbsoluteUri"), true);
}

Test(lib_net, resolve_rfc3986_examples)
{
    expr_value_t base = uri("http://a/b/c/d;p?q");
    static const char *const cases[][2] = {
        {"g", "http://a/b/c/g"},       {"./g", "http://a/b/c/g"},   {"g/", "http://a/b/c/g/"},
        {"/g", "http://a/g"},          {"//g", "http://g/"},        {"?y", "http://a/b/c/d;p?y"},
        {"g?y", "http://a/b/c/g?y"},   {"#s", "http://a/b/c/d;p?q#s"}, {"..", "http://a/b/"},
        {"../g", "http://a/b/g"},      {"../../g", "http://a/g"},   {"../../../g", "http://a/g"},
        {"", "http://a/b/c/d;p?q"},    {"https://other/x", "https://other/x"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        expr_value_t args[2] = {base, expr_str_ref(cases[k][0], strlen(cases[k][0]))};
        expr_value_t u = lib_ok(URI, ".ctor", EXPR_M_CONSTRUCTOR, NULL, args, 2);
        expr_value_t s = lib_ok(URI, "AbsoluteUri", EXPR_M_PROPERTY, &u, NULL, 0);
        cr_assert(s.u.s.len == strlen(cases[k][1]) && !memcmp(s.u.s.ptr, cases[k][1], s.u.s.len),
                  "%s: got %.*s, wanted %s", cases[k][0], (int)s.u.s.len, s.u.s.ptr, cases[k][1]);
    }
    NEW_THROWS("System.ArgumentOutOfRangeException", NULL, URI, NEW(URI, S("a"), ENUMV(2)), S("b"));
}

Test(lib_net, statics)
{
    expr_value_t args[3] = {S("http://x/a"), ENUMV(1), NUL};
    assert_bool(lib_ok(URI, "TryCreate", EXPR_M_STATIC_METHOD, NULL, args, 3), true);
    cr_assert_eq(args[2].tag, EXPR_V_OBJECT);
    prop_is(args[2], "AbsoluteUri", "http://x/a");
    args[0] = S("nope");
    assert_bool(lib_ok(URI, "TryCreate", EXPR_M_STATIC_METHOD, NULL, args, 3), false);
    cr_assert_eq(args[2].tag, EXPR_V_NULL);
    args[0] = S("http://x:99999/");
    assert_bool(lib_ok(URI, "TryCreate", EXPR_M_STATIC_METHOD, NULL, args, 3), false);
    args[0] = uri("http://h/a/b");
    args[1] = S("c");
    assert_bool(lib_ok(URI, "TryCreate", EXPR_M_STATIC_METHOD, NULL, args, 3), true);
    prop_is(args[2], "AbsoluteUri", "http://h/a/c");

    assert_bool(STATIC(URI, "IsWellFormedUriString", S("http://x/a"), ENUMV(1)), true);
    assert_bool(STATIC(URI, "IsWellFormedUriString", S("http://x/a b"), ENUMV(1)), false);
    assert_bool(STATIC(URI, "IsWellFormedUriString", S("a/b"), ENUMV(1)), false);
    assert_bool(STATIC(URI, "IsWellFormedUriString", S("a/b"), ENUMV(2)), true);

    assert_str(STATIC(URI, "EscapeDataString", S("a b&c=d/\xC3\xA9~")), "a%20b%26c%3Dd%2F%C3%A9~");
    assert_str(STATIC(URI, "UnescapeDataString", S("a%20b%26c%3Dd%2F%C3%A9")), "a b&c=d/\xC3\xA9");
    assert_str(STATIC(URI, "UnescapeDataString", S("%ZZ%41%")), "%ZZA%");
    assert_str(STATIC(URI, "UnescapeDataString", S("%C3x")), "%C3x");
    assert_str(STATIC(URI, "UnescapeDataString", S("a+b")), "a+b");
    assert_str(STATIC(URI, "EscapeUriString", S("http://x/a b?q=1&r=%")), "http://x/a%20b?q=1&r=%25");
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 'stringToEscape')", URI, "EscapeDataString", NUL);
    STATIC_THROWS("System.ArgumentNullException", "(Parameter 'stringToUnescape')", URI, "UnescapeDataString", NUL);
    assert_str(SPROP(URI, "UriSchemeHttps"), "https");
    assert_int(SPROP(&expr_class_uri_kind, "Relative"), 2);
    assert_int(SPROP(&expr_class_uri_partial, "Path"), 2);
}

Test(lib_net, equality_and_to_string)
{
    expr_value_t a = uri("http://A/b#x"), b = uri("http://a/b#y"), c = uri("http://a/c");
    cr_assert(expr_class_uri.equals(&a, &b));
    cr_assert(!expr_class_uri.equals(&a, &c));
    assert_bool(METHOD(URI, a, "Equals", b), true);
    assert_bool(METHOD(URI, a, "Equals", S("http://a/b")), false);
    expr_value_t s;
    cr_assert_eq(expr_class_uri.to_string(&rt, &c, &s), 0);
    assert_str(s, "http://a/c");
}

Test(lib_net, web_utility)
{
    assert_str(STATIC(WEB, "UrlEncode", S("a b&c=\xC3\xA9!*()~")), "a+b%26c%3D%C3%A9!*()%7E");
    cr_assert_eq(STATIC(WEB, "UrlEncode", NUL).tag, EXPR_V_NULL);
    assert_str(STATIC(WEB, "UrlDecode", S("a+b%26c%3D%C3%A9")), "a b&c=\xC3\xA9");
    assert_str(STATIC(WEB, "UrlDecode", S("%zz%")), "%zz%");
    assert_str(STATIC(WEB, "UrlDecode", S("%FFx")), "\xEF\xBF\xBDx");
    cr_assert_eq(STATIC(WEB, "UrlDecode", NUL).tag, EXPR_V_NULL);

    assert_str(STATIC(WEB, "HtmlEncode", S("<a href=\"x\">'&'</a> \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80")),
               "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; &#233;\xE2\x82\xAC&#128512;");
    assert_str(STATIC(WEB, "HtmlDecode", S("&lt;b&gt; &amp;amp; &#65;&#x42; &eacute; &euro; &nosuch; & &#xZZ;")),
               "<b> &amp; AB \xC3\xA9 \xE2\x82\xAC &nosuch; & &#xZZ;");
    assert_str(STATIC(WEB, "HtmlDecode", S("&quot;&apos;&nbsp;")), "\"'\xC2\xA0");
    cr_assert_eq(STATIC(WEB, "HtmlDecode", NUL).tag, EXPR_V_NULL);
    STATIC_THROWS("System.ArgumentException", NULL, WEB, "HtmlEncode", I(1));
}

Test(lib_net, expressions)
{
    EXPECT("@(new Uri(\"https://api.contoso.com/v1/items?id=5\").Host)", "api.contoso.com");
    EXPECT("@(new Uri(\"https://api.contoso.com/v1/items?id=5\").PathAndQuery)", "/v1/items?id=5");
    EXPECT("@(new Uri(\"http://x/a/b\").Segments.Length)", "3");
    EXPECT("@(new Uri(\"http://x/a/b\").Segments[1])", "a/");
    EXPECT("@(new Uri(\"HTTP://X:80/\").AbsoluteUri)", "http://x/");
    EXPECT("@(new Uri(new Uri(\"http://h/a/b\"), \"../c\").AbsoluteUri)", "http://h/c");
    EXPECT("@(new Uri(\"http://h:8080/p?q\").GetLeftPart(UriPartial.Authority))", "http://h:8080");
    EXPECT("@(new Uri(\"/x\", UriKind.Relative).IsAbsoluteUri)", "False");
    EXPECT("@(new Uri(\"http://h/a b\").ToString())", "http://h/a b");
    EXPECT("@(new Uri(\"http://h/a b\"))", "http://h/a b");
    EXPECT("@(Uri.TryCreate(\"http://h/x\", UriKind.Absolute, out var u) ? u.Host : \"none\")", "h");
    EXPECT("@(Uri.TryCreate(\"nope\", UriKind.Absolute, out Uri u) ? \"yes\" : \"no\")", "no");
    EXPECT("@(Uri.EscapeDataString(\"a b/c\"))", "a%20b%2Fc");
    EXPECT("@(Uri.UnescapeDataString(\"a%20b\"))", "a b");
    EXPECT("@(System.Net.WebUtility.UrlEncode(\"a b&c\"))", "a+b%26c");
    EXPECT("@(WebUtility.UrlDecode(\"a+b%26c\"))", "a b&c");
    EXPECT("@(WebUtility.HtmlEncode(\"<x>\"))", "&lt;x&gt;");
    EXPECT("@(WebUtility.HtmlDecode(\"&lt;x&gt;\"))", "<x>");
    EXPECT("@(new Uri(\"nope\").Host)", "!System.UriFormatException: Invalid URI: The format of the URI could not be determined.");
    EXPECT("@(new Uri(\"http://a/b#x\") == new Uri(\"http://a/b\"))", "True");
}
