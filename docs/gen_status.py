#!/usr/bin/env python3
"""Regenerates the option table of docs/STATUS.md from include/winhttp.h and the states below.
Run: python3 docs/gen_status.py > docs/STATUS-options.md (then paste), or edit the states here."""
import re, sys

DONE = {  # option -> note (done and tested)
    "CALLBACK": "", "RESOLVE_TIMEOUT": "async: enforced; sync: stored (getaddrinfo on the calling thread)",
    "CONNECT_TIMEOUT": "per address", "CONNECT_RETRIES": "stored; one attempt per resolved address",
    "SEND_TIMEOUT": "", "RECEIVE_TIMEOUT": "", "RECEIVE_RESPONSE_TIMEOUT": "default INFINITE as Windows reports it (the page says 90 s)",
    "HANDLE_TYPE": "", "READ_BUFFER_SIZE": "deprecated: stored, no effect",
    "WRITE_BUFFER_SIZE": "deprecated: stored, no effect", "PARENT_HANDLE": "",
    "URL": "final URL after redirects", "USER_AGENT": "", "CONTEXT_VALUE": "",
    "REQUEST_PRIORITY": "deprecated: stored, no effect", "DISABLE_FEATURE": "cookies, redirects, keep-alive, authentication (401/407 handed over unanswered); any bits accepted, as Windows",
    "MAX_CONNS_PER_SERVER": "", "REDIRECT_POLICY": "", "MAX_HTTP_AUTOMATIC_REDIRECTS": "",
    "MAX_HTTP_STATUS_CONTINUE": "", "MAX_RESPONSE_HEADER_SIZE": "", "MAX_RESPONSE_DRAIN_SIZE": "",
    "DECOMPRESSION": "gzip, deflate", "CONNECTION_INFO": "", "HTTP_PROTOCOL_USED": "always 0 (HTTP/1.x)",
    "SECURITY_FLAGS": "every SECURITY_FLAG_IGNORE_* bit; tests/integration/https_test.cpp",
    "SECURITY_CERTIFICATE_STRUCT": "while the request holds its TLS connection; strings LocalFree'd",
    "SECURITY_KEY_BITNESS": "cipher strength in bits",
    "IPV6_FAST_FALLBACK": "IPv6 and IPv4 race, 300 ms head start (docs/design/happy-eyeballs.md)",
    "WORKER_THREAD_COUNT": "set on the NULL handle (sets the async worker threads when set before the first async request); queried on any handle", "HTTP_VERSION": "NULL handle; 1.0/1.1",
}
PARTIAL = {
    "USERNAME": "answers a server 401 (flow b; Basic, Digest; NTLM/Negotiate when their codecs land), only for the origin the request was opened for; WinHttpSetCredentials wins",
    "PASSWORD": "with USERNAME, see there",
    "PROXY_USERNAME": "answers a proxy 407 (Basic, Digest), plain http and CONNECT; NTLM/Negotiate when their codecs land",
    "PROXY_PASSWORD": "with PROXY_USERNAME, see there",
    "SECURE_PROTOCOLS": "TLS 1.2/1.3; the session's value applies (a request's is stored, not applied)",
    "CLIENT_CERT_CONTEXT": "WINHTTP_NO_CLIENT_CERT_CONTEXT only (no CERT_CONTEXT on Linux): see OPENWINHTTP_OPTION_CLIENT_CERT_FILES",
    "PROXY": "stored and returned (GlobalFree strings); requests do not use a proxy yet",
    "EXTENDED_ERROR": "always 0",
    "MAX_CONNS_PER_1_0_SERVER": "stored; not applied separately",
    "ENABLE_FEATURE": "revocation checking: stapled OCSP, else OCSP/CRL fetch (docs/design/revocation.md)",
    "AUTOLOGON_POLICY": "set and checked; default credentials (NTLM/Negotiate) not sent yet, so the policy has nothing to gate",
    "CODEPAGE": "stored; URLs are always UTF-8",
    "REJECT_USERPWD_IN_URL": "stored", "ASSURED_NON_BLOCKING_CALLBACKS": "accepted",
    "ENABLE_HTTP_PROTOCOL": "stored; HTTP/2 not yet",
    "HTTP_PROTOCOL_REQUIRED": "stored",
}

def main():
    text = open("include/winhttp.h").read()
    opts = re.findall(r"#define WINHTTP_OPTION_([A-Z0-9_]+)\s+(0x[0-9A-Fa-f]+|\d+)", text)
    skip = re.compile(r"^(REDIRECT_POLICY_|FIRST_OPTION|LAST_OPTION|SPN_MASK|REQUEST_ANNOTATION_MAX)")
    print("| Value | Option | State | Note |\n|---:|---|---|---|")
    for name, val in opts:
        if skip.match(name):
            continue
        if name in DONE:
            state, note = "done, tested", DONE[name]
        elif name in PARTIAL:
            state, note = "partial", PARTIAL[name]
        else:
            state, note = "not yet", "ERROR_WINHTTP_INVALID_OPTION"
        print(f"| {int(val, 0)} | WINHTTP_OPTION_{name} | {state} | {note} |")

if __name__ == "__main__":
    sys.exit(main())
