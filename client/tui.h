/*
 * tui.h - the interactive kiosk screen (`pols-kiosk run`) and the status
 * it shares with `pols-kiosk status`.
 *
 * The screen is ncurses, usable with keyboard only in 80x24 and with a
 * mouse or touch screen: start (anonymity explained in Dutch and English,
 * choose a language) -> team -> open questionnaire -> one question a
 * screen -> summary -> "Versturen" -> "Bedankt" -> start. Answers live
 * only in memory (a form_response, wiped) until kiosk_submit() folds them
 * into the encrypted accumulator, the same path as `pols-kiosk answer`.
 * Esc discards a response at once; so does the idle timeout. After a
 * response the screen and the terminal's scrollback are cleared. Ctrl-C,
 * Ctrl-Z and Ctrl-\ do not leave the kiosk; Ctrl-A and the admin PIN open
 * the admin screen, which shows counts only. Syncing runs in a child
 * process on its own kiosk handle, never blocking the screen.
 *
 * All texts come from the forms and from msg.h.
 */
#ifndef POLS_TUI_H
#define POLS_TUI_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "kiosk.h"

struct tui_opts {
	const char *dir;           /* KDIR, for the sync child */
	const char *keydir;        /* or NULL */
	const uint8_t *unlock_key; /* unlock mode: the storage key, or NULL */
};

/* Run the screen until an administrator quits it. Returns KIOSK_OK, or
 * KIOSK_EFAIL with a one-line reason in err (no terminal, ...). */
int tui_run(struct kiosk *k, const struct tui_opts *o, char *err,
    size_t errlen);

/* What the terminal holds, as counts only: terminal, revoked, cells,
 * batches, responses per questionnaire not yet sent, forms and their
 * versions, last sync and last successful sync. NULL on error. The caller
 * frees it with cJSON_Delete. */
cJSON *tui_status(struct kiosk *k);

/* Remember the result of a sync (KIOSK_ code and its reason) with the time
 * cut to the minute, for tui_status. 0 or -1. */
int tui_sync_record(struct kiosk *k, int rc, const char *why);

#endif
