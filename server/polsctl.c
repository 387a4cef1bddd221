/*
 * polsctl.c - administration and reports on the server installation.
 *
 *   polsctl --data DIR init
 *   polsctl --data DIR org import FILE.csv
 *   polsctl --data DIR form publish FILE.json
 *   polsctl form check FILE.json
 *   polsctl form show FILE.json [--lang nl|en]
 *   polsctl --data DIR terminal add NAME --teams ID,ID --out BUNDLE [--server URL]
 *   polsctl --data DIR terminal revoke NAME
 *   polsctl --data DIR terminal list
 *   polsctl --data DIR report --team ID --form ID [--period P] [--format text|json]
 *
 * Exit codes: 0 done, 1 failed (message on stderr), 2 usage error.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formtool.h"
#include "log.h"
#include "org.h"
#include "report.h"
#include "server.h"
#include "terminal.h"
#include "wave.h"
#include "util.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "gebruik / usage: polsctl --data DIR COMMAND ...\n"
	    "  init                                  new installation (db, keys)\n"
	    "  org import FILE.csv                   id,parent,name,kind,headcount\n"
	    "  form publish FILE.json                validate and sign a form\n"
	    "  form check FILE.json                  list every problem (no --data)\n"
	    "  form show FILE.json [--lang nl|en]    the form as a respondent reads it\n"
	    "  terminal add NAME --teams ID,ID --out BUNDLE [--server URL]\n"
	    "  terminal teams NAME --teams ID,ID    change its teams\n"
	    "  terminal revoke NAME\n"
	    "  terminal list\n"
	    "  wave open --form ID --scope UNIT --from DATE --to DATE [--modules M,M]\n"
	    "  wave close ID\n"
	    "  wave list\n"
	    "  report --team ID --form ID [--period P] [--format text|json]\n"
	    "  config-example FILE                   commented polsd.conf\n");
}

/* Options after a sub-command: --name value pairs into vals by index. */
static int
subopts(int argc, char **argv, const char *const *names, const char **vals,
    size_t n)
{
	for (int i = 0; i < argc; i++) {
		size_t j;
		for (j = 0; j < n; j++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, names[j]) == 0)
				break;
		if (j == n || i + 1 >= argc) {
			fprintf(stderr, "polsctl: unexpected '%s'\n", argv[i]);
			return -1;
		}
		vals[j] = argv[++i];
	}
	return 0;
}

/* form check FILE | form show FILE [--lang nl|en]: no installation needed.
 * Returns the exit code. */
static int
cmd_form_file(int argc, char **argv)
{
	static const char *const names[] = {"lang"};
	const char *v[1] = {"nl"};

	if (strcmp(argv[0], "check") == 0 && argc == 2)
		return formtool_check(argv[1]);
	if (strcmp(argv[0], "show") == 0 && argc >= 2 &&
	    subopts(argc - 2, argv + 2, names, v, 1) == 0 &&
	    (strcmp(v[0], "nl") == 0 || strcmp(v[0], "en") == 0))
		return formtool_show(argv[1], v[0]);
	fprintf(stderr, "gebruik / usage: polsctl form check FILE.json\n"
	    "                       polsctl form show FILE.json "
	    "[--lang nl|en]\n");
	return 2;
}

static int
cmd_org_import(struct server *s, const char *path, char *err, size_t errlen)
{
	struct org_unit *u;
	size_t n;
	int rv;

	if (org_parse_csv(path, &u, &n, err, errlen) != 0)
		return -1;
	rv = org_apply(s, u, n, path, err, errlen);
	free(u);
	if (rv == 0)
		printf("%zu eenheden geïmporteerd / %zu units imported\n", n,
		    n);
	return rv;
}

static int
cmd_wave(struct server *s, int argc, char **argv, char *err, size_t errlen)
{
	if (argc >= 1 && strcmp(argv[0], "open") == 0) {
		static const char *const names[] = {"form", "scope", "from",
		    "to", "modules"};
		const char *v[5] = {NULL, NULL, NULL, NULL, ""};
		char id[WAVE_ID_MAX + 1];

		if (subopts(argc - 1, argv + 1, names, v, 5) != 0 || !v[0] ||
		    !v[1] || !v[2] || !v[3]) {
			snprintf(err, errlen, "wave open --form ID --scope UNIT "
			    "--from YYYY-MM-DD --to YYYY-MM-DD [--modules M,M]");
			return -2;
		}
		if (wave_open(s, v[0], v[1], v[2], v[3], v[4], id, err,
		    errlen) != 0)
			return -1;
		printf("meting geopend / campaign opened: %s\n", id);
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "close") == 0) {
		if (wave_close(s, argv[1], err, errlen) != 0)
			return -1;
		printf("meting gesloten / campaign closed: %s\n", argv[1]);
		return 0;
	}
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return wave_list(s, err, errlen);
	snprintf(err, errlen, "wave open|close|list");
	return -2;
}

static int
cmd_terminal(struct server *s, int argc, char **argv, char *err,
    size_t errlen)
{
	if (argc >= 2 && strcmp(argv[0], "add") == 0) {
		static const char *const names[] = {"teams", "out", "server"};
		/* The bundle points at where this server listens unless
		 * told otherwise (a proxy or public name, say). */
		const char *v[3] = {NULL, NULL, config_str(s->cfg, "listen")};
		if (subopts(argc - 2, argv + 2, names, v, 3) != 0 ||
		    v[0] == NULL || v[1] == NULL) {
			snprintf(err, errlen, "terminal add NAME --teams ID,ID "
			    "--out BUNDLE [--server URL]");
			return -2;
		}
		if (terminal_add(s, argv[1], v[0], v[2], v[1], err,
		    errlen) != 0)
			return -1;
		printf("terminal '%s' toegevoegd; bundel / bundle: %s\n"
		    "Breng de bundel veilig naar de terminal en wis hem daarna.\n"
		    "Carry the bundle safely to the terminal, then delete it.\n",
		    argv[1], v[1]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[0], "teams") == 0 &&
	    strcmp(argv[2], "--teams") == 0) {
		if (terminal_set_teams(s, argv[1], argv[3], err, errlen) != 0)
			return -1;
		printf("terminal '%s' bedient nu / now serves: %s\n", argv[1],
		    argv[3]);
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		if (terminal_revoke(s, argv[1], err, errlen) != 0)
			return -1;
		printf("terminal '%s' ingetrokken / revoked\n", argv[1]);
		return 0;
	}
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return terminal_list(s, err, errlen);
	snprintf(err, errlen, "terminal add|teams|revoke|list");
	return -2;
}

static int
cmd_report(struct server *s, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const names[] = {"team", "form", "period",
	    "format"};
	const char *v[4] = {NULL, NULL, NULL, "text"};
	enum report_format fmt;

	if (subopts(argc, argv, names, v, 4) != 0 || !v[0] || !v[1]) {
		snprintf(err, errlen, "report --team ID --form ID [--period P] "
		    "[--format text|json]");
		return -2;
	}
	if (strcmp(v[3], "json") == 0)
		fmt = REPORT_JSON;
	else if (strcmp(v[3], "text") == 0)
		fmt = REPORT_TEXT;
	else {
		snprintf(err, errlen, "--format must be text or json");
		return -2;
	}
	return report_team(s, v[0], v[1], v[2], fmt, stdout, err, errlen);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *cfg = NULL, *cmd;
	struct server *s = NULL;
	char err[1024] = "";
	int c, rv;

	umask(077);
	signal(SIGXFSZ, SIG_IGN); /* a file-size limit: EFBIG, not death */
	log_init("polsctl", LOG_WARN);
	while ((c = getopt_long(argc, argv, "+d:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'c': cfg = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(cmd, "config-example") == 0 && argc == 1) {
		if (config_write_example(server_config_keys,
		    server_config_nkeys, argv[0]) != 0) {
			perror("polsctl: config-example");
			return 1;
		}
		return 0;
	}
	if (strcmp(cmd, "form") == 0 && argc >= 1 &&
	    (strcmp(argv[0], "check") == 0 || strcmp(argv[0], "show") == 0))
		return cmd_form_file(argc, argv);
	if (dir == NULL) {
		fprintf(stderr, "polsctl: --data DIR is required\n");
		return 2;
	}
	if (pcrypto_init() != 0) {
		fprintf(stderr, "polsctl: libsodium cannot start\n");
		return 1;
	}
	if (strcmp(cmd, "init") == 0 && argc == 0) {
		if (server_create(dir, err, sizeof err) != 0) {
			fprintf(stderr, "polsctl: %s\n", err);
			return 1;
		}
		printf("installatie gemaakt / installation created: %s\n", dir);
		return 0;
	}
	if (server_open(&s, dir, cfg, err, sizeof err) != 0) {
		fprintf(stderr, "polsctl: %s\n", err);
		return 1;
	}
	if (strcmp(cmd, "org") == 0 && argc == 2 &&
	    strcmp(argv[0], "import") == 0)
		rv = cmd_org_import(s, argv[1], err, sizeof err);
	else if (strcmp(cmd, "form") == 0 && argc == 2 &&
	    strcmp(argv[0], "publish") == 0) {
		/* Every problem of an invalid form, one a line. */
		static char perr[64 * 1024];
		const char *l, *nl;

		rv = server_form_publish(s, argv[1], perr, sizeof perr);
		if (rv == 0)
			printf("vragenlijst gepubliceerd / form published: "
			    "%s\n", argv[1]);
		for (l = perr; rv != 0 && *l != '\0'; l = *nl ? nl + 1 : nl) {
			nl = l + strcspn(l, "\n");
			fprintf(stderr, "polsctl: %.*s\n", (int)(nl - l), l);
		}
	} else if (strcmp(cmd, "wave") == 0)
		rv = cmd_wave(s, argc, argv, err, sizeof err);
	else if (strcmp(cmd, "terminal") == 0)
		rv = cmd_terminal(s, argc, argv, err, sizeof err);
	else if (strcmp(cmd, "report") == 0)
		rv = cmd_report(s, argc, argv, err, sizeof err);
	else {
		usage(stderr);
		rv = -2;
		err[0] = '\0';
	}
	server_close(s);
	if (rv != 0 && err[0])
		fprintf(stderr, "polsctl: %s\n", err);
	return rv == 0 ? 0 : rv == -2 ? 2 : 1;
}
