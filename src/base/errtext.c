/* errtext: see errtext.h. */
#include "base/errtext.h"

#include <stdarg.h>
#include <stdio.h>

void errtext_set(char *out, size_t size, const char *fmt, ...)
{
    if (!out || size == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}
