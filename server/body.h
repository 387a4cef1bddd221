/*
 * body.h - reading a snapshot body (the JSON of docs/indicators.md) without
 * trusting its shape: a missing or mistyped key reads as a default.
 */
#ifndef POLS_BODY_H
#define POLS_BODY_H

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

static inline const cJSON *
body_get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A finite number, else dflt. */
static inline double
body_num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *x = body_get(o, k);

	return cJSON_IsNumber(x) && isfinite(x->valuedouble) ?
	    x->valuedouble : dflt;
}

static inline const char *
body_str(const cJSON *o, const char *k)
{
	const cJSON *x = body_get(o, k);

	return cJSON_IsString(x) ? x->valuestring : "";
}

/* The member of arr whose "id" is id. */
static inline const cJSON *
body_by_id(const cJSON *arr, const char *id)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, arr)
		if (strcmp(body_str(x, "id"), id) == 0)
			return x;
	return NULL;
}

#endif
