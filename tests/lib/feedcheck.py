#!/usr/bin/python3
"""Herald tests - parse a feed with feedparser and check it.

usage: feedcheck.py FILE ENTRIES
Exits 0 when feedparser reports no error (bozo 0), the feed holds ENTRIES
entries and every entry has a title, a link and a parsed date.
"""
import sys

import feedparser


def main():
    path, want = sys.argv[1], int(sys.argv[2])
    d = feedparser.parse(path)
    problems = []
    if d.bozo:
        problems.append("bozo: %r" % (d.get("bozo_exception"),))
    if len(d.entries) != want:
        problems.append("entries: %d, want %d" % (len(d.entries), want))
    for e in d.entries:
        if not e.get("title") or not e.get("link"):
            problems.append("entry without title or link")
        if not e.get("published_parsed"):
            problems.append("entry without a parsed date: %r" % e.get("id"))
    print("%s: version=%s entries=%d %s" % (
        path, d.get("version"), len(d.entries),
        "; ".join(problems) or "ok"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
