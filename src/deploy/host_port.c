#include "deploy/host_port.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE_TIMEOUT_MS 200

int host_port_parse(const char *text, host_port_t *out, const char **err)
{
    memset(out, 0, sizeof *out);
    const char *colon = text ? strrchr(text, ':') : NULL;
    if (!colon) {
        *err = "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080";
        return -EINVAL;
    }
    const char *host = text;
    size_t host_len = (size_t)(colon - text);
    if (host_len > 0 && host[0] == '[') {
        if (host_len < 3 || colon[-1] != ']') {
            *err = "an IPv6 address must be written [ADDRESS]:PORT";
            return -EINVAL;
        }
        host++;
        host_len -= 2;
        out->is_ipv6 = true;
    } else if (memchr(host, ':', host_len)) {
        *err = "an IPv6 address must be written [ADDRESS]:PORT";
        return -EINVAL;
    }
    if (host_len == 0 || host_len >= sizeof out->host) {
        *err = "the host must be an IP address, e.g. 127.0.0.1 or [::1]";
        return -EINVAL;
    }
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';
    unsigned char addr[sizeof(struct in6_addr)];
    if (inet_pton(out->is_ipv6 ? AF_INET6 : AF_INET, out->host, addr) != 1) {
        *err = out->is_ipv6 ? "not a valid IPv6 address"
                            : "the host must be an IP address, e.g. 127.0.0.1 or [::1]";
        return -EINVAL;
    }
    const char *digits = colon + 1;
    size_t ndigits = strlen(digits);
    if (ndigits == 0 || ndigits > 5 || strspn(digits, "0123456789") != ndigits) {
        *err = "the port must be a number from 0 to 65535";
        return -EINVAL;
    }
    unsigned long port = 0;
    for (const char *p = digits; *p; p++)
        port = port * 10 + (unsigned long)(*p - '0');
    if (port > 65535) {
        *err = "the port must be a number from 0 to 65535";
        return -EINVAL;
    }
    out->port = (uint16_t)port;
    return 0;
}

int host_port_format(const host_port_t *hp, uint16_t port, char *out, size_t size)
{
    if (hp->is_ipv6) return snprintf(out, size, "[%s]:%u", hp->host, (unsigned)port);
    return snprintf(out, size, "%s:%u", hp->host, (unsigned)port);
}

bool host_port_is_accepting(const host_port_t *hp, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (hp->is_ipv6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        if (inet_pton(AF_INET6, hp->host, &a->sin6_addr) != 1) return false;
        if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr)) a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        if (inet_pton(AF_INET, hp->host, &a->sin_addr) != 1) return false;
        if (a->sin_addr.s_addr == htonl(INADDR_ANY)) a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool is_accepting = false;
    if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
        is_accepting = true;
    } else if (errno == EINPROGRESS) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t soerr_len = sizeof soerr;
        if (poll(&pfd, 1, PROBE_TIMEOUT_MS) == 1 &&
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) == 0 && soerr == 0)
            is_accepting = true;
    }
    close(fd);
    return is_accepting;
}
