/* redis_link: URL parsing, the "down" state, and commands against a real redis-server
 * (started here on a free port in a temp dir; a missing redis-server fails the test). */
#include "gateway/redis_link.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

Test(redis_link, parses_urls)
{
    redis_link_url_t u;
    const char *why = NULL;
    cr_assert_eq(redis_link_parse_url("redis://127.0.0.1:6380/2", &u, &why), 0);
    cr_assert_str_eq(u.host, "127.0.0.1");
    cr_assert_eq(u.port, 6380);
    cr_assert_eq(u.db, 2);
    cr_assert_str_eq(u.password, "");
    cr_assert_eq(redis_link_parse_url("redis://:s3cret@10.0.0.1?counting=regional", &u, &why), 0);
    cr_assert_str_eq(u.host, "10.0.0.1");
    cr_assert_eq(u.port, 6379);
    cr_assert_eq(u.db, 0);
    cr_assert_str_eq(u.password, "s3cret");
    cr_assert_eq(redis_link_parse_url("redis://[::1]:7000/1", &u, &why), 0);
    cr_assert_str_eq(u.host, "::1");
    cr_assert_eq(u.port, 7000);

    cr_assert_eq(redis_link_parse_url("http://127.0.0.1", &u, &why), -EINVAL);
    cr_assert_str_eq(why, "must start with redis://");
    cr_assert_eq(redis_link_parse_url("redis://:6379", &u, &why), -EINVAL);
    cr_assert_str_eq(why, "host is missing");
    cr_assert_eq(redis_link_parse_url("redis://h:70000", &u, &why), -EINVAL);
    cr_assert_str_eq(why, "port must be a number from 1 to 65535");
    cr_assert_eq(redis_link_parse_url("redis://h:1/x", &u, &why), -EINVAL);
    cr_assert_eq(redis_link_parse_url("redis://h/3?counting=global&failure=closed", &u, &why), 0);
    cr_assert(u.is_global);
    cr_assert(u.is_fail_closed);
    cr_assert_eq(u.db, 3);
    cr_assert_eq(redis_link_parse_url("redis://h?counting=world", &u, &why), -EINVAL);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t n = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &n);
    close(s);
    return ntohs(a.sin_port);
}

typedef struct {
    int calls;
    int got_null;
    long long integer;
    char text[64];
} reply_box_t;

static void on_reply(const redisReply *r, void *data)
{
    reply_box_t *b = data;
    b->calls++;
    if (!r) {
        b->got_null++;
        return;
    }
    if (r->type == REDIS_REPLY_INTEGER) b->integer = r->integer;
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)
        snprintf(b->text, sizeof b->text, "%s", r->str);
}

/* Runs the loop until cond holds or ~8 s pass (the reconnect back-off reaches 5 s). */
#define RUN_UNTIL(loop, cond)                                                                      \
    do {                                                                                           \
        for (int i_ = 0; i_ < 800 && !(cond); i_++) {                                              \
            uv_run(loop, UV_RUN_NOWAIT);                                                           \
            usleep(10000);                                                                         \
        }                                                                                          \
    } while (0)

static pid_t start_redis(int port, char *dir)
{
    cr_assert_not_null(mkdtemp(dir));
    pid_t pid = fork();
    if (pid == 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", port);
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execlp("redis-server", "redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", dir, "--logfile", "", "--loglevel", "warning",
               (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void stop_redis(pid_t pid, const char *dir)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    rmdir(dir);
}

Test(redis_link, down_without_server_then_commands_on_a_real_one)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    int port = free_port();
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/1", port);
    const char *why = NULL;
    redis_link_options_t o = {.command_timeout_ms = 300};
    redis_link_t *link = redis_link_new(&loop, url, &o, &why);
    cr_assert_not_null(link, "%s", why);
    cr_assert_str_eq(redis_link_url(link), url);

    /* nothing listens: the link stays down and refuses commands at once */
    for (int i = 0; i < 30; i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
    cr_assert_not(redis_link_is_up(link));
    reply_box_t box = {0};
    const char *ping[] = {"PING"};
    cr_assert_eq(redis_link_command(link, on_reply, &box, 1, ping, NULL), -ENOTCONN);

    char dir[] = "/tmp/meridian-redis-XXXXXX";
    pid_t pid = start_redis(port, dir);
    RUN_UNTIL(&loop, redis_link_is_up(link));
    cr_assert(redis_link_is_up(link), "the link did not come up after the server started");

    const char *incr[] = {"INCRBY", "k", "5"};
    size_t lens[] = {6, 1, 1};
    cr_assert_eq(redis_link_command(link, on_reply, &box, 3, incr, lens), 0);
    cr_assert_eq(box.calls, 0, "the callback must not run inside redis_link_command");
    RUN_UNTIL(&loop, box.calls == 1);
    cr_assert_eq(box.calls, 1);
    cr_assert_eq(box.integer, 5);

    /* the SELECT 1 of the URL took effect: db 0 does not have the key */
    const char *sel[] = {"SELECT", "0"};
    const char *get[] = {"GET", "k"};
    reply_box_t b2 = {0}, b3 = {0};
    cr_assert_eq(redis_link_command(link, on_reply, &b2, 2, sel, NULL), 0);
    cr_assert_eq(redis_link_command(link, on_reply, &b3, 2, get, NULL), 0);
    RUN_UNTIL(&loop, b3.calls == 1);
    cr_assert_str_eq(b3.text, "");
    cr_assert_eq(b3.got_null, 0);

    /* a paused server: the command times out, completes with NULL, the link goes down */
    kill(pid, SIGSTOP);
    reply_box_t b4 = {0};
    cr_assert_eq(redis_link_command(link, on_reply, &b4, 1, ping, NULL), 0);
    RUN_UNTIL(&loop, b4.calls == 1);
    cr_assert_eq(b4.got_null, 1);
    cr_assert_not(redis_link_is_up(link));
    kill(pid, SIGCONT);
    RUN_UNTIL(&loop, redis_link_is_up(link));
    cr_assert(redis_link_is_up(link), "the link did not reconnect");
    cr_assert_geq(redis_link_connect_count(link), 2);

    /* freeing completes what is outstanding with NULL */
    reply_box_t b5 = {0};
    cr_assert_eq(redis_link_command(link, on_reply, &b5, 1, ping, NULL), 0);
    redis_link_free(link);
    cr_assert_eq(b5.calls, 1);
    cr_assert_eq(b5.got_null, 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    stop_redis(pid, dir);
}
