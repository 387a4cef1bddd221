/*
 * msg.h - the kiosk's message catalogue: every text the kiosk screen
 * shows that does not come from a form, in Dutch and English.
 *
 * Code paths name a message by id and never hold user-facing text. A
 * message may carry placeholders {1} and {2}, filled by msg_format() (no
 * printf formats: translators cannot break the program). Questions,
 * options and notes come from the signed forms, not from here.
 */
#ifndef POLS_MSG_H
#define POLS_MSG_H

#include <stddef.h>

enum msg_lang { MSG_NL = 0, MSG_EN = 1 };

enum msg_id {
	M_TITLE,
	M_ANON_HEAD,
	M_ANON_BODY,
	M_LANG_PROMPT,
	M_LANG_SELF,
	M_COOLDOWN,
	M_CHOOSE_TEAM,
	M_CHOOSE_FORM,
	M_NO_FORMS,
	M_LIST_HINT,
	M_QUESTION_OF,
	M_HIDE,
	M_BACK,
	M_NEXT,
	M_SKIP,
	M_REQUIRED,
	M_OPTIONAL,
	M_MULTI_HINT,
	M_TEN_KEY,
	M_YES_KEYS,
	M_NOTE_HEAD,
	M_SUMMARY,
	M_SUMMARY_HINT,
	M_NOT_ANSWERED,
	M_SEND,
	M_THANKS,
	M_THANKS_HELP,
	M_NOT_STORED,
	M_DISK_FULL,
	M_REVOKED,
	M_IDLE_WARN,
	M_ADMIN,
	M_ADMIN_PIN,
	M_ADMIN_WRONG,
	M_ADMIN_WAIT,
	M_ADMIN_OFF,
	M_ADMIN_TERMINAL,
	M_ADMIN_RESPONSES,
	M_ADMIN_CELLS,
	M_ADMIN_BATCHES,
	M_ADMIN_LAST_SYNC,
	M_ADMIN_LAST_OK,
	M_ADMIN_NEVER,
	M_ADMIN_SYNCING,
	M_ADMIN_FORMS,
	M_ADMIN_VERSION,
	M_ADMIN_SYNC_NOW,
	M_ADMIN_QUIT,
	M_ADMIN_CLOSE,
	M_SYNC_OK,
	M_SYNC_FAILED,
	M_PASS_PROMPT,
	M_PASS_WRONG,
	M_PASS_UNLOCKED,
	M_PASS_SHORT,
	M_PASS_MISMATCH,
	M_LOCKED_MODE,
	M_LOCK_DONE,
	M_COUNT
};

/* The text of id in lang; never NULL. */
const char *msg_get(enum msg_id id, enum msg_lang lang);

/* msg_get with {1} and {2} replaced by a1 and a2 (NULL: empty), cut to
 * fit out (outlen > 0). Returns out. */
const char *msg_format(char *out, size_t outlen, enum msg_id id,
    enum msg_lang lang, const char *a1, const char *a2);

#endif
