#!/usr/bin/env bash
# Installs, idempotently, the Debian packages the test suite drives as real
# peers: vdirsyncer and python3-caldav (cmd/rapport/davclients_test.go).
# python3-caldav is checked with Debian's interpreter, which the test uses.
set -euo pipefail
if ! command -v vdirsyncer >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import caldav' >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq vdirsyncer python3-caldav
fi
# LibreOffice Writer (headless) and poppler-utils: templates/office converts
# merged documents to PDF and reads them back with pdftotext (libreoffice_test.go).
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    libreoffice-writer-nogui poppler-utils fonts-dejavu-core
fi
# Dovecot (IMAP) and openssl: connectors/mail/mailin starts a private Dovecot
# with its own certificate on loopback ports (testdata/dovecot.sh).
if [[ ! -x /usr/sbin/dovecot ]] || ! command -v openssl >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd openssl
fi
# Chromium (headless): the staff console's end-to-end test drives it with
# chromedp at /usr/bin/chromium (hub/console/browser_test.go).
if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
