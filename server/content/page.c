/* Herald - the text builder of the changelog pages and feeds. */
#include <stdarg.h>
#include <stdio.h>

#include "content/escape.h"
#include "content/page.h"

void
page_init(struct page *p)
{
	buf_init(&p->b, PAGE_CAP);
	p->ok = buf_append(&p->b, "", 0);
}

void
page_cleanup(struct page *p)
{
	buf_cleanup(&p->b);
}

void
page_raw(struct page *p, const char *text)
{
	if (p->ok && text != NULL)
		p->ok = buf_puts(&p->b, text);
}

void
page_text(struct page *p, const char *text)
{
	if (p->ok)
		p->ok = escape_html(&p->b, text);
}

void
page_printf(struct page *p, const char *fmt, ...)
{
	char small[2048];
	va_list ap;
	int n;

	if (!p->ok)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	p->ok = n >= 0 && (size_t)n < sizeof(small) && buf_puts(&p->b, small);
}
