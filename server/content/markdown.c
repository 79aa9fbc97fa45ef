/* Herald - markdown rendering through cmark-gfm.  Safety comes from three
 * layers: cmark's safe mode (raw HTML omitted), the tag filter, and a walk
 * over the tree that keeps only allow-listed link and image targets. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>

#include "content/markdown.h"
#include "core/buf.h"
#include "core/util.h"

#define MD_OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_SAFE)
#define HTML_CAP   (8u << 20)

static const char *const extension_names[] = {
    "table", "autolink", "strikethrough", "tasklist", "tagfilter", NULL};

static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void
register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

bool
markdown_url_allowed(const char *url, bool allow_mailto)
{
	if (url == NULL)
		return false;
	if (strncasecmp(url, "http://", 7) == 0 && url[7] != '\0')
		return true;
	if (strncasecmp(url, "https://", 8) == 0 && url[8] != '\0')
		return true;
	return allow_mailto && strncasecmp(url, "mailto:", 7) == 0 &&
	       url[7] != '\0';
}

static cmark_parser *
parser_new(void)
{
	cmark_parser *p;

	pthread_once(&registered, register_extensions);
	p = cmark_parser_new(MD_OPTIONS);
	if (p == NULL)
		return NULL;
	for (int i = 0; extension_names[i] != NULL; i++) {
		cmark_syntax_extension *e =
		    cmark_find_syntax_extension(extension_names[i]);

		if (e == NULL || !cmark_parser_attach_syntax_extension(p, e)) {
			cmark_parser_free(p);
			return NULL;
		}
	}
	return p;
}

/* Moves the children of node in front of it and frees node (a link that
 * is not allowed keeps its text). */
static void
unwrap(cmark_node *node)
{
	cmark_node *child;

	while ((child = cmark_node_first_child(node)) != NULL)
		cmark_node_insert_before(node, child);
	cmark_node_free(node);
}

/* Replaces an image by a text node holding its alt text. */
static void
image_to_text(cmark_node *node)
{
	struct buf alt;
	cmark_node *text;
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;

	buf_init(&alt, 4096);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		const char *lit = cmark_node_get_literal(n);

		if (ev == CMARK_EVENT_ENTER && lit != NULL &&
		    !buf_puts(&alt, lit))
			break;
	}
	cmark_iter_free(it);
	text = cmark_node_new(CMARK_NODE_TEXT);
	cmark_node_set_literal(text, alt.data ? alt.data : "");
	buf_cleanup(&alt);
	cmark_node_insert_before(node, text);
	cmark_node_free(node);
}

/* Finds the next link or image whose target is not allowed. */
static cmark_node *
next_unsafe(cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_node *found = NULL;
	cmark_event_type ev;

	while (found == NULL &&
	       (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (t == CMARK_NODE_LINK &&
		    !markdown_url_allowed(cmark_node_get_url(n), true))
			found = n;
		else if (t == CMARK_NODE_IMAGE &&
		         !markdown_url_allowed(cmark_node_get_url(n), false))
			found = n;
	}
	cmark_iter_free(it);
	return found;
}

/* Rewrites the tree until no unsafe link or image is left.  The walk
 * restarts after each change because unlinking invalidates iterators. */
static void
sanitise(cmark_node *root)
{
	cmark_node *n;

	while ((n = next_unsafe(root)) != NULL) {
		if (cmark_node_get_type(n) == CMARK_NODE_LINK)
			unwrap(n);
		else
			image_to_text(n);
	}
}

/* Copies html into out, adding rel="noopener nofollow" to each link.  In
 * safe mode every "<a href=" in the output comes from a link node: text
 * and attribute values have their '<' escaped. */
static bool
add_rel(const char *html, struct buf *out)
{
	static const char tag[] = "<a href=\"";
	const char *p = html, *hit;

	while ((hit = strstr(p, tag)) != NULL) {
		if (!buf_append(out, p, (size_t)(hit - p)) ||
		    !buf_puts(out, "<a rel=\"noopener nofollow\" href=\""))
			return false;
		p = hit + sizeof(tag) - 1;
	}
	return buf_puts(out, p);
}

static cmark_node *
parse(const char *md, size_t len, cmark_parser **parser)
{
	*parser = parser_new();
	if (*parser == NULL)
		return NULL;
	cmark_parser_feed(*parser, md, len);
	return cmark_parser_finish(*parser);
}

bool
markdown_render(const char *md, size_t len, char **html)
{
	cmark_parser *parser = NULL;
	cmark_node *doc = NULL;
	char *raw = NULL;
	struct buf out;
	bool result = false;

	buf_init(&out, HTML_CAP);
	*html = NULL;
	doc = parse(md, len, &parser);
	if (doc == NULL)
		goto out;
	sanitise(doc);
	raw = cmark_render_html(doc, MD_OPTIONS,
	                        cmark_parser_get_syntax_extensions(parser));
	if (raw == NULL || !add_rel(raw, &out) || !buf_append(&out, "", 0))
		goto out;
	*html = buf_steal(&out);
	result = true;
out:
	free(raw);
	buf_cleanup(&out);
	if (doc != NULL)
		cmark_node_free(doc);
	if (parser != NULL)
		cmark_parser_free(parser);
	return result;
}

bool
markdown_plain(const char *md, size_t len, size_t max, char **text)
{
	cmark_parser *parser = NULL;
	cmark_node *doc = NULL;
	char *raw = NULL;
	bool result = false;
	size_t n;

	*text = NULL;
	doc = parse(md, len, &parser);
	if (doc == NULL)
		goto out;
	sanitise(doc);
	raw = cmark_render_plaintext(doc, MD_OPTIONS, 0);
	if (raw == NULL)
		goto out;
	n = util_utf8_cut(raw, strlen(raw), max);
	while (n > 0 && (raw[n - 1] == '\n' || raw[n - 1] == ' '))
		n--;
	raw[n] = '\0';
	*text = raw;
	raw = NULL;
	result = true;
out:
	free(raw);
	if (doc != NULL)
		cmark_node_free(doc);
	if (parser != NULL)
		cmark_parser_free(parser);
	return result;
}
