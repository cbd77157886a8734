#include "base/slice.h"

static inline unsigned char lower_ascii(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool slice_eq_nocase(slice_t a, slice_t b)
{
    if (a.len != b.len) return false;
    for (size_t i = 0; i < a.len; i++) {
        unsigned char x = (unsigned char)a.ptr[i], y = (unsigned char)b.ptr[i];
        if (x != y && lower_ascii(x) != lower_ascii(y)) return false;
    }
    return true;
}


bool slice_starts_with_nocase(slice_t s, slice_t prefix)
{
    if (s.len < prefix.len) return false;
    return slice_eq_nocase(slice_make(s.ptr, prefix.len), prefix);
}

slice_t slice_trim_ows(slice_t s)
{
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

bool slice_to_u64(slice_t s, unsigned long long *out)
{
    if (s.len == 0) return false;
    unsigned long long v = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c < '0' || c > '9') return false;
        unsigned d = c - '0';
        if (v > (~0ULL - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}
