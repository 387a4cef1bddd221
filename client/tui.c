/*
 * tui.c - see tui.h.
 *
 * One loop: each screen is a function that draws, waits for one key
 * (next_key: idle countdown, background sync, mouse clicks mapped to keys)
 * and returns the next screen. The response being answered is a
 * form_response (indices only) plus the team and form; discard() wipes it
 * and the screen together. Nothing here writes an answer anywhere but
 * kiosk_submit(); nothing here logs.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"
#include "period.h"
#include "store.h"
#include "tui.h"
#include "update.h"
#include "util.h"

#define TUI_TICK_MS 250
#define TUI_WARN_SECS 15     /* idle countdown shown for the last seconds */
#define TUI_THANKS_SECS 4
#define TUI_PIN_MAX 64
#define TUI_PIN_TRIES 3
#define TUI_PIN_LOCK_SECS 60
#define TUI_MAX_HITS 96
#define TUI_MAX_LIST 64
#define TUI_SYNC_QUIET 60    /* no sync this soon after a submission */
#define TUI_SYNC_MAX_BACKOFF 3600

#define K_ESC 27
#define K_CTRL_A 1
#define K_TICK (KEY_MAX + 1)    /* nothing pressed; redraw */
#define K_DISCARD (KEY_MAX + 2) /* idle timeout: discard */

enum tui_screen {
	SC_START, SC_TEAM, SC_FORM, SC_STEP, SC_SUMMARY, SC_THANKS, SC_PIN,
	SC_ADMIN, SC_QUIT
};

enum step_kind { STEP_ITEM, STEP_NOTE };

struct step {
	enum step_kind kind;
	size_t idx; /* item or note index */
};

struct hit {
	int y, x0, x1, key;
};

struct entry {
	char id[FORM_ID_MAX];
	char label[256];
};

struct tui {
	struct kiosk *k;
	const struct tui_opts *o;
	enum msg_lang lang;
	long idle_timeout, cooldown, sync_interval;
	const char *pin_hash;
	double last_key, last_submit; /* monotonic seconds; 0: never */
	int idle_left;                /* countdown shown, or -1 */
	enum msg_id flash;            /* one-off hint, or M_COUNT */
	int cool_msg;
	/* background sync */
	pid_t sync_pid;
	double next_sync;
	int sync_fails;
	/* admin */
	int pin_fails;
	double pin_locked_until;
	/* lists (team, form) */
	struct entry list[TUI_MAX_LIST];
	size_t nlist;
	enum tui_screen list_for; /* the screen list was loaded for */
	int cursor; /* -1: nothing highlighted (neutral) */
	int scroll;
	/* the response being answered */
	char team[64];
	struct form *f;
	unsigned char *left_out;
	struct form_response r;
	struct step *steps;
	size_t nsteps, cur;
	enum msg_id result; /* M_THANKS, M_NOT_STORED, M_DISK_FULL or
			     * M_REVOKED */
	/* clickable regions of the current screen */
	struct hit hits[TUI_MAX_HITS];
	int nhits;
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
text_of(const struct form_text *t, enum msg_lang lang)
{
	const char *s = lang == MSG_EN ? t->en : t->nl;

	if (s == NULL || *s == '\0')
		s = lang == MSG_EN ? t->nl : t->en;
	return s != NULL ? s : "";
}

static const char *
txt(const struct tui *t, enum msg_id id)
{
	return msg_get(id, t->lang);
}

/* ---- drawing --------------------------------------------------------- */

static int
is_cont(char c)
{
	return ((unsigned char)c & 0xC0) == 0x80;
}

/* Columns of the first n bytes of UTF-8 s (one a code point). */
static int
u8cols(const char *s, size_t n)
{
	int c = 0;

	for (size_t i = 0; i < n && s[i] != '\0'; i++)
		if (!is_cont(s[i]))
			c++;
	return c;
}

/* Bytes of s that fit in w columns. */
static size_t
u8fit(const char *s, int w)
{
	size_t i = 0;
	int c = 0;

	while (s[i] != '\0') {
		if (!is_cont(s[i]) && c++ == w)
			break;
		i++;
	}
	return i;
}

static void
put(int y, int x, const char *s, int w)
{
	if (y < 0 || y >= LINES || x >= COLS)
		return;
	if (w > COLS - x)
		w = COLS - x;
	if (w > 0)
		mvaddnstr(y, x, s, (int)u8fit(s, w));
}

/* Word-wrap s into w columns from row y, not past row ymax (exclusive);
 * with draw 0 only count. Returns the rows used. */
static int
wrap(int y, int x, int w, int ymax, const char *s, int draw)
{
	int rows = 0;

	while (*s != '\0' && y + rows < ymax) {
		const char *p = s, *brk = NULL, *end;
		int col = 0;

		while (*p != '\0' && *p != '\n') {
			if (*p == ' ')
				brk = p;
			if (!is_cont(*p) && col++ == w)
				break;
			p++;
		}
		end = p;
		if (*p != '\0' && *p != '\n' && brk != NULL && brk > s)
			end = brk;
		if (draw)
			mvaddnstr(y + rows, x, s, (int)(end - s));
		rows++;
		s = end;
		if (*s == '\n' || *s == ' ')
			s++;
	}
	return rows;
}

static void
hit_add(struct tui *t, int y, int x0, int x1, int key)
{
	if (t->nhits < TUI_MAX_HITS)
		t->hits[t->nhits++] = (struct hit){y, x0, x1, key};
}

/* A clickable "[ label ]" at (y, x); returns the column after it. */
static int
button(struct tui *t, int y, int x, const char *label, int key)
{
	int w = u8cols(label, strlen(label)) + 4;

	attron(A_REVERSE);
	put(y, x, "[ ", 2);
	put(y, x + 2, label, w - 4);
	put(y, x + w - 2, " ]", 2);
	attroff(A_REVERSE);
	hit_add(t, y, x, x + w - 1, key);
	return x + w + 2;
}

static void
begin(struct tui *t)
{
	erase();
	t->nhits = 0;
}

/* Title row: left text, right text, and a line under it. */
static void
header(struct tui *t, const char *left, const char *right)
{
	(void)t;
	attron(A_BOLD);
	put(0, 1, left, COLS - 2);
	attroff(A_BOLD);
	if (right != NULL && right[0] != '\0') {
		int w = u8cols(right, strlen(right));
		put(0, COLS - 1 - w, right, w);
	}
	mvhline(1, 0, ACS_HLINE, COLS);
}

/* The bottom rows: a hint or the idle countdown, then the buttons. */
static void
footer(struct tui *t, enum msg_id back, enum msg_id next)
{
	char b[256], n[16];
	int x = 1, y = LINES - 1;

	mvhline(LINES - 2, 0, ACS_HLINE, COLS);
	if (t->idle_left >= 0) {
		snprintf(n, sizeof n, "%d", t->idle_left);
		attron(A_BOLD);
		wrap(LINES - 4, 1, COLS - 2, LINES - 2,
		    msg_format(b, sizeof b, M_IDLE_WARN, t->lang, n, NULL), 1);
		attroff(A_BOLD);
	} else if (t->flash != M_COUNT) {
		attron(A_BOLD);
		wrap(LINES - 3, 1, COLS - 2, LINES - 2, txt(t, t->flash), 1);
		attroff(A_BOLD);
	}
	x = button(t, y, x, txt(t, M_HIDE), K_ESC);
	if (back != M_COUNT)
		x = button(t, y, x, txt(t, back), KEY_LEFT);
	if (next != M_COUNT)
		button(t, y, x, txt(t, next), '\n');
}

/* Clear the screen and the terminal's scrollback: nothing of the last
 * screen stays for the next person. */
static void
wipe_screen(void)
{
	static const char clear_scrollback[] = "\033[3J";

	clear();
	refresh();
	if (write(STDOUT_FILENO, clear_scrollback,
	    sizeof clear_scrollback - 1) < 0) {
		/* nothing more to do: the screen itself is clear */
	}
}

/* ---- settings -------------------------------------------------------- */

/* The server's settings (from the bundle or a sync) and kiosk.conf
 * together: the stricter of both, that is the longer cooldown, the shorter
 * idle timeout and the longer sync interval. */
static void
settings_load(struct tui *t)
{
	struct kiosk_settings s;

	t->idle_timeout = config_int(t->k->cfg, "idle_timeout");
	t->cooldown = config_int(t->k->cfg, "cooldown");
	t->sync_interval = config_int(t->k->cfg, "sync_interval");
	update_settings(t->k->db, &s);
	if (s.version <= 0)
		return;
	if (s.cooldown > t->cooldown)
		t->cooldown = s.cooldown;
	if (s.idle_timeout < t->idle_timeout)
		t->idle_timeout = s.idle_timeout;
	if (s.sync_interval > t->sync_interval)
		t->sync_interval = s.sync_interval;
}

/* ---- background sync ------------------------------------------------- */

static double
jitter(double secs)
{
	/* 0.8 .. 1.2 times secs */
	return secs * (0.8 + (double)randombytes_uniform(401) / 1000.0);
}

static void
sync_schedule(struct tui *t)
{
	double d = (double)t->sync_interval;

	for (int i = 0; i < t->sync_fails && d < TUI_SYNC_MAX_BACKOFF; i++)
		d *= 2;
	if (d > TUI_SYNC_MAX_BACKOFF && t->sync_interval < TUI_SYNC_MAX_BACKOFF)
		d = TUI_SYNC_MAX_BACKOFF;
	t->next_sync = mono() + jitter(d);
}

/* Fork a child that syncs on its own kiosk handle (sqlite connections do
 * not cross fork), its output going nowhere, and records the result. */
static void
sync_start(struct tui *t)
{
	pid_t pid;

	if (t->sync_pid > 0)
		return;
	if ((pid = fork()) < 0) {
		t->sync_fails++;
		sync_schedule(t);
		return;
	}
	if (pid == 0) {
		struct kiosk *k = NULL;
		char err[1024] = "";
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC), rc;

		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);

		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		rc = t->o->unlock_key != NULL ?
		    kiosk_open_unlocked(&k, t->o->dir, t->o->keydir,
		    t->o->unlock_key, err, sizeof err) :
		    kiosk_open(&k, t->o->dir, t->o->keydir, err, sizeof err);
		if (rc != 0)
			_exit(KIOSK_EFAIL);
		rc = kiosk_sync(k, err, sizeof err);
		tui_sync_record(k, rc, err);
		kiosk_close(k);
		_exit(rc); /* no nng_fini(): see client/main.c */
	}
	t->sync_pid = pid;
}

static void
sync_tick(struct tui *t)
{
	double now = mono();

	if (t->sync_pid > 0) {
		int st;
		pid_t p = waitpid(t->sync_pid, &st, WNOHANG);
		void *v;
		size_t len;

		if (p == t->sync_pid || (p < 0 && errno == ECHILD)) {
			int ok = p == t->sync_pid && WIFEXITED(st) &&
			    WEXITSTATUS(st) == KIOSK_OK;
			t->sync_fails = ok ? 0 : t->sync_fails + 1;
			t->sync_pid = 0;
			settings_load(t); /* the sync may have brought new ones */
			if (store_meta_get(t->k->db, "revoked", &v, &len) == 0) {
				t->k->revoked = 1; /* the server said so */
				free(v);
			}
			sync_schedule(t);
		}
		return;
	}
	if (now < t->next_sync)
		return;
	if (t->last_submit > 0 && now - t->last_submit < TUI_SYNC_QUIET) {
		t->next_sync = t->last_submit + TUI_SYNC_QUIET +
		    jitter((double)t->sync_interval / 4);
		return;
	}
	sync_start(t);
}

/* ---- input ----------------------------------------------------------- */

/* SIGTERM or SIGHUP (the service stopped, the terminal window closed): the
 * response on screen is discarded as Esc would, and the kiosk ends cleanly
 * (exit 0) instead of dying in the middle of the screen. */
static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The countdown shows for the last 15 seconds, or the last third of a
 * shorter timeout (a key pressed while it shows is spent on stopping it). */
static double
warn_secs(const struct tui *t)
{
	double w = (double)t->idle_timeout / 3;

	return w < TUI_WARN_SECS ? w : TUI_WARN_SECS;
}

/* The next key; K_TICK when nothing was pressed for a while (redraw),
 * K_DISCARD when a response has been idle for idle_timeout. Clicks come
 * back as the key of what was clicked. With idle set, the countdown runs;
 * a key pressed while it shows only stops it. */
static int
next_key(struct tui *t, int idle)
{
	MEVENT ev;
	int c;

	if (stopping)
		return K_DISCARD;
	sync_tick(t);
	c = getch();
	if (stopping)
		return K_DISCARD;
	if (c == ERR) {
		double left = (double)t->idle_timeout - (mono() - t->last_key);

		if (!idle) {
			t->idle_left = -1;
			return K_TICK;
		}
		if (left <= 0) {
			t->idle_left = -1;
			return K_DISCARD;
		}
		t->idle_left = left <= warn_secs(t) ? (int)left + 1 : -1;
		return K_TICK;
	}
	t->last_key = mono();
	if (t->idle_left >= 0) {
		t->idle_left = -1;
		return K_TICK;
	}
	t->flash = M_COUNT;
	if (c == KEY_MOUSE) {
		if (getmouse(&ev) != OK ||
		    !(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
			return K_TICK;
		for (int i = 0; i < t->nhits; i++)
			if (t->hits[i].y == ev.y && ev.x >= t->hits[i].x0 &&
			    ev.x <= t->hits[i].x1)
				return t->hits[i].key;
		return K_TICK;
	}
	if (c == KEY_RESIZE)
		return K_TICK;
	return c;
}

/* Choice keys are letters; Caps Lock must not matter. */
static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int
is_enter(int c)
{
	return c == '\n' || c == '\r' || c == KEY_ENTER;
}

static int
is_back(int c)
{
	return c == KEY_LEFT || c == KEY_BACKSPACE || c == 127 || c == 8;
}

/* ---- the response ---------------------------------------------------- */

/* Forget the response: wipe the answers, free the form, clear the screen
 * and scrollback, and put every list back at its neutral position. */
static enum tui_screen
discard(struct tui *t)
{
	form_response_clear(&t->r);
	form_free(t->f);
	t->f = NULL;
	free(t->left_out);
	t->left_out = NULL;
	free(t->steps);
	t->steps = NULL;
	t->nsteps = t->cur = 0;
	sodium_memzero(t->team, sizeof t->team);
	sodium_memzero(t->list, sizeof t->list);
	t->nlist = 0;
	t->list_for = SC_START;
	t->cursor = -1;
	t->scroll = 0;
	t->flash = M_COUNT;
	t->idle_left = -1;
	t->cool_msg = 0;
	t->lang = MSG_NL;
	wipe_screen();
	return SC_START;
}

static int
in_cooldown(const struct tui *t)
{
	return t->last_submit > 0 &&
	    mono() - t->last_submit < (double)t->cooldown;
}

static int
step_visible(const struct tui *t, size_t s)
{
	const struct step *st = &t->steps[s];

	if (st->kind == STEP_NOTE)
		return 1;
	return !t->left_out[st->idx] && form_item_shown(t->f, st->idx, &t->r);
}

/* Clear answers of items that no longer apply (a follow-up whose
 * condition became false), so they are neither sent nor counted. */
static void
normalize(struct tui *t)
{
	for (size_t i = 0; i < t->f->n_items; i++)
		if (t->left_out[i] || !form_item_shown(t->f, i, &t->r))
			t->r.a[i] = (struct form_answer){FORM_NOT_ANSWERED, 0};
}

static int
build_steps(struct tui *t)
{
	size_t n = t->f->n_items + t->f->n_notes;

	if ((t->steps = calloc(n, sizeof *t->steps)) == NULL)
		return -1;
	t->nsteps = 0;
	for (size_t i = 0; i < t->f->n_items; i++) {
		if (!t->left_out[i])
			t->steps[t->nsteps++] = (struct step){STEP_ITEM, i};
		for (size_t j = 0; j < t->f->n_notes; j++)
			if (strcmp(t->f->notes[j].after, t->f->items[i].id) == 0)
				t->steps[t->nsteps++] =
				    (struct step){STEP_NOTE, j};
	}
	return t->nsteps > 0 ? 0 : -1;
}

/* Position of the current item among the items that apply, and their
 * number ("vraag 3 van 12"). */
static void
progress(const struct tui *t, int *pos, int *total)
{
	*pos = *total = 0;
	for (size_t s = 0; s < t->nsteps; s++) {
		if (t->steps[s].kind != STEP_ITEM || !step_visible(t, s))
			continue;
		(*total)++;
		if (s <= t->cur)
			*pos = *total;
	}
}

static int
is_refuse(const struct form_item *it, size_t o)
{
	return it->sensitive && o + 1 == it->n_options &&
	    strcmp(it->options[o].value, FORM_REFUSE) == 0;
}

/* The key that picks option o. */
static int
opt_key(const struct tui *t, const struct form_item *it, size_t o)
{
	if (is_refuse(it, o))
		return 'x';
	switch (it->type) {
	case FORM_LIKERT5:
	case FORM_FREQ5:
		return '1' + (int)o;
	case FORM_SCALE0_10:
		return o < 10 ? '0' + (int)o : txt(t, M_TEN_KEY)[0];
	case FORM_YESNO:
		return o == 0 ? txt(t, M_YES_KEYS)[0] : 'n';
	default:
		return o < 23 ? 'a' + (int)o : 0; /* 'x' is "liever niet" */
	}
}

static int
opt_for_key(const struct tui *t, const struct form_item *it, int c)
{
	if (it->type == FORM_YESNO && (c == 'j' || c == 'y'))
		return 0;
	for (size_t o = 0; o < it->n_options; o++)
		if (c != 0 && opt_key(t, it, o) == c)
			return (int)o;
	return -1;
}

static void
opt_label(const struct tui *t, const struct form_item *it, size_t o,
    char *out, size_t outlen)
{
	const struct form_text *l = &it->options[o].label;
	const char *s = text_of(l, t->lang);

	if (it->type == FORM_SCALE0_10 && !is_refuse(it, o))
		snprintf(out, outlen, "%zu%s%s", o, *s ? " - " : "", s);
	else
		snprintf(out, outlen, "%s", s);
}

/* Go to the next step that applies, or the summary. */
static enum tui_screen
forward(struct tui *t)
{
	for (size_t s = t->cur + 1; s < t->nsteps; s++) {
		if (step_visible(t, s)) {
			t->cur = s;
			t->cursor = -1;
			return SC_STEP;
		}
	}
	t->scroll = 0;
	return SC_SUMMARY;
}

static enum tui_screen
backward(struct tui *t)
{
	for (size_t s = t->cur; s-- > 0;) {
		if (step_visible(t, s)) {
			t->cur = s;
			t->cursor = -1;
			return SC_STEP;
		}
	}
	/* Back from the first question: the questionnaire list; the
	 * response is dropped. */
	form_response_clear(&t->r);
	form_free(t->f);
	t->f = NULL;
	free(t->left_out);
	t->left_out = NULL;
	free(t->steps);
	t->steps = NULL;
	t->list_for = SC_START;
	t->cursor = -1;
	return SC_FORM;
}

/* Choose option o of the current item; 1 when the screen should move on
 * (single answers do). */
static int
choose(struct tui *t, size_t o)
{
	const struct form_item *it = &t->f->items[t->steps[t->cur].idx];
	struct form_answer *a = &t->r.a[t->steps[t->cur].idx];

	if (it->type != FORM_MULTI) {
		*a = (struct form_answer){FORM_ANSWERED, (unsigned)o};
		normalize(t);
		return 1;
	}
	if (a->state != FORM_ANSWERED)
		a->value = 0;
	if (is_refuse(it, o))
		a->value = (a->value & (1u << o)) ? 0 : 1u << o;
	else
		a->value = (a->value ^ (1u << o)) &
		    ~(is_refuse(it, it->n_options - 1) ?
		    1u << (it->n_options - 1) : 0u);
	a->state = a->value != 0 ? FORM_ANSWERED : FORM_NOT_ANSWERED;
	normalize(t);
	return 0;
}

static int
selected(const struct tui *t, size_t item, size_t o)
{
	const struct form_answer *a = &t->r.a[item];

	if (a->state != FORM_ANSWERED)
		return 0;
	if (t->f->items[item].type == FORM_MULTI)
		return (a->value >> o) & 1u;
	return a->value == o;
}

/* The answers as JSON for kiosk_submit (cJSON_Delete wipes them). */
static cJSON *
answers_json(const struct tui *t)
{
	cJSON *j = cJSON_CreateObject();

	for (size_t i = 0; j != NULL && i < t->f->n_items; i++) {
		const struct form_item *it = &t->f->items[i];
		const struct form_answer *a = &t->r.a[i];
		cJSON *v = NULL;

		if (a->state != FORM_ANSWERED || t->left_out[i] ||
		    !form_item_shown(t->f, i, &t->r))
			continue;
		if (it->type == FORM_MULTI) {
			if (is_refuse(it, it->n_options - 1) &&
			    a->value == 1u << (it->n_options - 1)) {
				v = cJSON_CreateString(FORM_REFUSE);
			} else if ((v = cJSON_CreateArray()) != NULL) {
				for (size_t o = 0; o < it->n_options; o++)
					if ((a->value >> o) & 1u)
						cJSON_AddItemToArray(v,
						    cJSON_CreateString(
						    it->options[o].value));
			}
		} else if (a->value >= it->n_options) {
			continue;
		} else if (is_refuse(it, a->value)) {
			v = cJSON_CreateString(FORM_REFUSE);
		} else if (it->type == FORM_YESNO) {
			v = cJSON_CreateBool(a->value == 0);
		} else if (it->type == FORM_CHOICE) {
			v = cJSON_CreateString(it->options[a->value].value);
		} else {
			v = cJSON_CreateNumber(
			    atoi(it->options[a->value].value));
		}
		if (v == NULL || !cJSON_AddItemToObject(j, it->id, v)) {
			cJSON_Delete(v);
			cJSON_Delete(j);
			return NULL;
		}
	}
	return j;
}

/* ---- screens --------------------------------------------------------- */

static enum tui_screen
sc_start(struct tui *t)
{
	int y = 2, x;
	int c;

	begin(t);
	header(t, msg_get(M_TITLE, MSG_NL), msg_get(M_TITLE, MSG_EN));
	for (int l = MSG_NL; l <= MSG_EN; l++) {
		attron(A_BOLD);
		put(y++, 1, msg_get(M_ANON_HEAD, l), COLS - 2);
		attroff(A_BOLD);
		y += wrap(y, 1, COLS - 2, LINES - 4, msg_get(M_ANON_BODY, l), 1);
		y++;
	}
	mvhline(LINES - 4, 0, ACS_HLINE, COLS);
	if (t->k->revoked) {
		put(LINES - 3, 1, msg_get(M_REVOKED, MSG_NL), COLS - 2);
		put(LINES - 2, 1, msg_get(M_REVOKED, MSG_EN), COLS - 2);
	} else if (t->cool_msg && in_cooldown(t)) {
		put(LINES - 3, 1, msg_get(M_COOLDOWN, MSG_NL), COLS - 2);
		put(LINES - 2, 1, msg_get(M_COOLDOWN, MSG_EN), COLS - 2);
	} else {
		char nl[128], en[128];

		t->cool_msg = 0;
		put(LINES - 3, 1, msg_get(M_LANG_PROMPT, MSG_NL), COLS - 2);
		put(LINES - 2, 1, msg_get(M_LANG_PROMPT, MSG_EN), COLS - 2);
		snprintf(nl, sizeof nl, "1  %s", msg_get(M_LANG_SELF, MSG_NL));
		snprintf(en, sizeof en, "2  %s", msg_get(M_LANG_SELF, MSG_EN));
		x = button(t, LINES - 1, 1, nl, '1');
		button(t, LINES - 1, x, en, '2');
	}
	refresh();
	c = lower(next_key(t, 0));
	if (c == K_CTRL_A)
		return SC_PIN;
	if (c != '1' && c != '2' && c != 'n' && c != 'e')
		return SC_START;
	if (t->k->revoked)
		return SC_START;
	if (in_cooldown(t)) {
		t->cool_msg = 1;
		return SC_START;
	}
	t->lang = c == '2' || c == 'e' ? MSG_EN : MSG_NL;
	t->cursor = -1;
	t->scroll = 0;
	return SC_TEAM;
}

static int
list_key(size_t i)
{
	if (i < 9)
		return '1' + (int)i;
	return i - 9 < 26 ? 'a' + (int)(i - 9) : 0;
}

/* A list screen's rows from y; returns the picked index on a key, click
 * or Enter, -1 to stay, -2 back, -3 discard. */
static int
list_screen(struct tui *t, int y)
{
	int rows = LINES - 4 - y, c;

	if (rows < 1)
		rows = 1;
	if (t->cursor >= 0 && t->cursor < t->scroll)
		t->scroll = t->cursor;
	if (t->cursor >= t->scroll + rows)
		t->scroll = t->cursor - rows + 1;
	for (int r = 0; r < rows && (size_t)(t->scroll + r) < t->nlist; r++) {
		size_t i = (size_t)(t->scroll + r);
		char line[320];
		int k = list_key(i);

		snprintf(line, sizeof line, " %c  %s", k ? k : ' ',
		    t->list[i].label);
		if ((int)i == t->cursor)
			attron(A_REVERSE);
		put(y + r, 2, line, COLS - 4);
		if ((int)i == t->cursor)
			attroff(A_REVERSE);
		hit_add(t, y + r, 2, COLS - 2, k ? k : 0);
	}
	footer(t, M_BACK, t->nlist > 0 ? M_NEXT : M_COUNT);
	refresh();
	c = lower(next_key(t, 1));
	if (c == K_ESC || c == K_DISCARD)
		return -3;
	if (is_back(c))
		return -2;
	if (c == KEY_UP)
		t->cursor = t->cursor <= 0 ? 0 : t->cursor - 1;
	else if (c == KEY_DOWN && t->nlist > 0)
		t->cursor = t->cursor + 1 < (int)t->nlist ? t->cursor + 1 :
		    (int)t->nlist - 1;
	else if ((is_enter(c) || c == KEY_RIGHT) && t->cursor >= 0)
		return t->cursor;
	for (size_t i = 0; c < KEY_MIN && c > ' ' && i < t->nlist; i++)
		if (list_key(i) == c)
			return (int)i;
	return -1;
}

static enum tui_screen
sc_team(struct tui *t)
{
	sqlite3_stmt *st;
	int pick;

	if (t->list_for != SC_TEAM) {
		t->nlist = 0;
		t->list_for = SC_TEAM;
	}
	if (t->nlist == 0 && sqlite3_prepare_v2(t->k->db, "SELECT id, name "
	    "FROM teams ORDER BY name, id", -1, &st, NULL) == SQLITE_OK) {
		while (t->nlist < TUI_MAX_LIST &&
		    sqlite3_step(st) == SQLITE_ROW) {
			struct entry *e = &t->list[t->nlist++];
			snprintf(e->id, sizeof e->id, "%s",
			    (const char *)sqlite3_column_text(st, 0));
			snprintf(e->label, sizeof e->label, "%s",
			    (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	begin(t);
	header(t, txt(t, M_CHOOSE_TEAM), NULL);
	put(2, 1, txt(t, M_LIST_HINT), COLS - 2);
	pick = list_screen(t, 4);
	if (pick == -3 || pick == -2)
		return discard(t);
	if (pick < 0)
		return SC_TEAM;
	snprintf(t->team, sizeof t->team, "%s", t->list[pick].id);
	t->list_for = SC_START;
	t->cursor = -1;
	t->scroll = 0;
	return SC_FORM;
}

static enum tui_screen
sc_form(struct tui *t)
{
	sqlite3_stmt *st;
	char err[ERRLEN];
	int pick;

	if (t->list_for != SC_FORM) {
		t->nlist = 0;
		t->list_for = SC_FORM;
		if (sqlite3_prepare_v2(t->k->db, "SELECT DISTINCT id FROM "
		    "forms ORDER BY id", -1, &st, NULL) != SQLITE_OK)
			st = NULL;
	} else {
		st = NULL;
	}
	if (st != NULL) {
		while (t->nlist < TUI_MAX_LIST &&
		    sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st,
			    0);
			struct form *f;

			if (kiosk_form_open(t->k, id, t->team, &f, NULL, err,
			    sizeof err) != 0)
				continue;
			snprintf(t->list[t->nlist].id, FORM_ID_MAX, "%s", id);
			snprintf(t->list[t->nlist].label,
			    sizeof t->list[0].label, "%s",
			    text_of(&f->title, t->lang));
			t->nlist++;
			form_free(f);
		}
		sqlite3_finalize(st);
	}
	begin(t);
	header(t, txt(t, M_CHOOSE_FORM), NULL);
	put(2, 1, t->nlist > 0 ? txt(t, M_LIST_HINT) : txt(t, M_NO_FORMS),
	    COLS - 2);
	pick = list_screen(t, 4);
	if (pick == -3)
		return discard(t);
	if (pick == -2) {
		t->list_for = SC_START;
		t->cursor = -1;
		t->scroll = 0;
		return SC_TEAM;
	}
	if (pick < 0)
		return SC_FORM;
	t->list_for = SC_START;
	if (kiosk_form_open(t->k, t->list[pick].id, t->team, &t->f,
	    &t->left_out, err, sizeof err) != 0 ||
	    (t->r.a = calloc(t->f->n_items, sizeof *t->r.a)) == NULL ||
	    build_steps(t) != 0) {
		t->flash = M_NOT_STORED;
		return discard(t);
	}
	t->r.n = t->f->n_items;
	normalize(t);
	t->cur = 0;
	t->cursor = -1;
	if (!step_visible(t, 0))
		return forward(t);
	return SC_STEP;
}

static enum tui_screen
sc_note(struct tui *t, const struct form_note *n)
{
	int c;

	begin(t);
	header(t, text_of(&t->f->title, t->lang), NULL);
	attron(A_BOLD);
	put(2, 1, txt(t, M_NOTE_HEAD), COLS - 2);
	attroff(A_BOLD);
	wrap(4, 1, COLS - 2, LINES - 4, text_of(&n->text, t->lang), 1);
	footer(t, M_BACK, M_NEXT);
	refresh();
	c = next_key(t, 1);
	if (c == K_ESC || c == K_DISCARD)
		return discard(t);
	if (is_back(c))
		return backward(t);
	if (is_enter(c) || c == KEY_RIGHT || c == ' ')
		return forward(t);
	return SC_STEP;
}

static enum tui_screen
sc_step(struct tui *t)
{
	const struct step *s = &t->steps[t->cur];
	const struct form_item *it;
	const struct form_answer *a;
	char right[64], p1[16], p2[16], label[512];
	int pos, total, y, rows, first = 0, c, o;

	if (s->kind == STEP_NOTE)
		return sc_note(t, &t->f->notes[s->idx]);
	it = &t->f->items[s->idx];
	a = &t->r.a[s->idx];
	progress(t, &pos, &total);
	snprintf(p1, sizeof p1, "%d", pos);
	snprintf(p2, sizeof p2, "%d", total);
	begin(t);
	header(t, text_of(&t->f->title, t->lang),
	    msg_format(right, sizeof right, M_QUESTION_OF, t->lang, p1, p2));
	attron(A_BOLD);
	y = 2 + wrap(2, 1, COLS - 2, 8, text_of(&it->text, t->lang), 1);
	attroff(A_BOLD);
	if (it->type == FORM_MULTI)
		put(y++, 1, txt(t, M_MULTI_HINT), COLS - 2);
	else if (!it->required)
		put(y++, 1, txt(t, M_OPTIONAL), COLS - 2);
	y++;
	rows = LINES - 4 - y;
	if (rows < 1)
		rows = 1;
	if (t->cursor >= rows)
		first = t->cursor - rows + 1;
	for (int r = 0; r < rows && (size_t)(first + r) < it->n_options; r++) {
		size_t i = (size_t)(first + r);
		int k = opt_key(t, it, i), sel = selected(t, s->idx, i);
		char line[600];

		opt_label(t, it, i, label, sizeof label);
		snprintf(line, sizeof line, " %c  %s %s", k ? k : ' ',
		    it->type == FORM_MULTI ? (sel ? "[x]" : "[ ]") :
		    (sel ? "(*)" : "( )"), label);
		if ((int)i == t->cursor)
			attron(A_REVERSE);
		put(y + r, 2, line, COLS - 4);
		if ((int)i == t->cursor)
			attroff(A_REVERSE);
		hit_add(t, y + r, 2, COLS - 2, k ? k : 0);
	}
	footer(t, M_BACK, a->state == FORM_ANSWERED || it->required ?
	    M_NEXT : M_SKIP);
	refresh();
	c = lower(next_key(t, 1));
	if (c == K_ESC || c == K_DISCARD)
		return discard(t);
	if (is_back(c))
		return backward(t);
	if (c == KEY_UP) {
		t->cursor = t->cursor <= 0 ? 0 : t->cursor - 1;
		return SC_STEP;
	}
	if (c == KEY_DOWN) {
		t->cursor = t->cursor + 1 < (int)it->n_options ?
		    t->cursor + 1 : (int)it->n_options - 1;
		return SC_STEP;
	}
	if (c == ' ' && t->cursor >= 0)
		return choose(t, (size_t)t->cursor) ? forward(t) : SC_STEP;
	if (is_enter(c) || c == KEY_RIGHT) {
		if (is_enter(c) && t->cursor >= 0 && it->type != FORM_MULTI &&
		    !selected(t, s->idx, (size_t)t->cursor))
			return choose(t, (size_t)t->cursor) ? forward(t) :
			    SC_STEP;
		if (a->state == FORM_ANSWERED || !it->required)
			return forward(t);
		t->flash = M_REQUIRED;
		return SC_STEP;
	}
	if (c < KEY_MIN && (o = opt_for_key(t, it, c)) >= 0) {
		if (it->type == FORM_MULTI)
			t->cursor = o;
		return choose(t, (size_t)o) ? forward(t) : SC_STEP;
	}
	return SC_STEP;
}

/* The answer(s) to item i as text. */
static void
answer_text(const struct tui *t, size_t i, char *out, size_t outlen)
{
	const struct form_item *it = &t->f->items[i];
	const struct form_answer *a = &t->r.a[i];
	size_t n = 0;

	out[0] = '\0';
	if (a->state != FORM_ANSWERED) {
		snprintf(out, outlen, "%s", txt(t, M_NOT_ANSWERED));
		return;
	}
	for (size_t o = 0; o < it->n_options && n + 1 < outlen; o++) {
		char l[256];

		if (!selected(t, i, o))
			continue;
		opt_label(t, it, o, l, sizeof l);
		n += (size_t)snprintf(out + n, outlen - n, "%s%s",
		    n > 0 ? "; " : "", l);
	}
}

static enum tui_screen
submit(struct tui *t)
{
	char err[1024];
	cJSON *answers;
	int rc, full;

	if (in_cooldown(t)) {
		t->flash = M_COOLDOWN;
		return SC_SUMMARY;
	}
	if ((answers = answers_json(t)) == NULL) {
		t->result = M_NOT_STORED;
	} else {
		rc = kiosk_submit(t->k, t->f->id, t->team, answers, err,
		    sizeof err);
		cJSON_Delete(answers);
		full = rc == KIOSK_EFAIL && strstr(err, STORE_FULL_TEXT);
		sodium_memzero(err, sizeof err);
		t->result = rc == KIOSK_OK ? M_THANKS : rc == KIOSK_EREVOKED ?
		    M_REVOKED : full ? M_DISK_FULL : M_NOT_STORED;
		if (rc == KIOSK_OK) {
			t->last_submit = mono();
			/* Replaced accumulator pages must not linger in the
			 * WAL (secure_delete covers the database file). */
			sqlite3_exec(t->k->db, "PRAGMA wal_checkpoint(TRUNCATE)",
			    NULL, NULL, NULL);
		}
	}
	{
		enum msg_lang lang = t->lang;
		enum msg_id result = t->result;

		discard(t);
		t->lang = lang;
		t->result = result;
	}
	return SC_THANKS;
}

static enum tui_screen
sc_summary(struct tui *t)
{
	int y = 5, rows = (LINES - 4 - y) / 2, line = 0, c;

	begin(t);
	header(t, text_of(&t->f->title, t->lang), txt(t, M_SUMMARY));
	wrap(2, 1, COLS - 2, 4, txt(t, M_SUMMARY_HINT), 1);
	for (size_t s = 0; s < t->nsteps; s++) {
		size_t i = t->steps[s].idx;
		char ans[512];

		if (t->steps[s].kind != STEP_ITEM || !step_visible(t, s))
			continue;
		if (line >= t->scroll && line - t->scroll < rows) {
			int r = y + 2 * (line - t->scroll);
			put(r, 1, text_of(&t->f->items[i].text, t->lang),
			    COLS - 2);
			answer_text(t, i, ans, sizeof ans);
			attron(A_BOLD);
			put(r + 1, 5, ans, COLS - 6);
			attroff(A_BOLD);
		}
		line++;
	}
	footer(t, M_BACK, M_SEND);
	refresh();
	c = next_key(t, 1);
	if (c == K_ESC || c == K_DISCARD)
		return discard(t);
	if (is_back(c)) {
		t->cur = t->nsteps;
		return backward(t);
	}
	if ((c == KEY_DOWN || c == KEY_NPAGE) && t->scroll + rows < line)
		t->scroll++;
	else if ((c == KEY_UP || c == KEY_PPAGE) && t->scroll > 0)
		t->scroll--;
	else if (is_enter(c))
		return submit(t);
	return SC_SUMMARY;
}

static enum tui_screen
sc_thanks(struct tui *t)
{
	double until = mono() + TUI_THANKS_SECS;

	begin(t);
	header(t, txt(t, M_TITLE), NULL);
	attron(A_BOLD);
	wrap(4, 2, COLS - 4, 8, txt(t, t->result), 1);
	attroff(A_BOLD);
	wrap(8, 2, COLS - 4, LINES - 2, txt(t, M_THANKS_HELP), 1);
	refresh();
	while (mono() < until && !stopping) {
		int c = next_key(t, 0);
		if (c != K_TICK && c != K_DISCARD)
			break;
	}
	return discard(t);
}

static enum tui_screen
sc_pin(struct tui *t)
{
	char *pin = NULL;
	size_t n = 0;
	enum tui_screen next = SC_START;

	t->lang = MSG_NL;
	if (t->pin_hash == NULL || t->pin_hash[0] == '\0' ||
	    mono() < t->pin_locked_until) {
		begin(t);
		header(t, msg_get(M_ADMIN, MSG_NL), msg_get(M_ADMIN, MSG_EN));
		put(3, 1, msg_get(t->pin_hash && t->pin_hash[0] ? M_ADMIN_WAIT :
		    M_ADMIN_OFF, MSG_NL), COLS - 2);
		put(4, 1, msg_get(t->pin_hash && t->pin_hash[0] ? M_ADMIN_WAIT :
		    M_ADMIN_OFF, MSG_EN), COLS - 2);
		refresh();
		for (double until = mono() + 3; mono() < until;)
			if (next_key(t, 0) != K_TICK)
				break;
		return discard(t);
	}
	if ((pin = (char *)pcrypto_alloc_secret(TUI_PIN_MAX + 1)) == NULL)
		return discard(t);
	for (;;) {
		char stars[TUI_PIN_MAX + 1];
		int c;

		memset(stars, '*', n);
		stars[n] = '\0';
		begin(t);
		header(t, msg_get(M_ADMIN, MSG_NL), msg_get(M_ADMIN, MSG_EN));
		put(3, 1, msg_get(M_ADMIN_PIN, MSG_NL), 30);
		put(4, 1, msg_get(M_ADMIN_PIN, MSG_EN), 30);
		put(3, 20, stars, TUI_PIN_MAX);
		footer(t, M_COUNT, M_NEXT);
		refresh();
		c = next_key(t, 1);
		if (c == K_ESC || c == K_DISCARD)
			break;
		if (is_back(c) && n > 0) {
			pin[--n] = '\0';
		} else if (is_enter(c)) {
			pin[n] = '\0';
			if (crypto_pwhash_str_verify(t->pin_hash, pin, n) == 0) {
				t->pin_fails = 0;
				next = SC_ADMIN;
				break;
			}
			n = 0;
			if (++t->pin_fails >= TUI_PIN_TRIES) {
				t->pin_fails = 0;
				t->pin_locked_until = mono() +
				    TUI_PIN_LOCK_SECS;
				break;
			}
			t->flash = M_ADMIN_WRONG;
		} else if (c >= ' ' && c < 127 && n < TUI_PIN_MAX) {
			pin[n++] = (char)c;
		}
	}
	pcrypto_free_secret((uint8_t *)pin);
	if (next == SC_START)
		return discard(t);
	wipe_screen();
	return next;
}

static const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
both(char *out, size_t outlen, enum msg_id id)
{
	snprintf(out, outlen, "%s / %s", msg_get(id, MSG_NL),
	    msg_get(id, MSG_EN));
}

static enum tui_screen
sc_admin(struct tui *t)
{
	cJSON *st = tui_status(t->k);
	const cJSON *e, *last;
	char l[512], b[256];
	int y = 2, c;

	begin(t);
	both(l, sizeof l, M_ADMIN);
	header(t, l, t->k->name);
	if (st != NULL) {
		both(b, sizeof b, M_ADMIN_CELLS);
		snprintf(l, sizeof l, "%s: %d", b, cJSON_GetObjectItem(st,
		    "cells")->valueint);
		put(y++, 1, l, COLS - 2);
		both(b, sizeof b, M_ADMIN_BATCHES);
		snprintf(l, sizeof l, "%s: %d", b, cJSON_GetObjectItem(st,
		    "batches")->valueint);
		put(y++, 1, l, COLS - 2);
		both(l, sizeof l, M_ADMIN_RESPONSES);
		put(y++, 1, l, COLS - 2);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(st, "responses")) {
			snprintf(l, sizeof l, "  %s: %d", e->string,
			    e->valueint);
			put(y++, 1, l, COLS - 2);
		}
		last = cJSON_GetObjectItem(st, "last_sync");
		both(b, sizeof b, M_ADMIN_LAST_SYNC);
		if (cJSON_IsObject(last))
			snprintf(l, sizeof l, "%s: %s %s %s", b,
			    json_str(last, "at") ? json_str(last, "at") : "?",
			    msg_get(cJSON_IsTrue(cJSON_GetObjectItem(last,
			    "ok")) ? M_SYNC_OK : M_SYNC_FAILED, MSG_NL),
			    json_str(last, "error") ? json_str(last, "error") :
			    "");
		else
			snprintf(l, sizeof l, "%s: %s", b,
			    msg_get(M_ADMIN_NEVER, MSG_NL));
		put(y++, 1, l, COLS - 2);
		both(b, sizeof b, M_ADMIN_LAST_OK);
		snprintf(l, sizeof l, "%s: %s", b, json_str(st,
		    "last_success") ? json_str(st, "last_success") :
		    msg_get(M_ADMIN_NEVER, MSG_NL));
		put(y++, 1, l, COLS - 2);
		if (t->sync_pid > 0)
			put(y, 1, msg_get(M_ADMIN_SYNCING, MSG_NL), COLS - 2);
		y++;
		both(l, sizeof l, M_ADMIN_FORMS);
		put(y++, 1, l, COLS - 2);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(st, "forms")) {
			snprintf(l, sizeof l, "  %s  %s %d", json_str(e, "id"),
			    msg_get(M_ADMIN_VERSION, MSG_NL),
			    cJSON_GetObjectItem(e, "version")->valueint);
			if (y < LINES - 3)
				put(y++, 1, l, COLS - 2);
		}
	}
	cJSON_Delete(st);
	{
		int x = 1;
		mvhline(LINES - 2, 0, ACS_HLINE, COLS);
		both(l, sizeof l, M_ADMIN_CLOSE);
		x = button(t, LINES - 1, x, l, K_ESC);
		both(l, sizeof l, M_ADMIN_SYNC_NOW);
		x = button(t, LINES - 1, x, l, 's');
		both(l, sizeof l, M_ADMIN_QUIT);
		button(t, LINES - 1, x, l, 'q');
	}
	refresh();
	c = lower(next_key(t, 1));
	if (c == K_ESC || c == K_DISCARD)
		return discard(t);
	if (c == 's')
		sync_start(t);
	if (c == 'q')
		return SC_QUIT;
	return SC_ADMIN;
}

/* ---- status ---------------------------------------------------------- */

static void
meta_json(struct kiosk *k, const char *key, cJSON *into, const char *name)
{
	void *v;
	size_t len;
	cJSON *j;

	if (store_meta_get(k->db, key, &v, &len) != 0) {
		cJSON_AddNullToObject(into, name);
		return;
	}
	j = cJSON_ParseWithLength(v, len);
	free(v);
	if (j == NULL)
		cJSON_AddNullToObject(into, name);
	else
		cJSON_AddItemToObject(into, name, j);
}

cJSON *
tui_status(struct kiosk *k)
{
	cJSON *s = cJSON_CreateObject(), *resp, *forms, *last;
	sqlite3_stmt *st;
	long cells, batches, unreadable = 0;

	if (s == NULL || kiosk_pending(k, &cells, &batches) != 0) {
		cJSON_Delete(s);
		return NULL;
	}
	cJSON_AddStringToObject(s, "terminal", k->name);
	cJSON_AddBoolToObject(s, "revoked", k->revoked);
	cJSON_AddNumberToObject(s, "cells", (double)cells);
	cJSON_AddNumberToObject(s, "batches", (double)batches);
	resp = cJSON_AddObjectToObject(s, "responses");
	if (resp != NULL && sqlite3_prepare_v2(k->db, "SELECT row, box FROM "
	    "acc", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			char *plain = kiosk_acc_open(k,
			    (const char *)sqlite3_column_text(st, 0),
			    sqlite3_column_blob(st, 1),
			    (size_t)sqlite3_column_bytes(st, 1));
			cJSON *j = plain ? cJSON_Parse(plain) : NULL, *have;
			const char *form = json_str(j, "form");
			const cJSON *n = cJSON_GetObjectItem(
			    cJSON_GetObjectItem(j, "agg"), "n");

			util_free_wiped(plain);
			if (form == NULL || !cJSON_IsNumber(n)) {
				unreadable++;
			} else if ((have = cJSON_GetObjectItem(resp,
			    form)) != NULL) {
				cJSON_SetNumberValue(have, have->valuedouble +
				    n->valuedouble);
			} else {
				cJSON_AddNumberToObject(resp, form,
				    n->valuedouble);
			}
			cJSON_Delete(j);
		}
		sqlite3_finalize(st);
	}
	if (unreadable > 0)
		cJSON_AddNumberToObject(s, "unreadable_cells",
		    (double)unreadable);
	forms = cJSON_AddArrayToObject(s, "forms");
	if (forms != NULL && sqlite3_prepare_v2(k->db, "SELECT id, "
	    "MAX(version) FROM forms GROUP BY id ORDER BY id", -1, &st,
	    NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "id",
			    (const char *)sqlite3_column_text(st, 0));
			cJSON_AddNumberToObject(f, "version",
			    sqlite3_column_int(st, 1));
			cJSON_AddItemToArray(forms, f);
		}
		sqlite3_finalize(st);
	}
	meta_json(k, "kiosk_sync_last", s, "last_sync");
	meta_json(k, "kiosk_sync_ok", s, "last_success_record");
	last = cJSON_DetachItemFromObject(s, "last_success_record");
	if (cJSON_IsObject(last) && json_str(last, "at") != NULL)
		cJSON_AddStringToObject(s, "last_success", json_str(last, "at"));
	else
		cJSON_AddNullToObject(s, "last_success");
	cJSON_Delete(last);
	return s;
}

int
tui_sync_record(struct kiosk *k, int rc, const char *why)
{
	char at[32], *text;
	time_t now;
	struct tm tm;
	cJSON *j;
	int res = -1;

	if (pols_now(&now, at, sizeof at) != 0)
		now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%MZ", &tm);
	if ((j = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddStringToObject(j, "at", at);
	cJSON_AddBoolToObject(j, "ok", rc == KIOSK_OK);
	cJSON_AddNumberToObject(j, "rc", rc);
	if (rc != KIOSK_OK)
		cJSON_AddStringToObject(j, "error", why != NULL ? why : "");
	if ((text = cJSON_PrintUnformatted(j)) != NULL) {
		res = store_meta_set(k->db, "kiosk_sync_last", text,
		    strlen(text));
		if (res == 0 && rc == KIOSK_OK)
			res = store_meta_set(k->db, "kiosk_sync_ok", text,
			    strlen(text));
		free(text);
	}
	cJSON_Delete(j);
	return res;
}

/* ---- the loop -------------------------------------------------------- */

/* ncurses needs a UTF-8 locale for the Dutch texts; take the user's, or
 * C.UTF-8 when the user's is not UTF-8. */
static void
utf8_locale(void)
{
	const char *cs;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	if (cs == NULL || strcmp(cs, "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

int
tui_run(struct kiosk *k, const struct tui_opts *o, char *err, size_t errlen)
{
	static enum tui_screen (*const screens[])(struct tui *) = {
		[SC_START] = sc_start, [SC_TEAM] = sc_team,
		[SC_FORM] = sc_form, [SC_STEP] = sc_step,
		[SC_SUMMARY] = sc_summary, [SC_THANKS] = sc_thanks,
		[SC_PIN] = sc_pin, [SC_ADMIN] = sc_admin,
	};
	struct tui *t;
	enum tui_screen sc = SC_START;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "run needs a terminal (stdin and stdout)");
		return KIOSK_EFAIL;
	}
	if ((t = calloc(1, sizeof *t)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return KIOSK_EFAIL;
	}
	t->k = k;
	t->o = o;
	settings_load(t);
	t->pin_hash = config_str(k->cfg, "admin_pin_hash");
	t->idle_left = -1;
	t->flash = M_COUNT;
	t->cursor = -1;
	t->last_key = mono();
	t->next_sync = mono() + jitter((double)t->sync_interval);
	/* The kiosk is left only through the admin screen. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_stop; /* no SA_RESTART: getch returns */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	utf8_locale();
	set_escdelay(25);
	if (initscr() == NULL) {
		free(t);
		snprintf(err, errlen, "cannot start the screen (TERM?)");
		return KIOSK_EFAIL;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(TUI_TICK_MS);
	mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
	mouseinterval(0);
	wipe_screen();
	while (sc != SC_QUIT && !stopping)
		sc = screens[sc](t);
	discard(t);
	endwin();
	if (t->sync_pid > 0)
		waitpid(t->sync_pid, NULL, 0);
	sodium_memzero(t, sizeof *t);
	free(t);
	return KIOSK_OK;
}
