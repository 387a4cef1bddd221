/*
 * msg.c - see msg.h. Dutch at language level B1 (short sentences, common
 * words), English second. Keep each text short enough for an 80x24
 * screen: the start screen shows M_ANON_BODY in both languages at once.
 */
#include <string.h>

#include "msg.h"

struct msg {
	const char *nl;
	const char *en;
};

static const struct msg msgs[M_COUNT] = {
	[M_TITLE] = {"pols - anonieme vragenlijst",
	    "pols - anonymous questionnaire"},
	[M_ANON_HEAD] = {"Anoniem: wat gebeurt er met je antwoorden?",
	    "Anonymous: what happens to your answers?"},
	[M_ANON_BODY] = {
	    "Je naam wordt niet gevraagd. We bewaren alleen totalen per team "
	    "en periode, versleuteld; jouw losse antwoorden bewaren we niet. "
	    "Je teamchef ziet de cijfers van je team pas als 5 collega's of "
	    "meer meedoen. HR ziet ook alleen totalen, per team en hoger, met "
	    "dezelfde grens. "
	    "Hulp nodig? Ga naar je leidinggevende, een vertrouwenspersoon, "
	    "het Netwerk Diversiteit (NDV) of de sociale helpdesk.",
	    "You are not asked for your name. We keep only totals per team "
	    "and period, encrypted; your single answers are not kept. Your "
	    "team chief sees your team's figures only when 5 colleagues or "
	    "more take part. HR also sees only totals, per team and higher, "
	    "with the same limit. "
	    "Need help? Go to your leader, a vertrouwenspersoon (confidential "
	    "adviser), the diversity network (NDV) or the social help desk."},
	[M_LANG_PROMPT] = {"Kies je taal om te beginnen:",
	    "Choose your language to start:"},
	[M_LANG_SELF] = {"Nederlands", "English"},
	[M_COOLDOWN] = {"Een moment geduld: deze terminal neemt zo weer "
	    "antwoorden aan.", "Just a moment: this terminal takes answers "
	    "again shortly."},
	[M_CHOOSE_TEAM] = {"Kies je team", "Choose your team"},
	[M_CHOOSE_FORM] = {"Kies een vragenlijst", "Choose a questionnaire"},
	[M_NO_FORMS] = {"Voor dit team staat nu geen vragenlijst open.",
	    "No questionnaire is open for this team right now."},
	[M_LIST_HINT] = {"Kies met de toets ervoor, of met pijltjes en Enter.",
	    "Choose with the key in front, or with the arrows and Enter."},
	[M_QUESTION_OF] = {"vraag {1} van {2}", "question {1} of {2}"},
	[M_HIDE] = {"Esc: snel verbergen", "Esc: hide now"},
	[M_BACK] = {"< Terug", "< Back"},
	[M_NEXT] = {"Verder >", "Next >"},
	[M_SKIP] = {"Overslaan >", "Skip >"},
	[M_REQUIRED] = {"Kies eerst een antwoord.",
	    "Please choose an answer first."},
	[M_OPTIONAL] = {"Deze vraag mag je overslaan.",
	    "You may skip this question."},
	[M_MULTI_HINT] = {"Je mag meer antwoorden kiezen. Daarna Enter.",
	    "You may choose more than one answer. Then press Enter."},
	[M_TEN_KEY] = {"t", "t"},
	[M_YES_KEYS] = {"j", "y"},
	[M_NOTE_HEAD] = {"Goed om te weten", "Good to know"},
	[M_SUMMARY] = {"Je antwoorden", "Your answers"},
	[M_SUMMARY_HINT] = {"Klopt alles? Kies Versturen. Met Terug kun je "
	    "nog iets veranderen.", "Is everything right? Choose Send. With "
	    "Back you can still change something."},
	[M_NOT_ANSWERED] = {"(niet beantwoord)", "(not answered)"},
	[M_SEND] = {"Versturen", "Send"},
	[M_THANKS] = {"Bedankt! Je antwoorden zijn opgeslagen.",
	    "Thank you! Your answers have been saved."},
	[M_THANKS_HELP] = {"Wil je ergens over praten? Ga naar je "
	    "leidinggevende, een vertrouwenspersoon, het NDV of de sociale "
	    "helpdesk.", "Would you like to talk about something? Go to your "
	    "leader, a vertrouwenspersoon, the NDV or the social help desk."},
	[M_NOT_STORED] = {"Opslaan is niet gelukt. Er is niets bewaard. Meld "
	    "dit aan de beheerder.", "Saving did not work. Nothing was kept. "
	    "Please tell the administrator."},
	[M_DISK_FULL] = {"Opslaan is niet gelukt: de schijf van deze "
	    "terminal is vol. Er is niets bewaard. Meld dit aan de beheerder.",
	    "Saving did not work: this terminal's disk is full. Nothing was "
	    "kept. Please tell the administrator."},
	[M_REVOKED] = {"Deze terminal neemt geen antwoorden meer aan.",
	    "This terminal no longer takes answers."},
	[M_IDLE_WARN] = {"Ben je er nog? Druk op een toets. Anders wissen we "
	    "je antwoorden over {1} seconden.", "Are you still there? Press a "
	    "key. Otherwise your answers are deleted in {1} seconds."},
	[M_ADMIN] = {"Beheer", "Admin"},
	[M_ADMIN_PIN] = {"Beheercode:", "Admin PIN:"},
	[M_ADMIN_WRONG] = {"Code onjuist.", "Wrong PIN."},
	[M_ADMIN_WAIT] = {"Te vaak fout. Probeer het later opnieuw.",
	    "Too many wrong PINs. Try again later."},
	[M_ADMIN_OFF] = {"Het beheerscherm staat uit (admin_pin_hash is "
	    "leeg).", "The admin screen is off (admin_pin_hash is empty)."},
	[M_ADMIN_TERMINAL] = {"Terminal", "Terminal"},
	[M_ADMIN_RESPONSES] = {"Antwoorden nog niet verzonden, per "
	    "vragenlijst:", "Responses not yet sent, per questionnaire:"},
	[M_ADMIN_CELLS] = {"Open cellen", "Open cells"},
	[M_ADMIN_BATCHES] = {"Te verzenden batches", "Batches to send"},
	[M_ADMIN_LAST_SYNC] = {"Laatste synchronisatie", "Last sync"},
	[M_ADMIN_LAST_OK] = {"Laatste geslaagde synchronisatie",
	    "Last successful sync"},
	[M_ADMIN_NEVER] = {"nog nooit", "never"},
	[M_ADMIN_SYNCING] = {"bezig met synchroniseren...", "syncing..."},
	[M_ADMIN_FORMS] = {"Vragenlijsten op deze terminal:",
	    "Questionnaires on this terminal:"},
	[M_ADMIN_VERSION] = {"versie", "version"},
	[M_ADMIN_SYNC_NOW] = {"s: nu synchroniseren", "s: sync now"},
	[M_ADMIN_QUIT] = {"q: kiosk afsluiten", "q: quit the kiosk"},
	[M_ADMIN_CLOSE] = {"Esc: terug", "Esc: back"},
	[M_SYNC_OK] = {"gelukt", "ok"},
	[M_SYNC_FAILED] = {"mislukt", "failed"},
	[M_PASS_PROMPT] = {"Wachtwoord", "Passphrase"},
	[M_PASS_WRONG] = {"wachtwoord onjuist", "wrong passphrase"},
	[M_PASS_UNLOCKED] = {"ontgrendeld", "unlocked"},
	[M_PASS_SHORT] = {"wachtwoord te kort (minimaal {1} tekens)",
	    "passphrase too short (at least {1} characters)"},
	[M_PASS_MISMATCH] = {"de wachtwoorden verschillen",
	    "the passphrases differ"},
	[M_LOCKED_MODE] = {"deze terminal staat in ontgrendelmodus: start met "
	    "--unlock", "this terminal is in unlock mode: start it with "
	    "--unlock"},
	[M_LOCK_DONE] = {"terminal vergrendeld: storage.key is verwijderd; "
	    "start met --unlock", "terminal locked: storage.key removed; start "
	    "with --unlock"},
};

const char *
msg_get(enum msg_id id, enum msg_lang lang)
{
	const struct msg *m;

	if ((unsigned)id >= M_COUNT)
		return "";
	m = &msgs[id];
	if (lang == MSG_EN && m->en != NULL)
		return m->en;
	return m->nl != NULL ? m->nl : "";
}

const char *
msg_format(char *out, size_t outlen, enum msg_id id, enum msg_lang lang,
    const char *a1, const char *a2)
{
	const char *s = msg_get(id, lang);
	size_t n = 0;

	while (*s != '\0' && n + 1 < outlen) {
		const char *a = NULL;

		if (s[0] == '{' && (s[1] == '1' || s[1] == '2') && s[2] == '}') {
			a = s[1] == '1' ? a1 : a2;
			for (; a != NULL && *a != '\0' && n + 1 < outlen; a++)
				out[n++] = *a;
			s += 3;
			continue;
		}
		out[n++] = *s++;
	}
	out[n] = '\0';
	return out;
}
