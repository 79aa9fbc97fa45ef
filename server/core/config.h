/* Herald - configuration from the environment, declared in one table. */
#ifndef HERALD_CONFIG_H
#define HERALD_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config {
	const char *database_url; /* "" means libpq's PG* defaults */
	const char *listen_host;
	int listen_port;
	const char *public_url; /* without trailing slash */
	const char *smtp_url;   /* NULL: email disabled */
	const char *smtp_from;
	int log_level;
	int threads;
	int db_pool;
	int max_connections;
	int ingest_key_rate; /* requests/s per write key, 0: no limit */
	int ingest_ip_rate;  /* requests/s per client address */
	int score_sweep_seconds; /* scorer's time-based re-evaluation */
	const char *home; /* folder holding migrations/, widget/ */
};

extern struct config config;

/* Reads and validates every variable.  On a bad value writes one line
 * naming the variable into err and returns false. */
bool config_load(char *err, size_t errlen) __attribute__((warn_unused_result));

/* Prints the table of variables as markdown (the README's table). */
void config_print_markdown(FILE *out);

/* Sets config.home from the path of the running executable. */
void config_find_home(const char *argv0);

#endif
