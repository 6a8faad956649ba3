# Sourced by scripts/test-all: starts the shared test-servers kit
# (../shared/tools/test-servers: dovecot IMAP, postfix submission and clamd on
# 127.0.0.1 with their own test PKI, OAuth2 through a built-in introspection
# endpoint) for the segur-mss interoperability tests, and exports:
#   SEGUR_TEST_SERVERS=1   the opt-in switch of mss/tests/real_servers.rs
#   MSSANTE_TEST_*         ports, CA, client certificate, accounts, tokens (the kit's env.sh)
# The kit starts dovecot, postfix and clamd together: a script that needs them
# too reuses this start (MSSANTE_TEST_SERVERS is then already set) instead of
# starting the kit a second time. Needs root (the kit installs Debian packages).
if [ "${MSSANTE_TEST_SERVERS:-}" = 1 ] && [ -n "${MSSANTE_TEST_DIR:-}" ] \
   && bash "$SEGUR_SHARED/tools/test-servers/test-servers.sh" status "$MSSANTE_TEST_DIR" >/dev/null 2>&1; then
  echo "setup 40-mss-test-servers: reusing the test servers of $MSSANTE_TEST_DIR"
else
  SEGUR_TS_KIT="$SEGUR_SHARED/tools/test-servers"
  SEGUR_TS_DIR="${SEGUR_TS_DIR:-/tmp/segur-mss-test-servers}"
  as_root bash "$SEGUR_TS_KIT/test-servers.sh" start "$SEGUR_TS_DIR" --oauth2-introspection builtin
  # Stop exactly what the kit started (it stops only the pids it recorded).
  cleanup_hooks+=("as_root bash '$SEGUR_TS_KIT/test-servers.sh' stop '$SEGUR_TS_DIR' >/dev/null")
  # shellcheck source=/dev/null
  . "$SEGUR_TS_DIR/env.sh"
fi
export SEGUR_TEST_SERVERS=1
echo "setup 40-mss-test-servers: dovecot/postfix ready (IMAPS $MSSANTE_TEST_IMAPS_PORT, submission $MSSANTE_TEST_SUBMISSION_PORT)"
