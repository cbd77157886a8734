/* Cookie lookup: see cookie.h. */
#include "http/cookie.h"

#include <string.h>

bool http_cookie_value(slice_t header, const char *name, char *out, size_t size)
{
    if (size) out[0] = '\0';
    size_t nlen = strlen(name);
    const char *p = header.ptr, *end = header.ptr + header.len;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ';')) p++;
        const char *item = p;
        while (p < end && *p != ';') p++;
        size_t len = (size_t)(p - item);
        if (len <= nlen || memcmp(item, name, nlen) != 0 || item[nlen] != '=') continue;
        size_t vlen = len - nlen - 1;
        while (vlen && item[nlen + vlen] == ' ') vlen--;
        if (vlen == 0 || vlen >= size) return false;
        memcpy(out, item + nlen + 1, vlen);
        out[vlen] = '\0';
        return true;
    }
    return false;
}
