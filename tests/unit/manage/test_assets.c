/* The embedded web files (manage/assets.h). */
#include "manage/assets.h"

#include <criterion/criterion.h>
#include <string.h>

Test(assets, the_portal_page_and_shared_files_are_embedded)
{
    const manage_asset_t *a = manage_asset_find("portal/index.html", 17);
    cr_assert_not_null(a);
    cr_assert_str_eq(a->path, "portal/index.html");
    cr_assert(a->len > 100);
    cr_assert_eq(a->data[a->len], 0);
    cr_assert_not_null(strstr((const char *)a->data, "/web/common/app.js"));
    cr_assert_eq(a->etag[0], '"');
    cr_assert_eq(a->etag[strlen(a->etag) - 1], '"');
    cr_assert_not_null(manage_asset_find("common/base.css", 15));
    cr_assert_not_null(manage_asset_find("common/app.js", 13));
}

Test(assets, lookups_are_exact)
{
    cr_assert_null(manage_asset_find("portal/index.htm", 16));
    cr_assert_null(manage_asset_find("portal/index.html.", 18));
    cr_assert_null(manage_asset_find("portal", 6));
    cr_assert_null(manage_asset_find("", 0));
    cr_assert_null(manage_asset_find("../etc/passwd", 13));
    /* The length given wins over a longer string. */
    cr_assert_not_null(manage_asset_find("common/app.jsX", 13));
}

Test(assets, content_types)
{
    cr_assert_str_eq(manage_asset_content_type("a/index.html"), "text/html; charset=utf-8");
    cr_assert_str_eq(manage_asset_content_type("a.css"), "text/css; charset=utf-8");
    cr_assert_str_eq(manage_asset_content_type("a.js"), "text/javascript; charset=utf-8");
    cr_assert_str_eq(manage_asset_content_type("i.svg"), "image/svg+xml");
    cr_assert_str_eq(manage_asset_content_type("x.bin"), "application/octet-stream");
    cr_assert_str_eq(manage_asset_content_type("js"), "application/octet-stream");
}

Test(assets, security_headers_forbid_inline_script)
{
    bool has_csp = false;
    for (size_t i = 0; i < manage_web_header_count; i++) {
        const http_header_t *h = &manage_web_headers[i];
        if (h->name.len == 23 && memcmp(h->name.ptr, "Content-Security-Policy", 23) == 0) {
            has_csp = true;
            cr_assert_not_null(memmem(h->value.ptr, h->value.len, "script-src 'self'", 17));
            cr_assert_null(memmem(h->value.ptr, h->value.len, "unsafe-inline", 13));
            cr_assert_not_null(memmem(h->value.ptr, h->value.len, "frame-ancestors 'none'", 22));
        }
    }
    cr_assert(has_csp);
}
