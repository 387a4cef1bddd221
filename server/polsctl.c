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
 *   polsctl --data DIR publish
 *   polsctl --data DIR report --as ACCOUNT [--team ID | --unit ID] [--form ID]
 *                             [--period P] [--format text|json|csv|html] [--out FILE]
 *   polsctl --data DIR account add NAME --role chief|district|unit|hr [--team|--unit]
 *   polsctl --data DIR account passwd|disable NAME; account list
 *   polsctl --data DIR audit
 *   polsctl --data DIR keys rotate|list
 *
 * Exit codes: 0 done, 1 failed (message on stderr), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>
#include <unistd.h>

#include "account.h"
#include "formtool.h"
#include "keys.h"
#include "publish.h"
#include "log.h"
#include "org.h"
#include "report.h"
#include "server.h"
#include "store.h"
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
	    "  publish                               freeze what is due (closed + grace)\n"
	    "  report --as ACCOUNT [--team ID | --unit ID] [--form ID] [--period P]\n"
	    "         [--format text|json|csv|html] [--out FILE]\n"
	    "  account add NAME --role chief|district|unit|hr [--team ID,ID | --unit ID]\n"
	    "  account passwd NAME | account disable NAME | account list\n"
	    "  audit                                 who asked for which report, when\n"
	    "  keys rotate | keys list               new server keys; terminals follow\n"
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

/* A report file goes to FILE.tmpPID, created 0600 and never through a
 * link, and is renamed over FILE only once it is whole: a refused or
 * failed report leaves FILE as it was. A link (or anything but a regular
 * file) at FILE is refused, not written through. */
static FILE *
report_file_open(const char *path, char *tmp, size_t tmplen, char *err,
    size_t errlen)
{
	struct stat st;
	FILE *f;
	int fd;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "'%s' is not a regular file (a symbolic "
		    "link?); refusing to write through it", path);
		return NULL;
	}
	if (util_path(tmp, tmplen, "%s.tmp%ld", path, (long)getpid()) != 0) {
		snprintf(err, errlen, "path too long: '%s'", path);
		return NULL;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "cannot create '%s': %s", tmp,
		    strerror(errno));
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		unlink(tmp);
	}
	return f;
}

/* Close f; with ok, put it in place of path. 0, or -1 (err set when ok). */
static int
report_file_close(FILE *f, const char *tmp, const char *path, int ok,
    char *err, size_t errlen)
{
	int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;

	bad |= fclose(f) != 0;
	if (ok && !bad && rename(tmp, path) == 0)
		return 0;
	if (ok)
		snprintf(err, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
	unlink(tmp);
	return -1;
}

static int
cmd_report(struct server *s, int argc, char **argv, char *err, size_t errlen)
{
	static const char *const names[] = {"as", "team", "unit", "form",
	    "period", "format", "out"};
	const char *v[7] = {NULL, NULL, NULL, NULL, NULL, "text", NULL};
	enum report_format fmt;
	struct account a;
	char *pw, tmp[4096];
	FILE *out = stdout;
	int rv;

	if (subopts(argc, argv, names, v, 7) != 0 || v[0] == NULL ||
	    (v[1] != NULL && v[2] != NULL)) {
		snprintf(err, errlen, "report --as ACCOUNT [--team ID | --unit "
		    "ID] [--form ID] [--period P] [--format text|json|csv|html] "
		    "[--out FILE]");
		return -2;
	}
	if (report_format_parse(v[5], &fmt) != 0) {
		snprintf(err, errlen, "--format must be text, json, csv or "
		    "html");
		return -2;
	}
	if ((pw = account_read_password("wachtwoord / password: ")) == NULL) {
		snprintf(err, errlen, "no password (POLS_PASSWORD or standard "
		    "input)");
		return -1;
	}
	rv = account_login(s, v[0], pw, &a, err, errlen);
	sodium_free(pw);
	if (rv != 0) {
		account_audit(s, v[0], "login", "-", "refused");
		return -1;
	}
	if (v[6] != NULL && (out = report_file_open(v[6], tmp, sizeof tmp, err,
	    errlen)) == NULL)
		return -1;
	rv = report_for(s, &a, v[1] ? v[1] : v[2], v[3], v[4], fmt, out, err,
	    errlen);
	if (out != stdout && report_file_close(out, tmp, v[6], rv == 0, err,
	    errlen) != 0)
		rv = -1; /* no half report; FILE as it was */
	return rv;
}

static int
cmd_account(struct server *s, int argc, char **argv, char *err,
    size_t errlen)
{
	static const char *const names[] = {"role", "team", "unit"};
	const char *v[3] = {NULL, NULL, NULL};
	char *pw;
	int rv;

	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return account_list(s, err, errlen);
	if (argc == 2 && strcmp(argv[0], "disable") == 0) {
		if ((rv = account_disable(s, argv[1], err, errlen)) == 0)
			printf("account uitgeschakeld / disabled: %s\n",
			    argv[1]);
		return rv;
	}
	if (argc >= 2 && (strcmp(argv[0], "add") == 0 ||
	    strcmp(argv[0], "passwd") == 0)) {
		int add = argv[0][0] == 'a';
		if ((add && (subopts(argc - 2, argv + 2, names, v, 3) != 0 ||
		    v[0] == NULL || (v[1] && v[2]))) || (!add && argc != 2)) {
			snprintf(err, errlen, "account add NAME --role "
			    "chief|district|unit|hr [--team ID,ID | --unit ID]"
			    " | account passwd NAME");
			return -2;
		}
		if ((pw = account_read_password("nieuw wachtwoord / new "
		    "password: ")) == NULL) {
			snprintf(err, errlen, "no password (POLS_PASSWORD or "
			    "standard input)");
			return -1;
		}
		rv = add ? account_add(s, argv[1], v[0], v[1] ? v[1] : v[2],
		    pw, err, errlen) : account_passwd(s, argv[1], pw, err,
		    errlen);
		sodium_free(pw);
		if (rv == 0)
			printf("account %s / account %s: %s\n", add ?
			    "aangemaakt" : "gewijzigd", add ? "added" :
			    "changed", argv[1]);
		return rv;
	}
	snprintf(err, errlen, "account add|passwd|disable|list");
	return -2;
}

static int
cmd_audit(struct server *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT at, account, action, scope, "
	    "result FROM audit ORDER BY rowid", -1, &st, NULL) != SQLITE_OK) {
		store_error(s->db, err, errlen);
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s\t%s\t%s\t%s\t%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3), sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return 0;
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
	else if (strcmp(cmd, "account") == 0)
		rv = cmd_account(s, argc, argv, err, sizeof err);
	else if (strcmp(cmd, "audit") == 0 && argc == 0)
		rv = cmd_audit(s, err, sizeof err);
	else if (strcmp(cmd, "keys") == 0)
		rv = keys_command(s, argc, argv, err, sizeof err);
	else if (strcmp(cmd, "publish") == 0 && argc == 0) {
		rv = publish_due(s, stdout, err, sizeof err);
		if (rv >= 0) {
			printf("%d momentopname(n) gemaakt / snapshot(s) made\n",
			    rv);
			rv = 0;
		}
	}
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
