/* Herald - `herald import changelog`: a Keep a Changelog file becomes one
 * dated, published release per version. */
#ifndef HERALD_IMPORT_H
#define HERALD_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define IMPORT_FILE_MAX     (16u << 20)
#define IMPORT_VERSIONS_MAX 2000

/* One version section found in a changelog. */
struct import_version {
	char version[64];
	char title[72];
	char slug[96];
	long long published; /* epoch seconds, midnight UTC of its date */
	char *body;          /* the section's markdown (malloc'd) */
	cJSON *labels;       /* lowercased ### headings, in order */
};

struct import_parse {
	struct import_version *v;
	int n;
	cJSON *skipped; /* [{"heading": ..., "reason": ...}] */
};

/* Parses Keep a Changelog text: "## [1.2.0] - 2024-05-01" headings (the
 * brackets, a link after them and the dash are optional; [Unreleased]
 * and undated versions are skipped and reported).  Headings inside code
 * fences do not count; link reference definitions closing a section are
 * left out of its body.  Returns false with err set on bad input. */
bool import_parse_text(const char *text, size_t len, struct import_parse *out,
                       char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Frees what import_parse_text made; safe on a zeroed struct. */
void import_parse_cleanup(struct import_parse *p);

/* Reads path and stores its versions as published releases of workspace
 * ws_slug in one transaction, keyed by slug, so a re-import updates the
 * same releases.  On success *report holds {"workspace", "file",
 * "releases", "created", "updated", "unchanged", "skipped"}. */
bool import_changelog(const char *path, const char *ws_slug, cJSON **report,
                      char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
