# Source this from ~/.bashrc or ~/.zshrc on your laptop:
#   . /path/to/ptykeeper.sh
# then one word attaches: earthquake
#
# PTYKEEPER_HOST and PTYKEEPER_PORT say where the daemon runs.
: "${PTYKEEPER_HOST:=myserver.example.com}"
: "${PTYKEEPER_PORT:=2222}"

# ptk NAME: attach once.
ptk() {
  ssh -t -p "$PTYKEEPER_PORT" -o ServerAliveInterval=15 "$PTYKEEPER_HOST" attach "$@"
}

# ptk_loop NAME: attach, and after a dropped connection (ssh exits 255)
# reconnect until you detach on purpose (exit 0) or the program ends. When
# the daemon is being upgraded (`ptykeeper upgrade`; exit 75) it reconnects
# at once.
ptk_loop() {
  while :; do
    ptk "$@"
    status=$?
    case "$status" in
      75) continue ;;
      255) ;;
      *) return "$status" ;;
    esac
    printf '[connection lost; reconnecting in 2s, Ctrl-C to stop]\n' >&2
    sleep "${PTYKEEPER_RETRY:-2}"
  done
}

# One word per session:
earthquake() { ptk_loop earthquake; }
