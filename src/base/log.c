#include "base/log.h"

#include "base/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static log_level_t current_level = LOG_INFO;
static char current_prefix[96] = "meridian";

void log_set_level(log_level_t level)
{
    current_level = level;
}

void log_set_prefix(const char *prefix)
{
    snprintf(current_prefix, sizeof current_prefix, "%s", prefix);
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < current_level) return;
    char when[40];
    clock_format_iso8601(clock_wall_ms(), when, sizeof when);
    char line[2048];
    int n = snprintf(line, sizeof line, "%s %s %s: ", when, names[level], current_prefix);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One fputs per line so lines from several units sharing stderr do not interleave. */
    size_t len = strlen(line);
    if (len + 1 < sizeof line) {
        line[len] = '\n';
        line[len + 1] = '\0';
    }
    fputs(line, stderr);
}
