/* log: operational messages on stderr, one line each, "time level message".
 * The per-request access log is separate (gateway/access_log). */
#ifndef MERIDIAN_BASE_LOG_H
#define MERIDIAN_BASE_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_set_level(log_level_t level);
/* Prefix placed after the level on every line, e.g. "gateway[West US/1]". Copied. */
void log_set_prefix(const char *prefix);
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
