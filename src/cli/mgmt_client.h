/* mgmt_client: a small blocking HTTP/1.1 client for the management REST API
 * (docs/manage-api.md, the contract in issue 4): one TCP connection per request
 * (`Connection: close`), a timeout on connect and on every read and write, JSON bodies
 * through jansson, and the SharedAccessSignature or bearer token the server asks for.
 *
 * Paths given to the request functions are relative to the service,
 * `{svc}` = /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/
 * service/{name}: "" is the service itself, "/apis/echo" an API. `?api-version=` is
 * appended by the client.
 *
 * Only plain http:// endpoints are spoken; the management listener is meant to be bound to
 * loopback or put behind a TLS-terminating proxy. */
#ifndef MERIDIAN_CLI_MGMT_CLIENT_H
#define MERIDIAN_CLI_MGMT_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MGMT_API_VERSION "2022-08-01"
#define MGMT_DEFAULT_ENDPOINT "http://127.0.0.1:8070"
#define MGMT_DEFAULT_SERVICE "meridian"
#define MGMT_DEFAULT_SUBSCRIPTION "00000000-0000-0000-0000-000000000000"
#define MGMT_DEFAULT_RESOURCE_GROUP "meridian"
/* The SAS token lives about an hour: long enough for a large apply, short enough that a
 * token copied out of a process listing soon stops working. */
#define MGMT_SAS_LIFETIME_SECONDS 3600

/* Error codes (negative, STYLE.md §5). */
enum {
    MGMT_ERR_CONNECT = -1,  /* cannot resolve or connect */
    MGMT_ERR_IO = -2,       /* the connection failed or timed out mid-exchange */
    MGMT_ERR_PROTOCOL = -3, /* the answer is not HTTP/1.x we can read */
    MGMT_ERR_NOMEM = -4,
};

typedef struct {
    char *host;        /* as written in the URL, brackets removed for IPv6 */
    char *port;        /* decimal, "80" when the URL has none */
    char *base_path;   /* URL path prefix without a trailing '/', "" when none */
    char *host_header; /* the Host field: host[:port] as written */
    char *svc_path;    /* /subscriptions/.../service/{name} */
    char *auth_header; /* value of Authorization */
    int timeout_ms;
    struct http_tls_ctx *tls_ctx; /* https:// endpoints: CAs and client certificate */
} mgmt_client_t;

typedef struct {
    int status;         /* HTTP status code */
    char *etag;         /* ETag field as sent (quotes included), NULL when absent */
    long long revision; /* X-Meridian-Revision, -1 when absent */
    char *body;         /* NUL-terminated, possibly empty */
    size_t body_len;
    json_t *json; /* the body parsed as JSON, NULL when empty or not JSON */
} mgmt_response_t;

typedef struct {
    const char *endpoint;        /* http://host:port[/prefix] */
    const char *subscription_id; /* NULL = default */
    const char *resource_group;  /* NULL = default */
    const char *service;         /* NULL = default */
    const char *auth_header;     /* full Authorization value, copied */
    int timeout_ms;              /* 0 = 30 s */
    /* https:// endpoints (docs/tls.md): CAs the server's certificate is checked against
     * (NULL = the system's store), and a client certificate + key for a management plane
     * that asks for one (manage --tls-client-ca); both or neither. */
    const char *ca_file;
    const char *tls_client_cert;
    const char *tls_client_key;
} mgmt_client_options_t;

/* Sets up a client (no connection is made yet). Returns 0, or -1 with a message in err
 * (an endpoint that is not http(s)://HOST[:PORT][/PATH], an unusable CA or client
 * certificate file). */
int mgmt_client_init(mgmt_client_t *c, const mgmt_client_options_t *opts, char *err,
                     size_t err_size);
void mgmt_client_free(mgmt_client_t *c);

/* Sends one request. `path` is relative to the service (see above) and may carry its own
 * query (`?format=rawxml`); `body` (may be NULL) is sent as application/json;
 * `if_match` (may be NULL) as If-Match. On success (any HTTP status) fills *resp and
 * returns 0; otherwise returns a MGMT_ERR_* code and writes the reason to err.
 * `path` may also be an absolute URL or an absolute path starting with the service path
 * (a list's nextLink): it is then sent as is. */
int mgmt_request(mgmt_client_t *c, const char *method, const char *path, const json_t *body,
                 const char *if_match, mgmt_response_t *resp, char *err, size_t err_size);
void mgmt_response_free(mgmt_response_t *resp);

/* GETs a list and follows nextLink until the end; *items receives a new array of every
 * element. On an HTTP error the response is left in *resp for printing (and must be
 * freed), *items is NULL and 0 is returned; transport failures return MGMT_ERR_*. */
int mgmt_list_all(mgmt_client_t *c, const char *path, json_t **items, mgmt_response_t *resp,
                  char *err, size_t err_size);

/* Prints a failed response on stderr as `meridian: CODE: message` and one line per error
 * detail, `target:line:col: message` (parts that are absent are left out). */
void mgmt_print_error(const mgmt_response_t *resp);

/* The SharedAccessSignature Authorization value for identifier/key valid until `expiry`:
 * `SharedAccessSignature uid=ID&ex=yyyy-MM-ddTHH:mm:ss.0000000Z&sn=SIG`, SIG =
 * base64(HMAC-SHA512(UTF-8 bytes of key, ID "\n" EXPIRY)). Writes at most out_size bytes
 * (NUL included); returns 0, or -1 when it does not fit. */
int mgmt_sas_header(const char *identifier, const char *key, time_t expiry, char *out,
                    size_t out_size);

/* Reads DIR/admin-key.json (`{"identifier","key","token"}`) and makes the SAS header
 * valid for MGMT_SAS_LIFETIME_SECONDS from now. Returns 0, or -1 with a message in err. */
int mgmt_sas_from_key_file(const char *path, char *out, size_t out_size, char *err,
                           size_t err_size);

#endif
