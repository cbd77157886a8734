/* http_addr: "host:port" / "[v6]:port" text to a socket address. */
#ifndef MERIDIAN_HTTP_ADDR_H
#define MERIDIAN_HTTP_ADDR_H

#include <sys/socket.h>

/* Parses a numeric address with port ("127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80").
 * Returns 0 or a negative libuv error (UV_EINVAL). Host names are not resolved here. */
int http_addr_parse(const char *text, struct sockaddr_storage *out);
/* Writes the numeric host of `sa` into out ("127.0.0.1", "::1"). */
void http_addr_host(const struct sockaddr *sa, char *out, size_t size);
/* The port of `sa` in host order. */
int http_addr_port(const struct sockaddr *sa);

#endif
