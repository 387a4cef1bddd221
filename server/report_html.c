/*
 * report_html.c - the HTML report: one self-contained, printable page
 * (inline CSS and SVG, no external assets, no script), in Dutch with the
 * English in small print, for a reader who never saw pols.
 *
 * Everything shown comes from the snapshot body (publish.c) and the form:
 * every string of either is escaped (esc), an org name included. A
 * withheld body gets a page that says so and shows no figure of it.
 * Colour is never the only carrier: lights are words, zones are hatched,
 * marks are characters, so the page prints in black and white.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "form.h"
#include "period.h"
#include "body.h"
#include "report.h"

/* The thermometer: a 0-100 bar in a viewBox TW wide. */
#define TW 360
#define TX0 12.0
#define TX1 348.0
#define BAR_Y 13
#define BAR_H 18
#define MAX_LEVELS 8 /* benchmark levels drawn on a bar */

struct page {
	FILE *out;
	const cJSON *b;
	const struct form *f;
	int team;
};

/* ---- reading the body ------------------------------------------------- */

static double
vnum(const cJSON *x, double dflt)
{
	return cJSON_IsNumber(x) && isfinite(x->valuedouble) ?
	    x->valuedouble : dflt;
}

static int
isnum(const cJSON *o, const char *k)
{
	const cJSON *x = body_get(o, k);

	return cJSON_IsNumber(x) && isfinite(x->valuedouble);
}

static const struct form_item *
fitem(const struct form *f, const char *id)
{
	int i = form_item_index(f, id);

	return i >= 0 ? &f->items[i] : NULL;
}

/* ---- writing ---------------------------------------------------------- */

/* Text and attribute values alike; control characters become spaces. */
static void
escn(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; s != NULL && i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
		}
	}
}

static void
esc(FILE *out, const char *s)
{
	escn(out, s, s != NULL ? strlen(s) : 0);
}

/* A number the Dutch way: decimal comma, a real minus sign. */
static void
put_num(FILE *out, double v, int prec)
{
	char buf[64];

	if (!isfinite(v))
		v = 0;
	snprintf(buf, sizeof buf, "%.*f", prec, fabs(v));
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = ',';
	if (v < 0 && strspn(buf, "0,") != strlen(buf))
		fputs("&minus;", out);
	fputs(buf, out);
}

static void
put_diff(FILE *out, double v, int prec)
{
	if (v > 0 && lround(v * pow(10, prec)) != 0)
		fputc('+', out);
	put_num(out, v, prec);
}

static void
put_pct(FILE *out, double share)
{
	put_num(out, 100 * share, 0);
	fputs("&nbsp;%", out);
}

/* "nl / en" (publish.c's reasons): the Dutch, then the English small. */
static void
put_nl_en(FILE *out, const char *s)
{
	const char *sl = strstr(s, " / ");

	if (sl == NULL) {
		esc(out, s);
		return;
	}
	escn(out, s, (size_t)(sl - s));
	fputs(" <span class=\"en\">", out);
	esc(out, sl + 3);
	fputs("</span>", out);
}

static void
put_text(FILE *out, const struct form_text *t)
{
	esc(out, t->nl);
	if (t->en != NULL && t->en[0] != '\0' && (t->nl == NULL ||
	    strcmp(t->nl, t->en) != 0)) {
		fputs(" <span class=\"en\">", out);
		esc(out, t->en);
		fputs("</span>", out);
	}
}

static void
put_scale_name(FILE *out, const struct form *f, const char *id)
{
	const struct form_scale *fs = form_scale_find(f, id);

	esc(out, fs != NULL && fs->name.nl != NULL ? fs->name.nl : id);
}

/* An item's question up to its first '?': short enough for a list. */
static void
put_item_short(FILE *out, const struct form *f, const char *id)
{
	const struct form_item *it = fitem(f, id);
	const char *t = it != NULL ? it->text.nl : NULL, *q;

	if (t == NULL || t[0] == '\0') {
		esc(out, id);
		return;
	}
	q = strchr(t, '?');
	escn(out, t, q != NULL ? (size_t)(q - t) + 1 : strlen(t));
}

static const char *
light_nl(const char *l)
{
	return strcmp(l, "red") == 0 ? "rood" : strcmp(l, "amber") == 0 ?
	    "oranje" : strcmp(l, "green") == 0 ? "groen" : "onbekend";
}

static const char *
light_cls(const char *l)
{
	return strcmp(l, "red") == 0 ? "red" : strcmp(l, "amber") == 0 ?
	    "amber" : strcmp(l, "green") == 0 ? "green" : "none";
}

static const char *
kind_nl(const char *k)
{
	return strcmp(k, "team") == 0 ? "team" : strcmp(k, "district") == 0 ?
	    "district" : strcmp(k, "eenheid") == 0 ? "eenheid" :
	    strcmp(k, "korps") == 0 ? "korps" : "onderdeel";
}

static char
level_letter(const char *level)
{
	return strcmp(level, "district") == 0 ? 'D' :
	    strcmp(level, "eenheid") == 0 ? 'E' :
	    strcmp(level, "korps") == 0 ? 'K' : 'T';
}

static void
put_band(FILE *out, const char *band)
{
	if (strcmp(band, "geen") == 0)
		fputs("geen", out);
	else if (strcmp(band, "1-2") == 0)
		fputs("een of twee", out);
	else if (strcmp(band, "3 of meer") == 0)
		fputs("drie of meer", out);
	else
		esc(out, band);
}

/* The name of the benchmark unit id, or the id. */
static const char *
bench_name(const cJSON *b, const char *unit)
{
	const cJSON *bm;

	cJSON_ArrayForEach(bm, body_get(b, "benchmarks"))
		if (strcmp(body_str(bm, "unit"), unit) == 0 && body_str(bm, "name")[0])
			return body_str(bm, "name");
	return unit;
}

/* ---- head and header -------------------------------------------------- */

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;color:#111;"
    "background:#fff;margin:0;font-size:14px;line-height:1.4}"
    "main{max-width:980px;margin:0 auto;padding:20px 24px}"
    "h1{font-size:24px;margin:0 0 2px}"
    "h2{font-size:18px;margin:26px 0 8px;padding-bottom:3px;"
    "border-bottom:2px solid #333}"
    "h3{font-size:15px;margin:16px 0 6px}"
    ".en{color:#555;font-size:80%;font-weight:normal;font-style:italic}"
    ".sub{color:#333;margin:0}"
    ".meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:10px 0 0;"
    "padding:0;list-style:none}"
    ".meta b{display:block;font-size:12px;color:#444;font-weight:normal}"
    ".meta span.v{font-size:17px;font-weight:bold}"
    ".note{border:2px solid #333;border-left-width:8px;padding:8px 12px;"
    "margin:14px 0;background:#f4f4f4}"
    ".warn{border-color:#b26a00;background:#fff4dc}"
    ".status{display:flex;gap:16px;align-items:flex-start;margin:16px 0;"
    "padding:12px 14px;border:2px solid #333;border-left-width:12px}"
    ".status .word{font-size:22px;font-weight:bold;text-transform:uppercase;"
    "white-space:nowrap;padding:2px 10px;border:2px solid #111}"
    ".status ul{margin:4px 0 0;padding-left:20px}"
    ".st-stabiel{border-color:#2e7d32}.st-stabiel .word{background:#d9efd9}"
    ".st-aandacht{border-color:#b26a00}.st-aandacht .word{background:#fde7b0}"
    ".st-actie{border-color:#c62828}.st-actie .word{background:#f6cccc}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;vertical-align:top;padding:5px 6px;"
    "border-bottom:1px solid #ccc}"
    "th{font-size:12px;background:#eee;border-bottom:2px solid #999}"
    "td.num,th.num{text-align:right;white-space:nowrap}"
    "table.scales{table-layout:fixed}"
    "table.scales td{padding:8px 6px}"
    ".mean{font-size:20px;font-weight:bold}"
    ".small{font-size:12px;color:#333}"
    ".light{display:inline-block;min-width:66px;text-align:center;"
    "font-weight:bold;text-transform:uppercase;padding:2px 6px;"
    "border:2px solid #111;font-size:13px}"
    ".light.red{background:#f6cccc;border-style:double;border-width:4px}"
    ".light.amber{background:#fde7b0;border-style:dashed}"
    ".light.green{background:#d9efd9}"
    ".light.none{background:#fff;color:#555}"
    "svg.thermo{width:100%;height:auto;display:block}"
    "svg.spark{display:block;margin-top:4px}"
    ".bm{font-size:12px;margin-top:2px}"
    ".mark{font-weight:bold}"
    ".better{color:#1b5e20}.worse{color:#b71c1c}"
    "table.items{font-size:12px;margin-bottom:10px;table-layout:fixed}"
    "table.items th,table.items td{padding:3px 4px}"
    "table.items td.num{min-width:30px}"
    "table.items th.q{width:38%}"
    "table.items th{vertical-align:bottom}"
    "table.items th.num{white-space:normal}"
    "td.sig{min-width:90px}"
    ".legend{font-size:12px;margin:4px 0 10px}"
    ".legend svg{vertical-align:middle}"
    ".help li,.howto li{margin-bottom:4px}"
    ".howto dt{font-weight:bold;margin-top:6px}"
    ".howto dd{margin:0 0 0 18px}"
    "footer{margin-top:26px;font-size:11px;color:#444;"
    "border-top:1px solid #999;padding-top:6px}"
    ".withheld-page{font-size:16px;padding:16px 18px;border:3px solid #111;"
    "margin:20px 0;background:#f4f4f4}"
    ".withheld-page .big{font-size:22px;font-weight:bold;margin:0 0 6px}"
    "tr,.status,.note,.withheld-page,svg,dt,dd{break-inside:avoid}"
    "h2,h3{break-after:avoid}"
    "@page{size:A4;margin:14mm 12mm}"
    "@media print{"
    "body{font-size:10pt;-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}"
    "main{max-width:none;padding:0}"
    "h1{font-size:17pt}h2{font-size:13pt;margin-top:14pt}"
    ".mean{font-size:14pt}"
    "table.items{font-size:8pt}"
    "section.items,section.howto{break-before:auto}"
    "thead{display:table-header-group}"
    "}";

static void
put_head(const struct page *p)
{
	FILE *out = p->out;

	fputs("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>", out);
	esc(out, p->f->title.nl);
	fputs(" &ndash; ", out);
	esc(out, body_str(p->b, "name"));
	fputs(" &ndash; ", out);
	esc(out, body_str(p->b, "period"));
	fputs("</title>\n<style>", out);
	fputs(css, out);
	fputs("</style>\n</head>\n<body>\n<main>\n", out);
}

static const char *const months[] = { "januari", "februari", "maart",
	"april", "mei", "juni", "juli", "augustus", "september", "oktober",
	"november", "december" };

/* "2027-F05 (1 t/m 14 maart 2027)", or the campaign id. */
static void
put_period(FILE *out, const char *period)
{
	enum period_kind kind;
	time_t s, e;
	struct tm a, z;

	esc(out, period);
	if (period_classify(period, &kind) == 0 && kind == PERIOD_CAMPAIGN) {
		fputs(" <span class=\"small\">(campagne)</span>", out);
		return;
	}
	if (period_bounds(period, &s, &e) != 0 || gmtime_r(&s, &a) == NULL)
		return;
	e -= 86400; /* the last day, the end is exclusive */
	if (gmtime_r(&e, &z) == NULL || a.tm_mon < 0 || a.tm_mon > 11 ||
	    z.tm_mon < 0 || z.tm_mon > 11)
		return;
	fprintf(out, " <span class=\"small\">(%d", a.tm_mday);
	if (a.tm_mon != z.tm_mon || a.tm_year != z.tm_year)
		fprintf(out, " %s", months[a.tm_mon]);
	if (a.tm_year != z.tm_year)
		fprintf(out, " %d", a.tm_year + 1900);
	fprintf(out, " t/m %d %s %d)</span>", z.tm_mday, months[z.tm_mon],
	    z.tm_year + 1900);
}

static void
put_header(const struct page *p)
{
	FILE *out = p->out;
	const cJSON *b = p->b, *bm;
	int first = 1;

	fputs("<header>\n<p class=\"sub\">", out);
	put_text(out, &p->f->title);
	fputs(" &middot; uitslag / results</p>\n<h1>", out);
	esc(out, body_str(b, "name"));
	fputs("</h1>\n<p class=\"sub\">", out);
	esc(out, kind_nl(body_str(b, "kind")));
	cJSON_ArrayForEach(bm, body_get(b, "benchmarks")) {
		fputs(first ? " in " : " &rsaquo; ", out);
		esc(out, body_str(bm, "name"));
		first = 0;
	}
	fputs("</p>\n<ul class=\"meta\">\n<li><b>Periode <span class=\"en\">"
	    "period</span></b><span class=\"v\">", out);
	put_period(out, body_str(b, "period"));
	fputs("</span></li>\n", out);
	if (!cJSON_IsTrue(body_get(b, "suppressed"))) {
		fputs("<li><b>Respondenten <span class=\"en\">respondents"
		    "</span></b><span class=\"v\">", out);
		put_num(out, body_num(b, "n", 0), 0);
		if (body_num(b, "headcount", 0) > 0) {
			fputs(" van ", out);
			put_num(out, body_num(b, "headcount", 0), 0);
			fputs("</span> medewerkers (", out);
			put_pct(out, body_num(b, "response", 0));
			fputs(" respons)", out);
		} else {
			fputs("</span>", out);
		}
		fputs("</li>\n", out);
	}
	fputs("<li><b>Gepubliceerd <span class=\"en\">published</span></b>"
	    "<span class=\"v\">", out);
	esc(out, body_str(b, "published"));
	fputs("</span>", out);
	if (body_num(b, "snapshot", 1) > 1)
		fputs(" (bijgewerkt met nagekomen antwoorden)", out);
	fputs("</li>\n</ul>\n</header>\n", out);
	if (cJSON_IsTrue(body_get(b, "late")))
		fputs("<p class=\"note warn\"><strong>Nagekomen antwoorden, "
		    "nog niet verwerkt.</strong> Na de publicatie zijn nog "
		    "antwoorden binnengekomen. Ze tellen pas mee als het er "
		    "genoeg zijn om niemand herkenbaar te maken; tot dan "
		    "blijft deze uitslag zoals hij is. <span class=\"en\">"
		    "Late answers, not yet included.</span></p>\n", out);
	if (!cJSON_IsTrue(body_get(b, "suppressed")) &&
	    cJSON_IsTrue(body_get(b, "suspect")))
		fputs("<p class=\"note warn\"><strong>Let op:</strong> er zijn "
		    "meer respondenten dan medewerkers in de organisatielijst. "
		    "Klopt het aantal medewerkers (de bezetting) nog? "
		    "<span class=\"en\">More respondents than staff: check the "
		    "headcount.</span></p>\n", out);
}

/* ---- status ----------------------------------------------------------- */

/* What a status reason is about: "s:<scale>" or "i:<signal item>". */
static int
same_subject(const cJSON *x, const cJSON *y)
{
	int sx = body_get(x, "signal") != NULL, sy = body_get(y, "signal") != NULL;

	return sx == sy && strcmp(body_str(x, sx ? "signal" : "scale"),
	    body_str(y, sy ? "signal" : "scale")) == 0;
}

/* One line for all reasons about the subject of r (r and the ones after
 * it): its light, the benchmarks it is clearly worse than, the trend. */
static void
put_reasons(const struct page *p, const cJSON *r)
{
	FILE *out = p->out;
	const cJSON *x;
	int signal = body_get(r, "signal") != NULL, nb = 0, i = 0, parts = 0;

	fputs("<li><strong>", out);
	if (signal)
		put_item_short(out, p->f, body_str(r, "signal"));
	else
		put_scale_name(out, p->f, body_str(r, "scale"));
	fputs("</strong>: ", out);
	for (x = r; x != NULL; x = x->next)
		if (same_subject(r, x) && body_get(x, "light") != NULL) {
			fprintf(out, "licht <strong>%s</strong>",
			    light_nl(body_str(x, "light")));
			parts++;
		}
	for (x = r; x != NULL; x = x->next)
		if (same_subject(r, x) && body_get(x, "light") == NULL &&
		    strcmp(body_str(x, "against"), "trend") != 0)
			nb++;
	for (x = r; x != NULL; x = x->next) {
		double d = body_num(x, "diff", 0);

		if (!same_subject(r, x) || body_get(x, "light") != NULL ||
		    strcmp(body_str(x, "against"), "trend") == 0)
			continue;
		if (i == 0) {
			fputs(parts++ ? "; duidelijk " : "duidelijk ", out);
			if (signal)
				fputs("vaker &lsquo;ja&rsquo; dan ", out);
			else
				fprintf(out, "%s (ongunstig) dan ", d > 0 ?
				    "hoger" : "lager");
		} else {
			fputs(i == nb - 1 ? " en " : ", ", out);
		}
		esc(out, bench_name(p->b, body_str(x, "against")));
		fputs(" (", out);
		put_diff(out, signal ? 100 * d : d, signal ? 0 : 1);
		fputs(signal ? " procentpunt)" : ")", out);
		i++;
	}
	for (x = r; x != NULL; x = x->next) {
		if (!same_subject(r, x) || body_get(x, "light") != NULL ||
		    strcmp(body_str(x, "against"), "trend") != 0)
			continue;
		fputs(parts++ ? "; duidelijk verslechterd sinds " :
		    "duidelijk verslechterd sinds ", out);
		esc(out, body_str(body_get(p->b, "trend"), "previous_period"));
		fputs(" (", out);
		put_diff(out, body_num(x, "diff", 0), 1);
		fputc(')', out);
	}
	fputs(".</li>\n", out);
}

static void
put_status(const struct page *p)
{
	FILE *out = p->out;
	const cJSON *st = body_get(p->b, "status"), *r;
	const char *level = body_str(st, "level"), *cls;

	if (st == NULL)
		return;
	cls = strcmp(level, "actie nodig") == 0 ? "actie" :
	    strcmp(level, "aandacht") == 0 ? "aandacht" : "stabiel";
	fprintf(out, "<section class=\"status st-%s\">\n<div class=\"word\">",
	    cls);
	esc(out, level[0] ? level : "onbekend");
	fputs("</div>\n<div><strong>Status van dit ", out);
	esc(out, kind_nl(body_str(p->b, "kind")));
	fputs("</strong> <span class=\"en\">status: ", out);
	fputs(strcmp(cls, "actie") == 0 ? "action needed" :
	    strcmp(cls, "aandacht") == 0 ? "attention" : "stable", out);
	fputs("</span><br>\n", out);
	if (strcmp(cls, "actie") == 0)
		fputs("Minstens &eacute;&eacute;n onderwerp staat op rood. "
		    "Bespreek de uitslag met het team, kies samen maatregelen "
		    "en leg ze vast in het plan van aanpak.", out);
	else if (strcmp(cls, "aandacht") == 0)
		fputs("Er is iets om op te letten. Bespreek het met het team: "
		    "wat herkennen jullie, en wat is er nodig?", out);
	else
		fputs("Geen onderwerp op oranje of rood, en nergens duidelijk "
		    "slechter dan de vorige meting of de rest van de "
		    "organisatie. Blijf het gesprek voeren: vraag het team wat "
		    "goed gaat.", out);
	if (cJSON_GetArraySize(body_get(st, "reasons")) > 0) {
		fputs("\n<ul>\n", out);
		cJSON_ArrayForEach(r, body_get(st, "reasons")) {
			const cJSON *y;
			int seen = 0;
			for (y = body_get(st, "reasons")->child; y != r; y = y->next)
				seen |= same_subject(y, r);
			if (!seen)
				put_reasons(p, r);
		}
		fputs("</ul>", out);
	}
	fputs("</div>\n</section>\n", out);
}

/* ---- the thermometer -------------------------------------------------- */

static double
tx(double v)
{
	if (!isfinite(v) || v < 0)
		v = 0;
	if (v > 100)
		v = 100;
	return TX0 + v * (TX1 - TX0) / 100;
}

static void
zone(FILE *out, double lo, double hi, const char *fill, const char *pat,
    size_t idx)
{
	if (hi <= lo)
		return;
	fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
	    "fill=\"%s\"/>", tx(lo), BAR_Y, tx(hi) - tx(lo), BAR_H, fill);
	if (pat != NULL)
		fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
		    "height=\"%d\" fill=\"url(#%s%zu)\"/>", tx(lo), BAR_Y,
		    tx(hi) - tx(lo), BAR_H, pat, idx);
}

static void
tick(FILE *out, double v, const char *anchor)
{
	fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
	    "stroke=\"#555\"/><text x=\"%.1f\" y=\"9\" text-anchor=\"%s\">",
	    tx(v), BAR_Y - 3, tx(v), BAR_Y + BAR_H, tx(v), anchor);
	put_num(out, v, fmod(v, 1) != 0);
	fputs("</text>", out);
}

/* One scale's bar: zones from the form's cuts, the mean and its 95%
 * interval, the benchmark means below. idx makes the ids unique. */
static void
thermo(const struct page *p, size_t idx, const cJSON *sc,
    const struct form_scale *fs)
{
	FILE *out = p->out;
	const cJSON *ci = body_get(sc, "ci"), *bm;
	double m = body_num(sc, "mean", 0);
	int nb = 0, h;

	cJSON_ArrayForEach(bm, body_get(p->b, "benchmarks"))
		if (nb < MAX_LEVELS && isnum(body_by_id(body_get(bm, "scales"),
		    body_str(sc, "id")), "mean"))
			nb++;
	h = nb > 0 ? BAR_Y + BAR_H + 17 + 10 * nb : BAR_Y + BAR_H + 4;
	fprintf(out, "<svg class=\"thermo\" viewBox=\"0 0 %d %d\" "
	    "role=\"img\" aria-labelledby=\"th%zu\" font-size=\"9\" "
	    "font-family=\"DejaVu Sans, Arial, sans-serif\">"
	    "<title id=\"th%zu\">", TW, h, idx, idx);
	put_scale_name(out, p->f, body_str(sc, "id"));
	fputs(": gemiddelde ", out);
	put_num(out, m, 1);
	if (cJSON_GetArraySize(ci) == 2) {
		fputs(", 95%-interval ", out);
		put_num(out, vnum(cJSON_GetArrayItem(ci, 0), m), 1);
		fputs(" tot ", out);
		put_num(out, vnum(cJSON_GetArrayItem(ci, 1), m), 1);
	}
	fprintf(out, ", licht %s</title>", light_nl(body_str(sc, "light")));
	fprintf(out, "<defs><pattern id=\"hr%zu\" width=\"5\" height=\"5\" "
	    "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"5\" stroke=\"#9e1c1c\" "
	    "stroke-width=\"1.6\"/></pattern><pattern id=\"ha%zu\" "
	    "width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\">"
	    "<circle cx=\"2\" cy=\"2\" r=\"0.8\" fill=\"#7a4a00\"/></pattern>"
	    "</defs>", idx, idx);
	if (fs != NULL) {
		double a = fs->cut_amber, r = fs->cut_red;
		if (fs->direction == FORM_HIGHER_IS_BETTER) {
			zone(out, 0, r, "#f6cccc", "hr", idx);
			zone(out, r, a, "#fde7b0", "ha", idx);
			zone(out, a, 100, "#d9efd9", NULL, idx);
		} else {
			zone(out, 0, a, "#d9efd9", NULL, idx);
			zone(out, a, r, "#fde7b0", "ha", idx);
			zone(out, r, 100, "#f6cccc", "hr", idx);
		}
		tick(out, 0, "start");
		if (a > 3 && a < 97)
			tick(out, a, "middle");
		if (r > 3 && r < 97 && fabs(r - a) >= 4)
			tick(out, r, "middle");
		tick(out, 100, "end");
	} else {
		zone(out, 0, 100, "#e4e4e4", NULL, idx);
		tick(out, 0, "start");
		tick(out, 50, "middle");
		tick(out, 100, "end");
	}
	fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
	    "fill=\"none\" stroke=\"#333\"/>", TX0, BAR_Y, TX1 - TX0, BAR_H);
	if (cJSON_GetArraySize(ci) == 2) {
		double lo = vnum(cJSON_GetArrayItem(ci, 0), m);
		double hi = vnum(cJSON_GetArrayItem(ci, 1), m);

		fprintf(out, "<g stroke=\"#111\" stroke-width=\"2\">"
		    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
		    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
		    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/></g>",
		    tx(lo), BAR_Y + BAR_H / 2, tx(hi), BAR_Y + BAR_H / 2,
		    tx(lo), BAR_Y + 3, tx(lo), BAR_Y + BAR_H - 3,
		    tx(hi), BAR_Y + 3, tx(hi), BAR_Y + BAR_H - 3);
	}
	fprintf(out, "<path d=\"M%.1f %dl7 %dl-7 %dl-7 -%dz\" fill=\"#111\" "
	    "stroke=\"#fff\" stroke-width=\"1.5\"/>", tx(m), BAR_Y - 1,
	    BAR_H / 2 + 1, BAR_H / 2 + 1, BAR_H / 2 + 1);
	nb = 0;
	cJSON_ArrayForEach(bm, body_get(p->b, "benchmarks")) {
		const cJSON *x = body_by_id(body_get(bm, "scales"), body_str(sc, "id"));
		double bx;

		if (nb >= MAX_LEVELS || !isnum(x, "mean"))
			continue;
		bx = tx(body_num(x, "mean", 0));
		fprintf(out, "<path d=\"M%.1f %dl4.5 8h-9z\" fill=\"%s\" "
		    "stroke=\"#111\"/><text x=\"%.1f\" y=\"%d\" "
		    "text-anchor=\"middle\" font-weight=\"%s\">%c</text>", bx,
		    BAR_Y + BAR_H + 1, cJSON_IsTrue(body_get(x, "marked")) ? "#111" :
		    "#fff", bx, BAR_Y + BAR_H + 18 + 10 * nb,
		    cJSON_IsTrue(body_get(x, "marked")) ? "bold" : "normal",
		    level_letter(body_str(bm, "level")));
		nb++;
	}
	fputs("</svg>\n", out);
}

/* The series of one scale as a small line (oldest first); gaps where a
 * period had no published mean. */
static void
spark(const struct page *p, const char *id)
{
	FILE *out = p->out;
	const cJSON *series = body_get(body_get(p->b, "trend"), "series"), *x;
	int n = cJSON_GetArraySize(series), have = 0, i = 0, pen = 0;

	cJSON_ArrayForEach(x, series)
		have += isnum(body_get(x, "scales"), id);
	if (n < 2 || have < 2)
		return;
	fputs("<svg class=\"spark\" width=\"120\" height=\"34\" "
	    "viewBox=\"0 0 120 34\" role=\"img\"><title>Verloop: ", out);
	cJSON_ArrayForEach(x, series) {
		esc(out, body_str(x, "period"));
		fputs(" ", out);
		if (isnum(body_get(x, "scales"), id))
			put_num(out, body_num(body_get(x, "scales"), id, 0), 1);
		else
			fputs("niet getoond", out);
		if (x->next != NULL)
			fputs("; ", out);
	}
	fputs("</title><rect x=\"0.5\" y=\"0.5\" width=\"119\" height=\"33\" "
	    "fill=\"#fff\" stroke=\"#bbb\"/><line x1=\"4\" y1=\"17\" "
	    "x2=\"116\" y2=\"17\" stroke=\"#ddd\" stroke-dasharray=\"2 2\"/>"
	    "<path fill=\"none\" stroke=\"#111\" stroke-width=\"1.5\" d=\"",
	    out);
	cJSON_ArrayForEach(x, series) {
		if (isnum(body_get(x, "scales"), id)) {
			double v = fmin(100, fmax(0, body_num(body_get(x, "scales"), id,
			    0)));
			fprintf(out, "%s%.1f %.1f ", pen ? "L" : "M",
			    6 + i * 108.0 / (n - 1), 4 + (100 - v) * 26 / 100);
			pen = 1;
		} else {
			pen = 0;
		}
		i++;
	}
	fputs("\"/>", out);
	i = 0;
	cJSON_ArrayForEach(x, series) {
		if (isnum(body_get(x, "scales"), id)) {
			double v = fmin(100, fmax(0, body_num(body_get(x, "scales"), id,
			    0)));
			fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" "
			    "fill=\"#111\"/>", 6 + i * 108.0 / (n - 1),
			    4 + (100 - v) * 26 / 100, i == n - 1 ? "3" : "1.8");
		}
		i++;
	}
	fputs("</svg>\n", out);
}

/* ---- scales ----------------------------------------------------------- */

static void
put_trend(const struct page *p, const char *id, const struct form_scale *fs)
{
	FILE *out = p->out;
	const cJSON *tr = body_get(p->b, "trend");
	const cJSON *t = body_by_id(body_get(tr, "scales"), id);

	if (t == NULL || !isnum(t, "diff")) {
		fputs(body_str(tr, "previous_period")[0] ? "<span class=\"small\">"
		    "geen vergelijking</span>" : "<span class=\"small\">eerste "
		    "meting</span>", out);
	} else {
		double d = body_num(t, "diff", 0);
		int flat = lround(d * 10) == 0;
		int better = fs == NULL ? 0 :
		    fs->direction == FORM_HIGHER_IS_BETTER ? d > 0 : d < 0;

		fprintf(out, "<span class=\"%s\"><strong>%s ",
		    flat || fs == NULL ? "" : better ? "better" : "worse",
		    flat ? "=" : d > 0 ? "&#9650;" : "&#9660;");
		put_diff(out, d, 1);
		fputs("</strong>", out);
		if (cJSON_IsTrue(body_get(t, "marked")))
			fputs(" <span class=\"mark\">*</span>", out);
		fputs("</span><br><span class=\"small\">", out);
		if (flat)
			fputs("gelijk", out);
		else if (fs != NULL)
			fputs(better ? "beter" : "slechter", out);
		fputs(" dan ", out);
		esc(out, body_str(tr, "previous_period"));
		fputs("</span>", out);
	}
	spark(p, id);
}

static void
put_bench_line(const struct page *p, const char *id)
{
	FILE *out = p->out;
	const cJSON *bm;
	int any = 0;

	cJSON_ArrayForEach(bm, body_get(p->b, "benchmarks")) {
		const cJSON *x = body_by_id(body_get(bm, "scales"), id);

		if (!any)
			fputs("<div class=\"bm\">", out);
		any = 1;
		fprintf(out, "<div><strong>%c</strong>&nbsp;",
		    level_letter(body_str(bm, "level")));
		esc(out, body_str(bm, "name"));
		fputs(": ", out);
		if (cJSON_IsTrue(body_get(bm, "suppressed")) || x == NULL ||
		    !isnum(x, "mean")) {
			fputs("niet getoond</div>", out);
			continue;
		}
		put_num(out, body_num(x, "mean", 0), 1);
		if (isnum(x, "diff")) {
			fputs(" (verschil ", out);
			put_diff(out, body_num(x, "diff", 0), 1);
			if (cJSON_IsTrue(body_get(x, "marked")))
				fputs(" <span class=\"mark\">*</span>", out);
			fputc(')', out);
		}
		fputs("</div>", out);
	}
	if (any)
		fputs("</div>\n", out);
}

static void
put_bench_legend(const struct page *p)
{
	FILE *out = p->out;
	const cJSON *bm;
	int any = 0;

	cJSON_ArrayForEach(bm, body_get(p->b, "benchmarks")) {
		if (!any)
			fputs("<p class=\"legend\">Vergeleken met "
			    "<span class=\"en\">compared with</span>: ", out);
		else
			fputs(" &middot; ", out);
		any = 1;
		fprintf(out, "<strong>%c</strong> = ",
		    level_letter(body_str(bm, "level")));
		esc(out, body_str(bm, "name"));
		fputs(" (", out);
		esc(out, body_str(bm, "level"));
		if (cJSON_IsTrue(body_get(bm, "suppressed")))
			fputs(", niet getoond)", out);
		else {
			fputs(", ", out);
			put_num(out, body_num(bm, "n", 0), 0);
			fputs(" respondenten)", out);
		}
	}
	if (!any)
		return;
	fputs(". Onder de balk: <svg width=\"10\" height=\"9\" "
	    "viewBox=\"0 0 10 9\"><path d=\"M5 0.5l4.5 8h-9z\" fill=\"#fff\" "
	    "stroke=\"#111\"/></svg> hun gemiddelde, <svg width=\"10\" "
	    "height=\"9\" viewBox=\"0 0 10 9\"><path d=\"M5 0.5l4.5 8h-9z\" "
	    "fill=\"#111\" stroke=\"#111\"/></svg> en <span class=\"mark\">*"
	    "</span> = een duidelijk verschil.</p>\n", out);
}

static void
put_scales(const struct page *p)
{
	FILE *out = p->out;
	const cJSON *sc, *tr = body_get(p->b, "trend");
	size_t idx = 0;

	if (cJSON_GetArraySize(body_get(p->b, "scales")) == 0)
		return;
	fputs("<section class=\"scales\">\n<h2>Uitslag per onderwerp "
	    "<span class=\"en\">results per scale (0&ndash;100)</span></h2>\n",
	    out);
	put_bench_legend(p);
	fputs("<table class=\"scales\">\n<colgroup><col style=\"width:20%\">"
	    "<col style=\"width:13%\"><col style=\"width:40%\">"
	    "<col style=\"width:11%\"><col style=\"width:16%\"></colgroup>\n"
	    "<thead><tr><th>Onderwerp <span class=\"en\">scale</span></th>"
	    "<th>Gemiddelde <span class=\"en\">mean</span> (95%-interval)</th>"
	    "<th>Thermometer 0&ndash;100 met groene, oranje en rode zone</th>"
	    "<th>Licht <span class=\"en\">light</span></th><th>Trend", out);
	if (body_str(tr, "previous_period")[0]) {
		fputs(" t.o.v. ", out);
		esc(out, body_str(tr, "previous_period"));
	}
	fputs("</th></tr></thead>\n<tbody>\n", out);
	cJSON_ArrayForEach(sc, body_get(p->b, "scales")) {
		const char *id = body_str(sc, "id");
		const struct form_scale *fs = form_scale_find(p->f, id);
		const cJSON *ci = body_get(sc, "ci");

		fputs("<tr><td><strong>", out);
		put_scale_name(out, p->f, id);
		fputs("</strong>", out);
		if (fs != NULL && fs->name.en != NULL) {
			fputs(" <span class=\"en\">", out);
			esc(out, fs->name.en);
			fputs("</span>", out);
		}
		if (fs != NULL)
			fprintf(out, "<br><span class=\"small\">hoger is %s"
			    "</span>", fs->direction == FORM_HIGHER_IS_BETTER ?
			    "beter" : "slechter");
		if (!isnum(sc, "mean")) {
			fputs("</td><td colspan=\"4\">geen score: niemand "
			    "beantwoordde genoeg vragen van dit onderwerp"
			    "</td></tr>\n", out);
			idx++;
			continue;
		}
		fputs("<br><span class=\"small\">", out);
		put_num(out, body_num(sc, "n", 0), 0);
		fputs(" respondenten", out);
		if (isnum(sc, "alpha")) {
			fputs(", betrouwbaarheid &alpha; ", out);
			put_num(out, body_num(sc, "alpha", 0), 2);
		}
		fputs("</span></td>\n<td><span class=\"mean\">", out);
		put_num(out, body_num(sc, "mean", 0), 1);
		fputs("</span>", out);
		if (cJSON_GetArraySize(ci) == 2) {
			fputs("<br><span class=\"small\">", out);
			put_num(out, vnum(cJSON_GetArrayItem(ci, 0), 0), 1);
			fputs("&ndash;", out);
			put_num(out, vnum(cJSON_GetArrayItem(ci, 1), 0), 1);
			fputs("</span>", out);
		}
		fputs("</td>\n<td>", out);
		thermo(p, idx, sc, fs);
		put_bench_line(p, id);
		fputs("</td>\n<td>", out);
		fprintf(out, "<span class=\"light %s\">%s</span>",
		    light_cls(body_str(sc, "light")), light_nl(body_str(sc, "light")));
		if (isnum(sc, "share_red")) {
			fputs("<br><span class=\"small\">", out);
			put_pct(out, body_num(sc, "share_red", 0));
			fputs(" in rode zone</span>", out);
		}
		fputs("</td>\n<td>", out);
		put_trend(p, id, fs);
		fputs("</td></tr>\n", out);
		idx++;
	}
	fputs("</tbody>\n</table>\n</section>\n", out);
}

/* ---- signals ---------------------------------------------------------- */

static void
put_signal_value(FILE *out, const cJSON *x, int with_n)
{
	if (body_get(x, "band") != NULL && cJSON_IsString(body_get(x, "band"))) {
		put_band(out, body_str(x, "band"));
		return;
	}
	if (!isnum(x, "share")) {
		fputs("&ndash;", out);
		return;
	}
	put_pct(out, body_num(x, "share", 0));
	if (with_n && isnum(x, "answered")) {
		fputs(" <span class=\"small\">van ", out);
		put_num(out, body_num(x, "answered", 0), 0);
		fputs(" antwoorden</span>", out);
	}
}

static void
put_signals(const struct page *p)
{
	FILE *out = p->out;
	const cJSON *sg, *bm;

	if (cJSON_GetArraySize(body_get(p->b, "signals")) == 0)
		return;
	fputs("<section class=\"signals\">\n<h2>Signalen <span class=\"en\">"
	    "signals: yes/no questions</span></h2>\n<p class=\"small\">Hoeveel "
	    "collega&rsquo;s &lsquo;ja&rsquo; zeiden. Over gevoelige "
	    "onderwerpen toont een team alleen een grove indeling: "
	    "<em>geen</em>, <em>een of twee</em> of <em>drie of meer</em> "
	    "collega&rsquo;s.</p>\n<table>\n<thead><tr><th>Vraag</th>"
	    "<th>Dit ", out);
	esc(out, kind_nl(body_str(p->b, "kind")));
	fputs("</th>", out);
	cJSON_ArrayForEach(bm, body_get(p->b, "benchmarks")) {
		fputs("<th>", out);
		esc(out, body_str(bm, "name"));
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	cJSON_ArrayForEach(sg, body_get(p->b, "signals")) {
		const char *id = body_str(sg, "id");

		fputs("<tr><td>", out);
		put_item_short(out, p->f, id);
		fputs("</td><td class=\"sig\"><strong>", out);
		put_signal_value(out, sg, 1);
		fputs("</strong></td>", out);
		cJSON_ArrayForEach(bm, body_get(p->b, "benchmarks")) {
			const cJSON *x = body_by_id(body_get(bm, "signals"), id);
			fputs("<td>", out);
			if (cJSON_IsTrue(body_get(bm, "suppressed")) || x == NULL) {
				fputs("niet getoond</td>", out);
				continue;
			}
			put_signal_value(out, x, 0);
			if (isnum(x, "diff")) {
				fputs(" <span class=\"small\">(", out);
				put_diff(out, 100 * body_num(x, "diff", 0), 0);
				fputs(" procentpunt", out);
				if (cJSON_IsTrue(body_get(x, "marked")))
					fputs(" <span class=\"mark\">*</span>",
					    out);
				fputs(")</span>", out);
			}
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n</section>\n", out);
}

/* ---- items ------------------------------------------------------------ */

/* The column head of an option: its label, a 0-10 item's number. */
static const char *
option_head(const struct form_item *it, size_t o)
{
	const struct form_option *op = &it->options[o];

	if (it->type == FORM_SCALE0_10 && strcmp(op->value, FORM_REFUSE) != 0)
		return op->value;
	return op->label.nl != NULL && op->label.nl[0] ? op->label.nl :
	    op->value;
}

static int
same_options(const struct form_item *a, const struct form_item *b)
{
	if (a->n_options != b->n_options || a->type != b->type)
		return 0;
	for (size_t i = 0; i < a->n_options; i++) {
		if (a->type == FORM_SCALE0_10) {
			if (strcmp(a->options[i].value, b->options[i].value))
				return 0;
			continue;
		}
		const char *la = a->options[i].label.nl;
		const char *lb = b->options[i].label.nl;
		if (strcmp(a->options[i].value, b->options[i].value) != 0 ||
		    (la == NULL) != (lb == NULL) || (la != NULL &&
		    strcmp(la, lb) != 0))
			return 0;
	}
	return 1;
}

static void
put_count(FILE *out, const cJSON *x)
{
	if (cJSON_IsNumber(x))
		put_num(out, x->valuedouble, 0);
	else if (cJSON_IsString(x))
		put_band(out, x->valuestring);
	else
		fputs("&ndash;", out);
}

/* One table for items i..j-1 of the form (all with the same options). */
static void
item_table(const struct page *p, size_t i, size_t j)
{
	FILE *out = p->out;
	const struct form_item *first = &p->f->items[i];
	const cJSON *items = body_get(p->b, "items");
	int ns = 0;

	for (size_t k = i; k < j; k++)
		if (p->f->items[k].cond != NULL &&
		    body_by_id(items, p->f->items[k].id) != NULL)
			ns = 1;
	fputs("<table class=\"items\">\n<thead><tr><th class=\"q\">Vraag"
	    "</th>", out);
	for (size_t o = 0; o < first->n_options; o++) {
		fputs("<th class=\"num\">", out);
		esc(out, option_head(first, o));
		fputs("</th>", out);
	}
	fputs("<th class=\"num\">geen antwoord</th>", out);
	if (ns)
		fputs("<th class=\"num\">niet gevraagd</th>", out);
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t k = i; k < j; k++) {
		const struct form_item *it = &p->f->items[k];
		const cJSON *x = body_by_id(items, it->id);
		const cJSON *c = body_get(x, "counts"), *bands = body_get(x, "bands");

		if (x == NULL)
			continue;
		fputs("<tr><td class=\"q\">", out);
		esc(out, it->text.nl != NULL ? it->text.nl : it->id);
		if (it->type == FORM_SCALE0_10 && it->n_options > 10 &&
		    it->options[0].label.nl != NULL &&
		    it->options[10].label.nl != NULL) {
			fputs(" <span class=\"small\">(0 = ", out);
			esc(out, it->options[0].label.nl);
			fputs(", 10 = ", out);
			esc(out, it->options[10].label.nl);
			fputs(")</span>", out);
		}
		fputs("</td>", out);
		for (size_t o = 0; o < it->n_options; o++) {
			fputs("<td class=\"num\">", out);
			put_count(out, body_get(c != NULL ? c : bands,
			    it->options[o].value));
			fputs("</td>", out);
		}
		fputs("<td class=\"num\">", out);
		put_count(out, body_get(c, "_na"));
		fputs("</td>", out);
		if (ns) {
			fputs("<td class=\"num\">", out);
			put_count(out, body_get(c, "_ns"));
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void
put_items(const struct page *p)
{
	FILE *out = p->out;
	const struct form *f = p->f;
	const cJSON *items = body_get(p->b, "items");
	const char *mod = "";
	size_t i = 0;

	if (cJSON_GetArraySize(items) == 0)
		return;
	fputs("<section class=\"items\">\n<h2>Bijlage: antwoorden per vraag "
	    "<span class=\"en\">appendix: answers per question, number of "
	    "respondents</span></h2>\n", out);
	if (p->team)
		fputs("<p class=\"small\">Bij gevoelige vragen staat op "
		    "teamniveau geen aantal maar een grove indeling (geen, een "
		    "of twee, drie of meer).</p>\n", out);
	while (i < f->n_items) {
		size_t j = i + 1;

		if (body_by_id(items, f->items[i].id) == NULL) {
			i++;
			continue;
		}
		/* items not in the body (withheld) do not split a table */
		while (j < f->n_items && strcmp(f->items[i].module,
		    f->items[j].module) == 0 && (body_by_id(items,
		    f->items[j].id) == NULL || same_options(&f->items[i],
		    &f->items[j])))
			j++;
		if (strcmp(mod, f->items[i].module) != 0) {
			mod = f->items[i].module;
			for (size_t m = 0; m < f->n_modules; m++)
				if (strcmp(f->modules[m].id, mod) == 0) {
					fputs("<h3>", out);
					put_text(out, &f->modules[m].title);
					fputs("</h3>\n", out);
				}
		}
		item_table(p, i, j);
		i = j;
	}
	/* items in the body the form does not know (should not happen) */
	{
		const cJSON *x;
		cJSON_ArrayForEach(x, items)
			if (fitem(f, body_str(x, "id")) == NULL) {
				fputs("<p class=\"small\">", out);
				esc(out, body_str(x, "id"));
				fputs(": niet in de vragenlijst</p>\n", out);
			}
	}
	fputs("</section>\n", out);
}

/* ---- children and what was withheld ----------------------------------- */

static void
put_children(const struct page *p)
{
	FILE *out = p->out;
	const cJSON *c;

	if (cJSON_GetArraySize(body_get(p->b, "children")) == 0)
		return;
	fputs("<section class=\"children\">\n<h2>Onderdelen "
	    "<span class=\"en\">units below</span></h2>\n<table>\n"
	    "<thead><tr><th>Naam</th><th>Soort</th><th>Respondenten</th>"
	    "</tr></thead>\n<tbody>\n", out);
	cJSON_ArrayForEach(c, body_get(p->b, "children")) {
		fputs("<tr><td>", out);
		esc(out, body_str(c, "name"));
		fputs("</td><td>", out);
		esc(out, kind_nl(body_str(c, "kind")));
		fputs("</td><td>", out);
		if (cJSON_IsTrue(body_get(c, "suppressed")) || !isnum(c, "n")) {
			fputs("niet getoond: ", out);
			put_nl_en(out, body_str(c, "reason"));
		} else {
			put_num(out, body_num(c, "n", 0), 0);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n</section>\n", out);
}

static void
put_withheld(const struct page *p)
{
	FILE *out = p->out;
	const cJSON *w = body_get(p->b, "withheld_items"), *x, *y, *bm;
	int any = 0;

	fputs("<section class=\"withheld\">\n<h2>Niet getoond "
	    "<span class=\"en\">withheld</span></h2>\n<p class=\"small\">Om "
	    "niemand herkenbaar te maken laten we sommige uitkomsten weg. "
	    "Van wat hier staat tonen we ook geen aantallen.</p>\n<ul>\n",
	    out);
	/* district-only items, grouped by their reason */
	cJSON_ArrayForEach(x, w) {
		int seen = 0;
		for (y = w->child; y != x; y = y->next)
			if (strcmp(body_str(y, "reason"), body_str(x, "reason")) == 0)
				seen = 1;
		if (seen)
			continue;
		fputs("<li>", out);
		put_nl_en(out, body_str(x, "reason"));
		fputs(":<ul class=\"small\">", out);
		for (y = x; y != NULL; y = y->next)
			if (strcmp(body_str(y, "reason"), body_str(x, "reason")) == 0) {
				fputs("<li>", out);
				put_item_short(out, p->f, body_str(y, "id"));
				fputs("</li>", out);
			}
		fputs("</ul></li>\n", out);
		any = 1;
	}
	cJSON_ArrayForEach(x, body_get(p->b, "withheld")) {
		fputs("<li>", out);
		esc(out, body_str(x, "name"));
		fputs(": ", out);
		put_nl_en(out, body_str(x, "reason"));
		fputs("</li>\n", out);
		any = 1;
	}
	cJSON_ArrayForEach(bm, body_get(p->b, "benchmarks"))
		if (cJSON_IsTrue(body_get(bm, "suppressed"))) {
			fputs("<li>Vergelijking met ", out);
			esc(out, body_str(bm, "name"));
			fputs(": ", out);
			put_nl_en(out, body_str(bm, "reason"));
			fputs("</li>\n", out);
			any = 1;
		}
	cJSON_ArrayForEach(x, body_get(p->b, "scales"))
		if (!isnum(x, "mean")) {
			fputs("<li>", out);
			put_scale_name(out, p->f, body_str(x, "id"));
			fputs(": geen score, te weinig antwoorden</li>\n", out);
			any = 1;
		}
	if (!any)
		fputs("<li>Niets: alle uitkomsten van deze meting staan op "
		    "deze pagina. <span class=\"en\">Nothing withheld.</span>"
		    "</li>\n", out);
	fputs("</ul>\n</section>\n", out);
}

/* ---- reading help, help channels, footer ------------------------------ */

static void
put_howto(const struct page *p)
{
	FILE *out = p->out;
	const struct form *f = p->f;
	long k = lround(body_num(p->b, "k", 5));
	int same = f->n_scales > 0;

	for (size_t i = 1; i < f->n_scales; i++)
		if (f->scales[i].light_red != f->scales[0].light_red ||
		    f->scales[i].light_amber != f->scales[0].light_amber)
			same = 0;
	fputs("<section class=\"howto\">\n<h2>Hoe lees je dit? <span "
	    "class=\"en\">how to read this page</span></h2>\n<dl>\n"
	    "<dt>Gemiddelde</dt><dd>Elk onderwerp is omgerekend naar een "
	    "score van 0 tot 100: het gemiddelde van de antwoorden van alle "
	    "respondenten. Bij de meeste onderwerpen is hoger beter; waar "
	    "hoger slechter is (zoals werkdruk) staat dat erbij en liggen "
	    "de zones andersom.</dd>\n"
	    "<dt>95%-interval</dt><dd>Het streepje rond het gemiddelde "
	    "(&#9670;) op de balk. Met een ander groepje invullers was het "
	    "gemiddelde iets anders uitgevallen; de werkelijke waarde ligt "
	    "vrijwel zeker binnen dit interval. Met weinig respondenten is "
	    "het breed: kijk dan niet naar kleine verschillen.</dd>\n"
	    "<dt>Licht: groen, oranje, rood</dt><dd>De balk heeft een groene, "
	    "een oranje (gestippeld) en een rode zone (gearceerd), volgens de "
	    "grenzen van de vragenlijst. Het licht is <strong>rood</strong> "
	    "als het gemiddelde in de rode zone ligt of als ", out);
	if (same) {
		put_pct(out, f->scales[0].light_red);
		fputs(" of meer", out);
	} else {
		fputs("een flink deel", out);
	}
	fputs(" van de respondenten daar scoort; <strong>oranje</strong> als "
	    "het gemiddelde in de oranje zone ligt, ", out);
	if (same) {
		put_pct(out, f->scales[0].light_amber);
		fputs(" of meer", out);
	} else {
		fputs("een deel", out);
	}
	fputs(" rood scoort of de helft oranje of rood; anders "
	    "<strong>groen</strong>. Een rood licht kan dus ook bij een "
	    "redelijk gemiddelde: dan heeft een groep collega&rsquo;s het "
	    "zwaar.</dd>\n"
	    "<dt>Vergelijking (benchmark)</dt><dd>De driehoekjes onder de "
	    "balk tonen het gemiddelde van het district (D), de eenheid (E) "
	    "en het korps (K). Het verschil is dit onderdeel min dat "
	    "gemiddelde.</dd>\n"
	    "<dt>Markering *</dt><dd>Een verschil met een ster (of een "
	    "gevuld driehoekje) is vrijwel zeker geen toeval &eacute;n groot "
	    "genoeg om ertoe te doen (minstens 5 punten, bij signalen 10 "
	    "procentpunt). Zonder ster: niet duidelijk anders.</dd>\n"
	    "<dt>Trend</dt><dd>&#9650; hoger, &#9660; lager dan de vorige "
	    "meting, met &lsquo;beter&rsquo; of &lsquo;slechter&rsquo; erbij. "
	    "Het lijntje toont de laatste metingen.</dd>\n"
	    "<dt>Status</dt><dd><em>actie nodig</em>: minstens "
	    "&eacute;&eacute;n rood licht; <em>aandacht</em>: een oranje "
	    "licht, of duidelijk slechter dan de vorige meting of dan "
	    "district, eenheid of korps; <em>stabiel</em>: geen van "
	    "beide.</dd>\n", out);
	fprintf(out, "<dt>Anonimiteit (k = %ld)</dt><dd>Uitkomsten tonen we "
	    "pas vanaf %ld respondenten; anders staat er &lsquo;te weinig "
	    "respondenten&rsquo;. Soms laten we ook een tweede groep weg, "
	    "zodat niemand een kleine groep kan terugrekenen. Gevoelige "
	    "vragen tonen we per team alleen grof ingedeeld. Een uitslag "
	    "verandert pas als er genoeg nieuwe antwoorden zijn.</dd>\n"
	    "</dl>\n<p class=\"en\">Scores run from 0 to 100; the interval "
	    "shows the uncertainty; lights are set by the questionnaire's "
	    "cut-offs; a * marks a difference that is both statistically "
	    "clear and large enough to matter; nothing is shown below %ld "
	    "respondents.</p>\n</section>\n", k, k, k);
}

static void
put_help(FILE *out)
{
	fputs("<section class=\"help\">\n<h2>Praten, melden, hulp <span "
	    "class=\"en\">where to get help</span></h2>\n<p>Gebruik deze "
	    "uitslag om met het team in gesprek te gaan: wat herkennen "
	    "jullie, wat gaat goed, wat moet anders? Spreek samen maatregelen "
	    "af. Wie iets vervelends meemaakt of wil praten, kan terecht "
	    "bij:</p>\n<ul>\n"
	    "<li>de eigen <strong>leidinggevende</strong>;</li>\n"
	    "<li>een <strong>vertrouwenspersoon</strong>: luistert, denkt mee "
	    "en doet niets zonder toestemming;</li>\n"
	    "<li>het <strong>diversiteitsnetwerk</strong> (Netwerk "
	    "Diversiteit, NDV);</li>\n"
	    "<li>het <strong>sociaal meldpunt</strong> (de sociale helpdesk) "
	    "of <strong>bedrijfsmaatschappelijk werk</strong>.</li>\n</ul>\n"
	    "<p class=\"small\">Deze vragenlijst is anoniem en geldt niet als "
	    "melding. <span class=\"en\">Leader, confidential adviser, "
	    "diversity network, social help desk or company social "
	    "work. This survey is anonymous and is not a report.</span></p>\n"
	    "</section>\n", out);
}

static void
put_footer(const struct page *p)
{
	FILE *out = p->out;

	fputs("<footer>pols &middot; ", out);
	esc(out, p->f->title.nl);
	fputs(" &middot; ", out);
	esc(out, body_str(p->b, "name"));
	fputs(" &middot; periode ", out);
	esc(out, body_str(p->b, "period"));
	if (!cJSON_IsTrue(body_get(p->b, "suppressed"))) {
		fputs(" &middot; momentopname ", out);
		put_num(out, body_num(p->b, "snapshot", 1), 0);
	}
	fputs(" &middot; gepubliceerd ", out);
	esc(out, body_str(p->b, "published"));
	fputs(". Anoniem: geen uitkomst over minder dan k respondenten."
	    "</footer>\n</main>\n</body>\n</html>\n", out);
}

/* ---- a withheld unit -------------------------------------------------- */

static void
put_suppressed(const struct page *p)
{
	FILE *out = p->out;
	const char *reason = body_str(p->b, "reason");
	long k = lround(body_num(p->b, "k", 5));

	fputs("<section class=\"withheld-page\">\n<p class=\"big\">Niet "
	    "getoond: ", out);
	put_nl_en(out, reason[0] ? reason : "te weinig respondenten / too "
	    "few respondents");
	fputs("</p>\n", out);
	if (strstr(reason, "beschermen") != NULL)
		fputs("<p>Over deze periode tonen we voor dit onderdeel geen "
		    "uitkomsten. Dat is nodig om een kleinere groep te "
		    "beschermen: anders zou iemand hun antwoorden kunnen "
		    "terugrekenen uit de andere cijfers.</p>\n", out);
	else
		fprintf(out, "<p>Over deze periode tonen we voor dit "
		    "onderdeel geen uitkomsten, ook geen aantallen. Uitkomsten "
		    "verschijnen pas als minstens %ld collega&rsquo;s de "
		    "vragenlijst invulden; zo blijft ieders antwoord "
		    "anoniem.</p>\n", k);
	fputs("<p>Wat kun je doen? Vertel het team waarom hun mening telt, "
	    "geef tijd om de vragenlijst in te vullen en laat zien wat er met "
	    "eerdere uitkomsten is gedaan. <span class=\"en\">No results are "
	    "shown for this period, to keep every answer anonymous.</span>"
	    "</p>\n</section>\n", out);
	put_children(p);
	put_help(out);
}

/* ---- the page --------------------------------------------------------- */

int
report_html(const cJSON *b, const struct form *f, FILE *out)
{
	struct page p = { out, b, f, strcmp(body_str(b, "kind"), "team") == 0 };

	put_head(&p);
	put_header(&p);
	if (cJSON_IsTrue(body_get(b, "suppressed"))) {
		put_suppressed(&p);
	} else {
		put_status(&p);
		put_scales(&p);
		put_signals(&p);
		put_children(&p);
		put_withheld(&p);
		put_howto(&p);
		put_help(out);
		put_items(&p);
	}
	put_footer(&p);
	return ferror(out) ? -1 : 0;
}

int
report_html_progress(const cJSON *j, const struct form *f, FILE *out)
{
	const cJSON *x;

	fputs("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
	    "<title>", out);
	esc(out, f->title.nl);
	fputs("</title>\n<style>", out);
	fputs(css, out);
	fputs("</style></head><body>\n<h1>", out);
	esc(out, f->title.nl);
	fputs(" &middot; periode ", out);
	esc(out, body_str(j, "period"));
	fputs("</h1>\n<p>Deze periode loopt nog: er zijn nog geen uitkomsten, "
	    "alleen de respons per team. Onder de ", out);
	fprintf(out, "%.0f", body_num(j, "k", 5));
	fputs(" respondenten staat er geen aantal. <span lang=\"en\">Still "
	    "open: no results yet, only the response per team.</span></p>\n"
	    "<table><thead><tr><th>Team</th><th>Respondenten</th></tr></thead>"
	    "<tbody>\n", out);
	cJSON_ArrayForEach(x, body_get(j, "progress")) {
		const cJSON *n = body_get(x, "n");
		fputs("<tr><td>", out);
		esc(out, body_str(x, "team"));
		fputs("</td><td>", out);
		if (cJSON_IsNumber(n))
			fprintf(out, "%.0f", n->valuedouble);
		else
			fprintf(out, "minder dan %.0f", body_num(j, "k", 5));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}
