package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs livehost in-process with the given stdin and environment.
func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &cliEnv{
		stdin:  strings.NewReader(stdin),
		stdout: &out,
		stderr: &errb,
		getenv: func(k string) string { return env[k] },
	}
	code = runMain(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestHelpAndUnknown(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"--help"}, 0, "Commands:"},
		{[]string{"help"}, 0, "Commands:"},
		{[]string{"version"}, 0, "livehost"},
		{[]string{"no-such-command"}, 2, ""},
	}
	for _, tt := range tests {
		code, out, _ := runCLI(t, "", nil, tt.args...)
		if code != tt.wantCode {
			t.Errorf("%v: exit %d, want %d", tt.args, code, tt.wantCode)
		}
		if !strings.Contains(out, tt.wantOut) {
			t.Errorf("%v: stdout %q does not contain %q", tt.args, out, tt.wantOut)
		}
	}
}
