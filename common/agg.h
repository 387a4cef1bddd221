/*
 * agg.h - aggregates: the only form in which answers are kept or travel.
 *
 * An aggregate holds, for one cell (team, form version, period), the number
 * of respondents n and, per item, a count per option value plus "_na" (shown
 * but not answered) and "_ns" (not shown because of show_if). No single
 * response can be taken out of it again.
 *
 * Its JSON form (docs/forms.md, "Counts"):
 *   {"n": 12, "items": [{"id": "veiligheid",
 *                        "counts": {"0": 0, ..., "10": 3, "_na": 1, "_ns": 0}}]}
 * Every option of the item appears, zeros included. For single-answer items
 * the counts (with _na and _ns) sum to n; for multi items each option count
 * is at most n - _na - _ns. Then "scales": per scale its respondents, the
 * sum and sum of squares of their scores in 1/840 points (as strings: they
 * pass 2^53), counts per zone, a 10-bin histogram, and optionally "full":
 * the Cronbach block (docs/scoring.md).
 *
 * agg_from_json() treats its input as hostile: sizes are capped, counts are
 * bounded (AGG_MAX_COUNT), duplicates refused.
 */
#ifndef POLS_AGG_H
#define POLS_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "form.h"

#define AGG_MAX_COUNT 100000000u /* per cell; far above any team */

struct agg; /* opaque */

/* An empty aggregate (n = 0) with every item and option of f. NULL on OOM. */
struct agg *agg_new(const struct form *f);
void agg_free(struct agg *a); /* accepts NULL; wipes memory */

/* An aggregate with n = 0 and no items or scales, to merge others into
 * (it takes their items, scales and Cronbach blocks). NULL on OOM. */
struct agg *agg_empty(void);

/* Fold one validated response in (r from form_response_parse against the
 * same form). Returns 0, or -1 when a count would pass AGG_MAX_COUNT. */
int agg_add(struct agg *a, const struct form *f, const struct form_response *r);

uint64_t agg_n(const struct agg *a);

/* JSON text as above; caller frees with free(). NULL on OOM. */
char *agg_to_json(const struct agg *a);

/* Parse structurally (no form needed). 0, or -1 with reason in err. */
int agg_from_json(const char *json, size_t len, struct agg **out, char *err,
    size_t errlen);

/* Check a against form f: every item of f present and no other, every
 * option key valid for its item and none missing, counts consistent as
 * described above. 0, or -1 with reason in err
 * ("item 'x': counts sum to 7, n is 8"). */
int agg_check(const struct agg *a, const struct form *f, char *err,
    size_t errlen);

/* Remove the Cronbach blocks ("full": item-score sums and products) of
 * every scale. Done before an aggregate enters a team cell: in a small group
 * they pin down individual answer patterns. */
void agg_drop_full(struct agg *a);

/* into += from, matched by item id and option value. Items or options in
 * only one side are added; an item missing from one side counts that
 * side's n as "_ns" so sums stay consistent. Returns 0, or -1 on overflow
 * past AGG_MAX_COUNT (into unchanged) or OOM. */
int agg_merge(struct agg *into, const struct agg *from);

/* Read access, for the indicators (server/indicators.c). Items and scales
 * are looked up by id; -1 / NULL when a has none of that id. */
int agg_item_find(const struct agg *a, const char *id);
size_t agg_item_n_options(const struct agg *a, size_t i);
const char *agg_item_value(const struct agg *a, size_t i, size_t o);
uint64_t agg_item_count(const struct agg *a, size_t i, size_t o);
uint64_t agg_item_na(const struct agg *a, size_t i);
uint64_t agg_item_ns(const struct agg *a, size_t i);

struct agg_scale_view {
	uint64_t n;     /* respondents with a defined score */
	uint64_t sum;   /* of their scores, 1/SCORE_UNIT points */
	uint64_t sumsq; /* of squared scores, 1/SCORE_UNIT^2 points */
	uint64_t zone[3]; /* green, amber, red */
	uint64_t hist[10];
	uint64_t full_n; /* respondents in the Cronbach block; 0: none */
	double alpha;    /* Cronbach's alpha, -1 when undefined or no block */
};
int agg_scale_get(const struct agg *a, const char *id,
    struct agg_scale_view *out);

#endif
