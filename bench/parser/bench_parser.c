/* Parser throughput check (not a test): parses a typical ~300-byte browser GET head many
 * times and prints ns per request. Build and run:
 *   gcc -std=c17 -O2 -D_GNU_SOURCE -Isrc bench/parser/bench_parser.c src/http/parser.c \
 *       src/http/chunked.c src/base/slice.c -o /tmp/bench_parser && /tmp/bench_parser */
#include "http/parser.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char request[] =
    "GET /api/v1/orders/12345?expand=items&sort=desc HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    "Accept: application/json, text/plain, */*\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef\r\n"
    "\r\n";

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(void)
{
    static http_request_t req;
    const size_t len = sizeof request - 1;
    const long rounds = 5000000;
    long sink = 0;
    for (long i = 0; i < 100000; i++) sink += http_parse_request(request, len, NULL, &req);
    double best = 1e18;
    for (int trial = 0; trial < 5; trial++) {
        double t0 = now_ns();
        for (long i = 0; i < rounds; i++) {
            __asm__ volatile("" ::: "memory");
            sink += http_parse_request(request, len, NULL, &req);
        }
        double ns = (now_ns() - t0) / (double)rounds;
        if (ns < best) best = ns;
    }
    printf("request head %zu bytes, %zu fields: %.1f ns/request (%.2f GB/s) [%ld]\n", len,
           req.header_count, best, (double)len / best, sink);
    return 0;
}
