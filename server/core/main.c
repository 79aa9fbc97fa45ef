/* Herald - command line: serve, migrate, workspace create, user add,
 * import changelog. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "api/workspace.h"
#include "content/import.h"
#include "core/config.h"
#include "core/jsonarena.h"
#include "core/log.h"
#include "core/services.h"
#include "core/util.h"
#include "core/version.h"
#include "http/http.h"
#include "store/db.h"
#include "store/migrate.h"

static const char usage[] =
    "usage: herald COMMAND [OPTIONS]\n"
    "\n"
    "  serve                         HTTP server and background workers\n"
    "  migrate                       apply pending migrations\n"
    "  workspace create --name NAME [--slug SLUG] [--timezone TZ]\n"
    "                   [--public-key K] [--write-key K]\n"
    "                   [--admin-token T] [--identity-secret S]\n"
    "                                print the new workspace as JSON\n"
    "  user add --workspace SLUG --email EMAIL --role owner|editor|sales\n"
    "                                password read from stdin\n"
    "  import changelog FILE --workspace SLUG\n"
    "                                Keep a Changelog file to releases\n"
    "  config                        print the configuration table\n"
    "  version                       print the version\n";

static void
die(const char *msg)
{
	fprintf(stderr, "herald: %s\n", msg);
	exit(1);
}

/* Returns the value after --name in argv, or NULL. */
static const char *
opt(int argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static void
migrations_dir(char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/migrations", config.home);
}

static void
setup(void)
{
	char err[512];

	if (!config_load(err, sizeof(err)))
		die(err);
	if (!util_init())
		die("cannot initialise libsodium");
	if (!db_open(config.database_url, config.db_pool))
		die("out of memory");
}

static int
cmd_migrate(void)
{
	char dir[1100], err[1024];
	int applied;

	setup();
	migrations_dir(dir, sizeof(dir));
	if (!migrate_run(dir, &applied, err, sizeof(err))) {
		log_error("component=migrate %s", err);
		return 1;
	}
	log_info("component=migrate applied=%d migrations are current",
	         applied);
	db_close();
	return 0;
}

static int
cmd_workspace(int argc, char **argv)
{
	struct workspace_keys keys = {0};
	const char *name = opt(argc, argv, "--name");
	const char *v;
	char err[512];
	cJSON *ws;
	char *text;

	if (argc < 1 || strcmp(argv[0], "create") != 0 || name == NULL)
		die("usage: herald workspace create --name NAME [--slug SLUG]"
		    " [--timezone TZ]");
	if ((v = opt(argc, argv, "--public-key")))
		snprintf(keys.public_key, sizeof(keys.public_key), "%s", v);
	if ((v = opt(argc, argv, "--write-key")))
		snprintf(keys.write_key, sizeof(keys.write_key), "%s", v);
	if ((v = opt(argc, argv, "--admin-token")))
		snprintf(keys.admin_token, sizeof(keys.admin_token), "%s", v);
	if ((v = opt(argc, argv, "--identity-secret")))
		snprintf(keys.identity_secret, sizeof(keys.identity_secret),
		         "%s", v);
	setup();
	ws = workspace_create(name, opt(argc, argv, "--slug"),
	                      opt(argc, argv, "--timezone"), &keys, err,
	                      sizeof(err));
	if (ws == NULL)
		die(err);
	text = cJSON_PrintUnformatted(ws);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(ws);
	db_close();
	return 0;
}

static int
cmd_user(int argc, char **argv)
{
	const char *slug = opt(argc, argv, "--workspace");
	const char *email = opt(argc, argv, "--email");
	const char *role = opt(argc, argv, "--role");
	char password[1024], err[512];
	size_t n;

	if (argc < 1 || strcmp(argv[0], "add") != 0 || !slug || !email || !role)
		die("usage: herald user add --workspace SLUG --email EMAIL"
		    " --role owner|editor|sales  (password on stdin)");
	if (fgets(password, sizeof(password), stdin) == NULL)
		die("no password on standard input");
	n = strcspn(password, "\r\n");
	password[n] = '\0';
	setup();
	if (!workspace_user_add(slug, email, role, password, err, sizeof(err)))
		die(err);
	sodium_memzero(password, sizeof(password));
	printf("{\"workspace\":\"%s\",\"email\":\"%s\",\"role\":\"%s\"}\n",
	       slug, email, role);
	db_close();
	return 0;
}

static int
cmd_import(int argc, char **argv)
{
	const char *slug = opt(argc, argv, "--workspace");
	char err[1024];
	cJSON *report = NULL;
	char *text;

	if (argc < 2 || strcmp(argv[0], "changelog") != 0 || slug == NULL ||
	    strcmp(argv[1], "--workspace") == 0)
		die("usage: herald import changelog FILE --workspace SLUG");
	setup();
	if (!import_changelog(argv[1], slug, &report, err, sizeof(err)))
		die(err);
	text = cJSON_PrintUnformatted(report);
	printf("%s\n", text ? text : "{}");
	free(text);
	cJSON_Delete(report);
	db_close();
	return 0;
}

static int
cmd_serve(void)
{
	char dir[1100], err[512];
	sigset_t set;
	int sig, threads;

	setup();
	/* glibc gives up to eight malloc arenas per core, one per thread
	 * that allocates: each HTTP thread kept its own half-empty heap,
	 * and with 1,000 connections their sum was most of the peak RSS
	 * (bench: 55-66 MB; two per core: 52-58 MB, same rate). */
	mallopt(M_ARENA_MAX, 2 * util_ncpu());
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	migrations_dir(dir, sizeof(dir));
	if (!migrate_is_current(dir))
		log_warn("component=serve migrations are pending or the "
		         "database is unreachable; /readyz answers 503");
	threads = config.threads > 0 ? config.threads : 4 * util_ncpu();
	if (!http_start(config.listen_host, config.listen_port, threads,
	                config.max_connections, err, sizeof(err)))
		die(err);
	if (!services_start())
		die("a background service failed to start");
	log_info("listen=%s:%d threads=%d version=%s herald ready",
	         config.listen_host, http_port(), threads, HERALD_VERSION);

	sigwait(&set, &sig);
	log_info("signal=%d shutting down", sig);
	http_stop(10000);
	services_stop();
	db_close();
	log_info("component=serve stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	config_find_home(argv[0]);
	json_arena_setup();
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve();
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate();
	if (strcmp(argv[1], "workspace") == 0)
		return cmd_workspace(argc - 2, argv + 2);
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc - 2, argv + 2);
	if (strcmp(argv[1], "import") == 0)
		return cmd_import(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0) {
		printf("herald %s\n", HERALD_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "config") == 0) {
		config_print_markdown(stdout);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "herald: unknown command \"%s\"\n\n%s", argv[1], usage);
	return 2;
}
