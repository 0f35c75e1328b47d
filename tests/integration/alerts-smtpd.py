# alerts-smtpd.py DIR [USER:PASSWORD]: a real SMTP server (aiosmtpd) on a
# free loopback port (or on $SMTPD_PORT) for the alert tests.  Writes the port to DIR/port and
# each message to DIR/mail-N.eml, with the envelope and the AUTH user in
# X-Test-* headers.  With USER:PASSWORD, AUTH is required (loopback only,
# so without TLS).
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

outdir = sys.argv[1]
cred = sys.argv[2].split(":", 1) if len(sys.argv) > 2 else None
count = 0


class Handler:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        user = ""
        if session.auth_data is not None:
            user = session.auth_data.login.decode()
        head = "X-Test-Mail-From: %s\r\nX-Test-Rcpt-To: %s\r\nX-Test-Auth: %s\r\n" % (
            envelope.mail_from, ",".join(envelope.rcpt_tos), user)
        tmp = os.path.join(outdir, ".mail-%d.tmp" % count)
        with open(tmp, "wb") as f:
            f.write(head.encode() + envelope.original_content)
        os.rename(tmp, os.path.join(outdir, "mail-%d.eml" % count))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and cred is not None and
          auth_data.login.decode() == cred[0] and
          auth_data.password.decode() == cred[1])
    return AuthResult(success=ok, auth_data=auth_data if ok else None)


def factory():
    if cred is None:
        return SMTP(Handler())
    return SMTP(Handler(), auth_required=True, auth_require_tls=False,
                authenticator=authenticator)


async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(factory, "127.0.0.1",
                                   int(os.environ.get("SMTPD_PORT", "0")),
                                   reuse_address=True)
    port = srv.sockets[0].getsockname()[1]
    with open(os.path.join(outdir, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.rename(os.path.join(outdir, "port.tmp"), os.path.join(outdir, "port"))
    await srv.serve_forever()

asyncio.run(main())
