/* Herald - workspaces: creation from the command line, admin settings. */
#ifndef HERALD_WORKSPACE_H
#define HERALD_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct workspace_keys {
	char public_key[40];
	char write_key[72];
	char admin_token[72];
	char identity_secret[72];
};

/* Creates a workspace and returns its JSON description (id, slug,
 * public_key, write_key, admin_token, identity_secret).  When keys is
 * non-NULL, its non-empty fields are used instead of random ones (the
 * demo and the benchmark use this).  On failure returns NULL with err. */
cJSON *workspace_create(const char *name, const char *slug,
                        const char *timezone, const struct workspace_keys *keys,
                        char *err, size_t errlen);

/* Adds an admin user with an argon2id-hashed password. */
bool workspace_user_add(const char *slug, const char *email, const char *role,
                        const char *password, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
