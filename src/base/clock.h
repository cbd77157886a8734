/* clock: monotonic and wall-clock time in milliseconds, and ISO 8601 formatting. */
#ifndef MERIDIAN_BASE_CLOCK_H
#define MERIDIAN_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

uint64_t clock_mono_ns(void);
uint64_t clock_mono_ms(void);
/* Milliseconds since the Unix epoch. */
uint64_t clock_wall_ms(void);
/* "2026-11-26T22:37:15.123Z" into out (at least 25 bytes). */
void clock_format_iso8601(uint64_t wall_ms, char *out, size_t size);
/* IMF-fixdate (RFC 9110 §5.6.7) into out (at least 30 bytes). */
void clock_format_http_date(uint64_t wall_ms, char *out, size_t size);

#endif
