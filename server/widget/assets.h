/* Herald - the embed script /widget.js, loaded once at start. */
#ifndef HERALD_ASSETS_H
#define HERALD_ASSETS_H

#include <stdbool.h>

/* Reads widget/dist/widget.js under config.home, hashes and gzips it.
 * A missing file is not an error: /widget.js then answers 404 saying to
 * run make.  Returns false only when out of memory. */
bool assets_start(void);

/* Frees the loaded script. */
void assets_stop(void);

/* The versioned path of the script ("/widget.<hash>.js"), or
 * "/widget.js" when none is loaded. */
const char *assets_widget_path(void);

#endif
