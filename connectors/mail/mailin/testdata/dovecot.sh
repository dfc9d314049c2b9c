#!/usr/bin/env bash
# Starts a private Dovecot IMAP server on loopback for the mailin tests,
# without touching the system's own Dovecot (.ci/test-deps.sh installs
# dovecot-imapd and openssl).
#
# Usage: dovecot.sh DIR IMAP_PORT IMAPS_PORT USER PASSWORD
#
# IMAP_PORT speaks plain IMAP with STARTTLS, IMAPS_PORT implicit TLS, both on
# 127.0.0.1, with a self-signed certificate for 127.0.0.1 and localhost in
# DIR/cert.pem. USER logs in with PASSWORD (PLAIN or LOGIN, also without
# TLS, which only a loopback test server may allow). Mail is Maildir under
# DIR/mail. As root the server's processes and the mail belong to 'nobody';
# as any other user, to that user. Prints "ready" once both ports accept
# connections. Stop it with: kill "$(cat DIR/run/master.pid)". Log: DIR/dovecot.log.
set -euo pipefail
if [[ $# -ne 5 ]]; then
  echo "usage: $0 DIR IMAP_PORT IMAPS_PORT USER PASSWORD" >&2
  exit 2
fi
dir=$(realpath -m "$1"); port=$2; sport=$3; user=$4; pass=$5
dovecot=$(command -v dovecot || echo /usr/sbin/dovecot)
if [[ ! -x $dovecot ]] || ! command -v openssl >/dev/null; then
  echo "dovecot or openssl is not installed: apt-get install dovecot-imapd openssl (.ci/test-deps.sh)" >&2
  exit 3
fi

if [[ $(id -u) -eq 0 ]]; then
  run_user=nobody; run_group=$(id -gn nobody)
else
  run_user=$(id -un); run_group=$(id -gn)
fi
mkdir -p "$dir/run" "$dir/mail"
# The server's unprivileged processes must reach the directory.
chmod 755 "$dir"
chown "$run_user:$run_group" "$dir/mail"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
echo "$user:{PLAIN}$pass::::" > "$dir/passwd"

cat > "$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/run
instance_name = rapport-mailin-$port
log_path = $dir/dovecot.log
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
mail_fsync = never
# IDLE is told of new mail by inotify; this is only the fallback.
mailbox_idle_check_interval = 1 secs
first_valid_uid = 1
default_internal_user = $run_user
default_internal_group = $run_group
default_login_user = $run_user
passdb {
  driver = passwd-file
  args = $dir/passwd
}
userdb {
  driver = static
  args = uid=$run_user gid=$run_group home=$dir/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $sport
    ssl = yes
  }
}
service anvil {
  chroot =
}
CONF
# The daemon must not keep the caller's stdout and stderr open (a caller
# that reads them to the end would wait for ever); its errors go to a file.
if ! "$dovecot" -c "$dir/dovecot.conf" </dev/null >/dev/null 2>"$dir/start.err"; then
  cat "$dir/start.err" >&2
  exit 1
fi
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$sport") 2>/dev/null; then
    echo ready
    exit 0
  fi
  sleep 0.1
done
echo "dovecot did not start; see $dir/dovecot.log" >&2
tail -5 "$dir/dovecot.log" >&2 || true
exit 1
