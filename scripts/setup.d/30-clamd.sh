# Sourced by scripts/test-all: starts a throwaway clamd on loopback for the
# segur-ssi antivirus integration test, with a signature database written here
# (no signature download is possible on CI), and exports:
#   SEGUR_CLAMD          tcp://127.0.0.1:PORT  (the opt-in switch)
#   SEGUR_CLAMD_SOCKET   unix socket path
#   SEGUR_CLAMD_DB_DIR   signature folder (the test adds its own signature and RELOADs)
#   SEGUR_CLAMD_STREAM_MAX  clamd's StreamMaxLength in bytes
# Needs root (apt); uses only files under $CARGO_TARGET_DIR/segur-clamd.
apt_install clamav-daemon
SEGUR_CLAMD_DIR="$CARGO_TARGET_DIR/segur-clamd"
# A clamd left by an earlier run of this script (same folder): stop it first.
if [ -f "$SEGUR_CLAMD_DIR/clamd.pid" ]; then
  segur_old_pid=$(cat "$SEGUR_CLAMD_DIR/clamd.pid")
  if grep -q clamd "/proc/$segur_old_pid/cmdline" 2>/dev/null; then
    kill "$segur_old_pid" || true
    for _ in $(seq 1 50); do [ -d "/proc/$segur_old_pid" ] || break; sleep 0.1; done
  fi
fi
rm -rf "$SEGUR_CLAMD_DIR"
mkdir -p "$SEGUR_CLAMD_DIR/db"
# EICAR test string, as a hash signature (exact file) and a body signature
# (embedded in a larger file).
printf '%s' 'X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*' > "$SEGUR_CLAMD_DIR/eicar.com"
eicar_md5=$(md5sum "$SEGUR_CLAMD_DIR/eicar.com" | cut -d' ' -f1)
eicar_hex=$(od -An -tx1 -v "$SEGUR_CLAMD_DIR/eicar.com" | tr -d ' \n')
echo "$eicar_md5:68:SegurTest.EICAR-HDB" > "$SEGUR_CLAMD_DIR/db/segur-test.hdb"
echo "SegurTest.EICAR-NDB:0:*:$eicar_hex" > "$SEGUR_CLAMD_DIR/db/segur-test.ndb"
# A free port is chosen at each start (several test-all runs may share the
# machine: a fixed port made one run's tests talk to another run's clamd, which
# then vanished). SEGUR_CLAMD_PORT, when set by the caller, is used as is.
segur_clamd_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# segur_clamd_start PORT: starts clamd on PORT; returns 0 once *this* clamd
# answers PING on it, 1 when it could not bind (port taken meanwhile).
segur_clamd_start() {
  local port=$1
  rm -f "$SEGUR_CLAMD_DIR/clamd.log" "$SEGUR_CLAMD_DIR/clamd.pid" "$SEGUR_CLAMD_DIR/clamd.sock"
  # No `User` line: clamd keeps the invoking user, so it can reach the work
  # tree whatever the permissions of its parent folders (CI clones anywhere).
  cat > "$SEGUR_CLAMD_DIR/clamd.conf" <<CONF
Foreground no
LocalSocket $SEGUR_CLAMD_DIR/clamd.sock
LocalSocketMode 666
TCPSocket $port
TCPAddr 127.0.0.1
DatabaseDirectory $SEGUR_CLAMD_DIR/db
PidFile $SEGUR_CLAMD_DIR/clamd.pid
LogFile $SEGUR_CLAMD_DIR/clamd.log
LogTime yes
StreamMaxLength 2M
MaxThreads 4
Bytecode no
SelfCheck 0
CONF
  clamd -c "$SEGUR_CLAMD_DIR/clamd.conf" || true
  for _ in $(seq 1 150); do
    if grep -q "Cannot bind" "$SEGUR_CLAMD_DIR/clamd.log" 2>/dev/null; then
      [ -f "$SEGUR_CLAMD_DIR/clamd.pid" ] && kill "$(cat "$SEGUR_CLAMD_DIR/clamd.pid")" 2>/dev/null
      return 1
    fi
    # Ours: its pid file names a live clamd, and it answers on the port.
    if [ -S "$SEGUR_CLAMD_DIR/clamd.sock" ] && [ -f "$SEGUR_CLAMD_DIR/clamd.pid" ] && \
       grep -q clamd "/proc/$(cat "$SEGUR_CLAMD_DIR/clamd.pid")/cmdline" 2>/dev/null && \
       [ "$(printf 'zPING\0' | timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; tr -d '\0' <&3" 2>/dev/null)" = PONG ]; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}
segur_clamd_ready=0
for _ in 1 2 3 4 5; do
  segur_clamd_port="${SEGUR_CLAMD_PORT:-$(segur_clamd_free_port)}"
  if segur_clamd_start "$segur_clamd_port"; then segur_clamd_ready=1; break; fi
  [ -n "${SEGUR_CLAMD_PORT:-}" ] && break
done
if [ $segur_clamd_ready != 1 ]; then
  echo "setup 30-clamd: clamd did not answer PING on 127.0.0.1:$segur_clamd_port" >&2
  tail -n 30 "$SEGUR_CLAMD_DIR/clamd.log" >&2 || true
  exit 1
fi
SEGUR_CLAMD_PORT=$segur_clamd_port
# Stop exactly the clamd we started (by its pid file), whatever happens.
cleanup_hooks+=("[ -f '$SEGUR_CLAMD_DIR/clamd.pid' ] && kill \$(cat '$SEGUR_CLAMD_DIR/clamd.pid')")
export SEGUR_CLAMD_PORT
export SEGUR_CLAMD="tcp://127.0.0.1:$SEGUR_CLAMD_PORT"
export SEGUR_CLAMD_SOCKET="$SEGUR_CLAMD_DIR/clamd.sock"
export SEGUR_CLAMD_DB_DIR="$SEGUR_CLAMD_DIR/db"
export SEGUR_CLAMD_STREAM_MAX=$((2 * 1024 * 1024))
echo "setup 30-clamd: clamd ready on $SEGUR_CLAMD and $SEGUR_CLAMD_SOCKET"
