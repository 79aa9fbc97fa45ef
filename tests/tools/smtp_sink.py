#!/usr/bin/env python3
"""Herald test SMTP server: aiosmtpd appends every byte a client sent
(the wire, before dot-stuffing is undone) to RECORD.wire and each accepted
message as one JSON line (from, to, content in base64) to RECORD.
Prints "smtp ready port=N" once listening."""
import argparse
import asyncio
import base64
import json
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        entry = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "content_b64": base64.b64encode(envelope.original_content).decode(),
        }
        with open(self.path, "a") as f:
            f.write(json.dumps(entry) + "\n")
        return "250 Message accepted for delivery"


class WireSMTP(SMTP):
    """Records what the client sent, before dot-stuffing is undone."""

    wire = None

    def data_received(self, data):
        WireSMTP.wire.write(data)
        WireSMTP.wire.flush()
        super().data_received(data)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    a = ap.parse_args()
    WireSMTP.wire = open(a.record + ".wire", "ab")
    sink = Sink(a.record)
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(
        lambda: WireSMTP(sink, decode_data=False, enable_SMTPUTF8=True,
                         hostname="herald-test-smtp"),
        "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    print("smtp ready port=%d" % port, flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
