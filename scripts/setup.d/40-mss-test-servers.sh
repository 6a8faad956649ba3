# Sourced by scripts/test-all: starts the shared test-servers kit
# (../shared/tools/test-servers: dovecot IMAP, postfix submission and clamd on
# 127.0.0.1 with their own test PKI, OAuth2 through a built-in introspection
# endpoint) for the segur-mss interoperability tests, and exports:
#   SEGUR_TEST_SERVERS=1   the opt-in switch of mss/tests/real_servers.rs
#   MSSANTE_TEST_*         ports, CA, client certificate, accounts, tokens (the kit's env.sh)
# The kit starts dovecot, postfix and clamd together: a script that needs them
# too reuses this start (MSSANTE_TEST_SERVERS is then already set) instead of
# starting the kit a second time. Needs root (the kit installs Debian packages).
#
# Several runs side by side (a developer's clone and CI's, two worktrees):
# - the kit's folder is per build tree, $CARGO_TARGET_DIR/segur-mss-test-servers
#   (SEGUR_TS_DIR overrides it), so a run never stops another run's servers
#   (the kit's `start` stops what runs from the same folder only);
# - every port the kit listens on is taken free at start-up, unless given in
#   the kit's MSSANTE_TEST_*_PORT variables; ports already in use (e.g. the
#   clamd of 30-clamd.sh, $SEGUR_CLAMD_PORT) are never chosen, and a start
#   that loses a port to a concurrent run is retried with new ports.
if [ "${MSSANTE_TEST_SERVERS:-}" = 1 ] && [ -n "${MSSANTE_TEST_DIR:-}" ] \
   && bash "$SEGUR_SHARED/tools/test-servers/test-servers.sh" status "$MSSANTE_TEST_DIR" >/dev/null 2>&1; then
  echo "setup 40-mss-test-servers: reusing the test servers of $MSSANTE_TEST_DIR"
else
  SEGUR_TS_KIT="$SEGUR_SHARED/tools/test-servers"
  SEGUR_TS_DIR="${SEGUR_TS_DIR:-$CARGO_TARGET_DIR/segur-mss-test-servers}"
  mkdir -p "$SEGUR_TS_DIR"
  segur_ts_port_vars=(MSSANTE_TEST_IMAPS_PORT MSSANTE_TEST_IMAP_PORT MSSANTE_TEST_SUBMISSION_PORT
    MSSANTE_TEST_SUBMISSIONS_PORT MSSANTE_TEST_LMTP_PORT MSSANTE_TEST_CLAMD_PORT
    MSSANTE_TEST_INTROSPECTION_PORT)
  # The ports the caller fixed stay fixed across retries.
  segur_ts_fixed=()
  for v in "${segur_ts_port_vars[@]}"; do
    [ -n "${!v:-}" ] && segur_ts_fixed+=("$v")
  done
  # segur_ts_free_ports N: N distinct free TCP ports on 127.0.0.1, one a line
  # (all sockets held open until every port is chosen, then released), never
  # one of the ports given as further arguments.
  segur_ts_free_ports() {
    python3 - "$@" <<'PY'
import socket, sys
n, avoid = int(sys.argv[1]), {int(p) for p in sys.argv[2:] if p}
held, ports = [], []
while len(ports) < n:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    held.append(s)
    p = s.getsockname()[1]
    if p not in avoid and p not in ports:
        ports.append(p)
print("\n".join(map(str, ports)))
PY
  }
  segur_ts_started=0
  for segur_ts_try in 1 2 3; do
    segur_ts_avoid=("${SEGUR_CLAMD_PORT:-}")
    for v in "${segur_ts_fixed[@]}"; do segur_ts_avoid+=("${!v}"); done
    mapfile -t segur_ts_ports < <(segur_ts_free_ports "${#segur_ts_port_vars[@]}" "${segur_ts_avoid[@]}")
    i=0
    for v in "${segur_ts_port_vars[@]}"; do
      if [[ " ${segur_ts_fixed[*]} " != *" $v "* ]]; then
        export "$v=${segur_ts_ports[$i]}"
      fi
      i=$((i + 1))
    done
    if as_root env $(for v in "${segur_ts_port_vars[@]}"; do printf '%s=%s ' "$v" "${!v}"; done) \
         bash "$SEGUR_TS_KIT/test-servers.sh" start "$SEGUR_TS_DIR" --oauth2-introspection builtin; then
      segur_ts_started=1
      break
    fi
    echo "setup 40-mss-test-servers: start failed (attempt $segur_ts_try); retrying with other ports" >&2
  done
  if [ $segur_ts_started != 1 ]; then
    echo "setup 40-mss-test-servers: the test servers did not start" >&2
    exit 1
  fi
  # Stop exactly what the kit started (it stops only the pids it recorded).
  cleanup_hooks+=("as_root bash '$SEGUR_TS_KIT/test-servers.sh' stop '$SEGUR_TS_DIR' >/dev/null")
  # shellcheck source=/dev/null
  . "$SEGUR_TS_DIR/env.sh"
fi
export SEGUR_TEST_SERVERS=1
echo "setup 40-mss-test-servers: dovecot/postfix ready in $MSSANTE_TEST_DIR (IMAPS $MSSANTE_TEST_IMAPS_PORT, submission $MSSANTE_TEST_SUBMISSION_PORT, clamd $MSSANTE_TEST_CLAMD_PORT)"
