#!/usr/bin/env python3
"""Decodes message INDEX of a smtp_sink.py record file and prints one JSON
object: envelope (from, to), raw header lines, decoded Subject and From,
the text and HTML parts, and whether any line passes 998 characters."""
import base64
import email
import email.policy
import json
import sys


def main():
    path, index = sys.argv[1], int(sys.argv[2])
    with open(path) as f:
        entry = [json.loads(l) for l in f if l.strip()][index]
    raw = base64.b64decode(entry["content_b64"])
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    out = {
        "envelope_from": entry["from"],
        "envelope_to": entry["to"],
        "header_lines": head.split("\r\n"),
        "subject": str(msg["subject"]),
        "from": str(msg["from"]),
        "from_display": msg["from"].addresses[0].display_name,
        "to": str(msg["to"]),
        "content_type": msg.get_content_type(),
        # Line ends as a reader shows them.
        "text": text.get_content().replace("\r\n", "\n") if text else None,
        "html": html.get_content().replace("\r\n", "\n") if html else None,
        "long_lines": max(len(l) for l in raw.split(b"\r\n")) > 998,
        "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
        "defects": [str(d) for d in msg.defects],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
