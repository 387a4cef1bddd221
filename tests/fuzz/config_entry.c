/*
 * config_entry.c - the fuzz entry for configuration files
 * (common/config.h): one input is a polsd.conf or kiosk.conf.
 *
 * config_load takes a path, so each input is written to one file per
 * process (util_entry.c's scratch folder, fuzz.conf) and loaded with
 * three key tables: the server's (server_config_keys, polsd.conf), the
 * terminal's (kiosk_config_keys, kiosk.conf), and a small table of this
 * file with the types and bounds neither real table has (a yes/no key, a
 * required string, a negative range, an enum of one word), so that every
 * branch of the parser is reachable. A refusal must leave *out NULL and
 * name the file; a loaded config must give, for every key of its table,
 * a value of its type inside its bounds (an integer in [min, max], a
 * string of min..max bytes, an enum word from its choices, a bool 0 or
 * 1). A broken promise aborts (a finding).
 *
 * Included by tests/fuzz/fuzz_config.c (libFuzzer) and
 * tests/unit/test_fuzz_regress2.c (make test).
 */
#include "util_entry.c"
#include "config.h"
#include "kiosk.h"
#include "server.h"

#define FC_NTABLES 3

struct fuzz_config_stats {
	long inputs, loaded[FC_NTABLES];
};

int fuzz_config_setup(void);
int fuzz_config_one(const uint8_t *data, size_t size);

static const struct config_key fc_test_keys[] = {
	{"enabled", CONFIG_BOOL, 0, 1, "no", "a yes/no key", NULL},
	{"name", CONFIG_STRING, 3, 40, "", "a required string", NULL},
	{"offset", CONFIG_INT, -1000, -10, "-100", "a negative range", NULL},
	{"big", CONFIG_INT, LONG_MIN, LONG_MAX, "0", "any long", NULL},
	{"mode", CONFIG_ENUM, 0, 8, "only", "an enum of one word", "only"},
	{"listen", CONFIG_STRING, 0, 512, "", "an optional string", NULL},
};

static struct {
	char path[PATH_MAX];
	const struct config_key *table[FC_NTABLES];
	size_t n[FC_NTABLES];
	struct fuzz_config_stats st;
} fc;

int
fuzz_config_setup(void)
{
	if (fc.path[0])
		return 0;
	log_init("fuzz_config", LOG_ERR);
	if (util_path(fc.path, sizeof fc.path, "%s/fuzz.conf", fx_dir()) != 0)
		fx_die("path too long", fx_dir());
	fc.table[0] = server_config_keys;
	fc.n[0] = server_config_nkeys;
	fc.table[1] = kiosk_config_keys;
	fc.n[1] = kiosk_config_nkeys;
	fc.table[2] = fc_test_keys;
	fc.n[2] = sizeof fc_test_keys / sizeof fc_test_keys[0];
	return 0;
}

static int
fc_choice(const char *choices, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = choices; p != NULL && *p;) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static void
fc_check(const struct config *c, const struct config_key *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct config_key *k = &t[i];
		const char *s;
		long v;
		size_t len;

		switch (k->type) {
		case CONFIG_INT:
			v = config_int(c, k->name);
			if (v < k->min || v > k->max)
				fx_violation("config", "an integer out of its "
				    "bounds", k->name);
			break;
		case CONFIG_BOOL:
			v = config_bool(c, k->name);
			if (v != 0 && v != 1)
				fx_violation("config", "a bool neither 0 nor 1",
				    k->name);
			break;
		case CONFIG_ENUM:
		case CONFIG_STRING:
			if ((s = config_str(c, k->name)) == NULL)
				fx_violation("config", "no string", k->name);
			len = strlen(s);
			if ((k->max >= 0 && len > (size_t)k->max) ||
			    (k->min > 0 && len < (size_t)k->min))
				fx_violation("config", "a string out of its "
				    "bounds", k->name);
			if (k->type == CONFIG_ENUM && !fc_choice(k->choices, s))
				fx_violation("config", "an enum value not among "
				    "its choices", k->name);
			break;
		}
	}
}

int
fuzz_config_one(const uint8_t *data, size_t size)
{
	fuzz_config_setup();
	fc.st.inputs++;
	fx_put(fc.path, data, size);
	for (int t = 0; t < FC_NTABLES; t++) {
		struct config *c = (struct config *)&fc; /* must be reset */
		char err[ERRLEN];

		err[0] = 0;
		if (config_load(&c, fc.table[t], fc.n[t], fc.path, 0, err,
		    sizeof err) != 0) {
			if (c != NULL)
				fx_violation("config", "a refused file left a "
				    "config", err);
			if (strncmp(err, fc.path, strlen(fc.path)) != 0)
				fx_violation("config", "a refusal does not "
				    "name the file", err);
			continue;
		}
		if (c == NULL)
			fx_violation("config", "loaded, but no config", NULL);
		fc.st.loaded[t]++;
		fc_check(c, fc.table[t], fc.n[t]);
		config_free(c);
	}
	return 0;
}
