/*
 * score.h - scoring: item scores, scale scores, zones, Cronbach's alpha.
 *
 * The rules (docs/scoring.md), implemented here once:
 *  - item score on 0-100: likert5 (1..5) (v-1)*25; freq5 (0..4) v*25;
 *    scale0_10 v*10; reverse items 100 - score. yesno, choice and multi are
 *    counted, not scored; "zeg ik liever niet" is never scored.
 *  - a respondent's scale score is the mean of the scores of the scale's
 *    answered items, defined only when at least half of its items (rounded
 *    up) are answered.
 *  - zones: higher_is_worse red when score >= cut.red, amber when >=
 *    cut.amber, else green; higher_is_better red when <= cut.red, amber
 *    when <= cut.amber, else green.
 *
 * Scale scores are kept exactly as integers in 1/SCORE_UNIT points: a mean
 * of at most 8 whole numbers is a whole number of 1/840ths (840 = lcm 1..8).
 */
#ifndef POLS_SCORE_H
#define POLS_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "form.h"

#define SCORE_UNIT 840u
#define SCORE_MAX_UNITS (100u * SCORE_UNIT)
#define SCORE_HIST_BINS 10 /* [0,10) ... [80,90) [90,100] */

enum score_zone { SCORE_GREEN = 0, SCORE_AMBER, SCORE_RED };

/* Score 0..100 of option index opt of item it, or -1 when the item type is
 * not scored or opt is the "liever-niet" option. */
int score_item(const struct form_item *it, unsigned opt);

/* Respondent r's score on scale s of form f.
 * Returns 1 with *units set when the score is defined, 0 when fewer than
 * half of its items are answered. item[] (s->n_items entries) receives each
 * item's score or -1 when that item has none; *all is set when every item
 * has a score (the respondent counts for Cronbach's alpha). */
int score_scale(const struct form *f, size_t s, const struct form_response *r,
    uint32_t *units, int item[FORM_SCALE_MAX_ITEMS], int *all);

enum score_zone score_zone(const struct form_scale *s, uint32_t units);
const char *score_zone_name(enum score_zone z);

/* Histogram bin of a scale score. */
unsigned score_bin(uint32_t units);

/* Cronbach's alpha of k items from m respondents who answered all of them,
 * given sums[i] = sum of item i's scores and prod[] = sums of products
 * x_i * x_j for i <= j, in row order (0,0) (0,1) .. (0,k-1) (1,1) ..
 * Returns -1 when alpha is undefined (k < 2, m < 2, or no total variance);
 * the result may be negative. */
double score_alpha(size_t k, uint64_t m, const uint64_t *sums,
    const uint64_t *prod);

/* Index of (i, j), i <= j, in prod[] above. */
size_t score_prod_index(size_t k, size_t i, size_t j);

#endif
