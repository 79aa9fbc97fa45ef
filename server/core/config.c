/* Herald - the configuration table: name, kind, default, meaning. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"

struct config config;

enum kind { K_STRING, K_URL, K_LISTEN, K_LEVEL, K_INT, K_SMTP };

struct var {
	const char *name;
	enum kind kind;
	const char *def;   /* NULL: unset */
	const char *shown; /* default as the README shows it */
	const char *help;
};

static const struct var vars[] = {
    {"HERALD_DATABASE_URL", K_STRING, "",
     "the checkout's private cluster, else libpq's `PG*` variables",
     "libpq connection string or URI; unset, Herald uses database "
     "`herald` of the private cluster that `make run` started under the "
     "checkout (`.pg/`) when its socket is there and no `PGHOST` or "
     "`PGSERVICE` is set"},
    {"HERALD_LISTEN", K_LISTEN, "127.0.0.1:8080", "`127.0.0.1:8080`",
     "address and port"},
    {"HERALD_PUBLIC_URL", K_URL, "http://127.0.0.1:8080",
     "`http://127.0.0.1:8080`",
     "base of absolute links in alerts, feeds, emails"},
    {"HERALD_SMTP_URL", K_SMTP, NULL, "unset: email disabled",
     "`smtp://host:port` or `smtps://…`"},
    {"HERALD_SMTP_FROM", K_STRING, "herald@localhost", "`herald@localhost`",
     "sender address"},
    {"HERALD_LOG_LEVEL", K_LEVEL, "info", "`info`",
     "`debug`, `info`, `warn`, `error`"},
    {"HERALD_THREADS", K_INT, "0", "`0` (four per core)",
     "HTTP worker threads"},
    {"HERALD_DB_POOL", K_INT, "16", "`16`", "database connections per process"},
    {"HERALD_MAX_CONNECTIONS", K_INT, "4000", "`4000`",
     "open HTTP connections at most; idle ones close after 30 s"},
    {"HERALD_INGEST_KEY_RATE", K_INT, "50000", "`50000`",
     "Segment API requests per second per write key (0: no limit)"},
    {"HERALD_INGEST_IP_RATE", K_INT, "50000", "`50000`",
     "Segment API requests per second per client address (0: no limit)"},
    {"HERALD_SCORE_SWEEP_SECONDS", K_INT, "60", "`60`",
     "how often the scorer re-evaluates subjects whose rule windows, "
     "decay or cooldowns may have moved with time alone"},
};

static bool
parse_int(const char *text, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

static bool
parse_listen(const char *text)
{
	static char host[256];
	const char *colon = strrchr(text, ':');
	size_t n;

	if (colon == NULL || colon == text)
		return false;
	n = (size_t)(colon - text);
	if (n >= sizeof(host))
		return false;
	memcpy(host, text, n);
	host[n] = '\0';
	config.listen_host = host;
	return parse_int(colon + 1, 0, 65535, &config.listen_port);
}

static bool
parse_url(const char *text)
{
	static char url[1024];
	size_t n = strlen(text);

	if (strncmp(text, "http://", 7) != 0 &&
	    strncmp(text, "https://", 8) != 0)
		return false;
	if (n >= sizeof(url) || strchr(text, ' ') != NULL)
		return false;
	memcpy(url, text, n + 1);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	config.public_url = url;
	return true;
}

static bool
apply(const struct var *v, const char *text)
{
	int level;

	switch (v->kind) {
	case K_STRING:
		if (strcmp(v->name, "HERALD_DATABASE_URL") == 0)
			config.database_url = text;
		else
			config.smtp_from = text;
		return true;
	case K_URL:
		return parse_url(text);
	case K_LISTEN:
		return parse_listen(text);
	case K_SMTP:
		if (text == NULL)
			return true;
		if (strncmp(text, "smtp://", 7) != 0 &&
		    strncmp(text, "smtps://", 8) != 0)
			return false;
		config.smtp_url = text;
		return true;
	case K_LEVEL:
		level = log_parse_level(text);
		if (level < 0)
			return false;
		config.log_level = level;
		return true;
	case K_INT:
		if (strcmp(v->name, "HERALD_THREADS") == 0)
			return parse_int(text, 0, 1024, &config.threads);
		if (strcmp(v->name, "HERALD_DB_POOL") == 0)
			return parse_int(text, 1, 512, &config.db_pool);
		if (strcmp(v->name, "HERALD_INGEST_KEY_RATE") == 0)
			return parse_int(text, 0, 10000000,
			                 &config.ingest_key_rate);
		if (strcmp(v->name, "HERALD_INGEST_IP_RATE") == 0)
			return parse_int(text, 0, 10000000,
			                 &config.ingest_ip_rate);
		if (strcmp(v->name, "HERALD_SCORE_SWEEP_SECONDS") == 0)
			return parse_int(text, 1, 86400,
			                 &config.score_sweep_seconds);
		return parse_int(text, 16, 1000000, &config.max_connections);
	default:
		abort();
	}
}

/* With no HERALD_DATABASE_URL and no PGHOST or PGSERVICE: database
 * herald of the private cluster under the checkout, when it runs. */
static void
private_cluster(void)
{
	static char url[PATH_MAX + 64];
	char sock[PATH_MAX];

	if (*config.database_url != '\0' || config.home == NULL ||
	    getenv("PGHOST") != NULL || getenv("PGSERVICE") != NULL)
		return;
	if (snprintf(sock, sizeof(sock), "%s/.pg/run/.s.PGSQL.5432",
	             config.home) >= (int)sizeof(sock) ||
	    access(sock, F_OK) != 0)
		return;
	snprintf(url, sizeof(url),
	         "host='%s/.pg/run' user=postgres dbname=herald", config.home);
	config.database_url = url;
}

bool
config_load(char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const struct var *v = &vars[i];
		const char *text = getenv(v->name);

		if (text == NULL || *text == '\0')
			text = v->def;
		if (!apply(v, text)) {
			snprintf(err, errlen, "%s: invalid value \"%s\" (%s)",
			         v->name, text, v->help);
			return false;
		}
	}
	private_cluster();
	log_set_level(config.log_level);
	return true;
}

void
config_print_markdown(FILE *out)
{
	fprintf(out, "| variable | default | meaning |\n|---|---|---|\n");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		fprintf(out, "| `%s` | %s | %s |\n", vars[i].name,
		        vars[i].shown, vars[i].help);
}

void
config_find_home(const char *argv0)
{
	static char home[PATH_MAX];
	const char *env = getenv("HERALD_HOME");
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0') {
		config.home = env;
		return;
	}
	n = readlink("/proc/self/exe", home, sizeof(home) - 1);
	if (n <= 0) {
		snprintf(home, sizeof(home), "%s", argv0);
		n = (ssize_t)strlen(home);
	}
	home[n] = '\0';
	/* strip "/herald" and then "/bin" */
	for (int i = 0; i < 2; i++) {
		slash = strrchr(home, '/');
		if (slash == NULL) {
			snprintf(home, sizeof(home), ".");
			break;
		}
		*slash = '\0';
	}
	config.home = home;
}
