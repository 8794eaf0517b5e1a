package main

// extra.go: commands that need no daemon: ssh-config and completion.

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
)

func sshConfig(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ssh-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "", "the server running ptykeeper")
	port := fs.Int("port", 2222, "ptykeeper's SSH port")
	user := fs.String("user", "", "login name (any: ptykeeper checks keys, not names)")
	identity := fs.String("identity", "", "private key file")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, ctl.CommandHelp("ssh-config"))
		return 2
	}
	name := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if err := ptykeeper.ValidateName(name); err != nil || *host == "" {
		fmt.Fprintf(stderr, "ptykeeper ssh-config: need a session NAME and --host HOST\n%s", ctl.CommandHelp("ssh-config"))
		return 2
	}
	fmt.Fprintf(stdout, "Host %s\n    HostName %s\n    Port %d\n", name, *host, *port)
	if *user != "" {
		fmt.Fprintf(stdout, "    User %s\n", *user)
	}
	if *identity != "" {
		fmt.Fprintf(stdout, "    IdentityFile %s\n    IdentitiesOnly yes\n", *identity)
	}
	fmt.Fprintf(stdout, "    RequestTTY yes\n    RemoteCommand attach %s\n    ServerAliveInterval 15\n    ServerAliveCountMax 3\n", name)
	return 0
}

const bashCompletion = `# bash completion for ptykeeper: source <(ptykeeper completion bash)
_ptykeeper() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "%s" -- "$cur"))
    return
  fi
  case "$cmd" in
    attach|status|start|stop|restart|kill|snapshot|send|logs|ssh-config)
      COMPREPLY=($(compgen -W "$(ptykeeper ls -q 2>/dev/null) all" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur")) ;;
    check|serve) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
}
complete -F _ptykeeper ptykeeper
`

const zshCompletion = `#compdef ptykeeper
# zsh completion for ptykeeper: source <(ptykeeper completion zsh)
_ptykeeper() {
  if (( CURRENT == 2 )); then
    compadd -- %s
    return
  fi
  case $words[2] in
    attach|status|start|stop|restart|kill|snapshot|send|logs|ssh-config)
      compadd -- ${(f)"$(ptykeeper ls -q 2>/dev/null)"} all ;;
    completion) compadd -- bash zsh ;;
    *) _files ;;
  esac
}
compdef _ptykeeper ptykeeper
`

func completion(args []string, stdout, stderr io.Writer) int {
	cmds := ctl.Commands()
	sort.Strings(cmds)
	words := strings.Join(cmds, " ")
	switch {
	case len(args) == 1 && args[0] == "bash":
		fmt.Fprintf(stdout, bashCompletion, words)
	case len(args) == 1 && args[0] == "zsh":
		fmt.Fprintf(stdout, zshCompletion, words)
	default:
		fmt.Fprint(stderr, ctl.CommandHelp("completion"))
		return 2
	}
	return 0
}
