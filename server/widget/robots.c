/* Herald - robot user agents.  Substring tests, case-insensitive. */
#include <stddef.h>
#include <string.h>

#include "widget/robots.h"

static const char *const markers[] = {
    "bot", /* Googlebot, bingbot, Slackbot, Twitterbot, LinkedInBot */
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "facebookcatalog",
    "embedly",
    "headlesschrome",
    "phantomjs",
    "lighthouse",
    "pingdom",
    "uptimerobot",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "wget",
    "okhttp",
    "whatsapp",
    "skypeuripreview",
    "preview",
    "discordbot",
    "telegrambot",
    "mastodon",
    "bitlybot",
    "outbrain",
    "quora link",
    "vkshare",
    "w3c_validator",
    "nuzzel",
    "iframely",
    NULL,
};

bool
robots_user_agent(const char *ua)
{
	if (ua == NULL || *ua == '\0')
		return false;
	for (int i = 0; markers[i] != NULL; i++)
		if (strcasestr(ua, markers[i]) != NULL)
			return true;
	return false;
}
