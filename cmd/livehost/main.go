// Command livehost is the one binary of the livehost service: the server, the catalog tools, the
// moderation and answering filters, and the eval runner.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/livehost/livehost/internal/config"
)

// command is one subcommand. Each lives in its own file and registers itself in init, so the
// subcommands stay independent of each other.
type command struct {
	name    string
	summary string
	// run gets the arguments after the subcommand name; it returns errUsage to print usage.
	run func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what a subcommand talks to, so that tests can run commands in-process.
type cliEnv struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// isTerminal tells whether stderr is a terminal (progress bars only draw there).
	isTerminal bool
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("livehost: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// errUsage asks main to print the command's usage; exitError carries a specific exit status.
var errUsage = errors.New("usage")

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: stderrIsTerminal()}
	os.Exit(runMain(ctx, env, os.Args[1:]))
}

func runMain(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(env.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(env.stdout, "livehost", version)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.stderr, "livehost: unknown command %q\n\n", args[0])
		printUsage(env.stderr)
		return 2
	}
	err := c.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(env.stderr, "livehost %s: %v\n", c.name, ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(env.stderr, "livehost %s: %v\n", c.name, err)
	return 1
}

var version = "dev"

func printUsage(w io.Writer) {
	fmt.Fprintln(w, `livehost — AI-assisted live host and moderation for live commerce (ライブコマース)

Usage:
  livehost <command> [flags]

Commands:`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 10
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"livehost <command> --help\" for a command's flags. Flags win over the environment.\n\nEnvironment:")
	for _, v := range config.Vars {
		def := ""
		if v.Default != "" {
			def = " (default " + v.Default + ")"
		}
		fmt.Fprintf(w, "  %-29s %s%s\n", v.Name, v.Usage, def)
	}
}

// newFlagSet builds a flag set whose --help prints the summary, the usage line and the flags.
func newFlagSet(env *cliEnv, name, usageLine, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nUsage:\n  %s\n\nFlags:\n", summary, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and lets a flag appear after positional arguments, as users expect
// ("livehost catalog import FILE --format csv").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// config is the configuration from the environment, before a command's flags override it.
func (env *cliEnv) config() config.Config { return config.FromEnv(env.getenv) }

func stderrIsTerminal() bool {
	fi, err := os.Stderr.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
