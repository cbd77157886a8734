/* http_hop: the fields a proxy does not forward (RFC 9110 §7.6.1). */
#include "http/hop.h"

#include <criterion/criterion.h>

static http_header_t hdr(const char *name, const char *value)
{
    return (http_header_t){slice_from_cstr(name), slice_from_cstr(value)};
}

Test(hop, fixed_and_framing_fields_in_any_case)
{
    http_connection_tokens_t none = {.count = 0};
    const char *dropped[] = {"Connection", "keep-alive", "Proxy-Connection", "TE", "Trailer",
                             "UPGRADE", "Transfer-Encoding", "content-length"};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
        cr_assert(http_is_hop_by_hop(slice_from_cstr(dropped[i]), &none), "%s", dropped[i]);
    const char *kept[] = {"Host", "Content-Type", "X-Te", "Tes", "Connections", "Keep-Alive2"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        cr_assert(!http_is_hop_by_hop(slice_from_cstr(kept[i]), &none), "%s", kept[i]);
}

Test(hop, fields_listed_in_connection_are_dropped)
{
    http_header_t h[] = {hdr("Host", "a"), hdr("Connection", " X-Secret , close,,x-other "),
                         hdr("connection", "X-Third")};
    http_connection_tokens_t listed;
    http_collect_connection_tokens(h, 3, &listed);
    cr_assert_eq(listed.count, 4);
    cr_assert(http_is_hop_by_hop(slice_from_cstr("x-secret"), &listed));
    cr_assert(http_is_hop_by_hop(slice_from_cstr("X-Other"), &listed));
    cr_assert(http_is_hop_by_hop(slice_from_cstr("X-THIRD"), &listed));
    cr_assert(!http_is_hop_by_hop(slice_from_cstr("X-Public"), &listed));
}

Test(hop, at_most_sixteen_tokens_are_kept)
{
    http_header_t h[] = {hdr("Connection", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r")};
    http_connection_tokens_t listed;
    http_collect_connection_tokens(h, 1, &listed);
    cr_assert_eq(listed.count, HTTP_MAX_CONNECTION_TOKENS);
}

Test(hop, framing_field_names_spelt_with_underscores_are_dropped)
{
    http_connection_tokens_t none = {.count = 0};
    const char *dropped[] = {"Content_Length", "content_length", "CONTENT-LENGTH",
                             "Transfer_Encoding", "transfer-encoding", "Transfer_encoding"};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
        cr_assert(http_is_hop_by_hop(slice_from_cstr(dropped[i]), &none), "%s", dropped[i]);
    const char *kept[] = {"Content_Lengthx", "Content_Type", "X_Content_Length", "Content_Lengtg",
                          "Transfer_Encodin", "Content-Lengt_"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        cr_assert(!http_is_hop_by_hop(slice_from_cstr(kept[i]), &none), "%s", kept[i]);
}
