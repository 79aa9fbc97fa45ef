/* Herald - one line per event on stderr: UTC time, level, context, text. */
#ifndef HERALD_LOG_H
#define HERALD_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the lowest level written.  Not thread-safe: call at start-up. */
void log_set_level(enum log_level level);

/* Parses "debug", "info", "warn" or "error"; returns -1 otherwise. */
int log_parse_level(const char *text);

/* Writes one line: "2026-12-03T19:20:00.123Z info  <message>".  The
 * message should start with key=value context and end with free text. */
void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
