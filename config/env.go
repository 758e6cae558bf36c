package config

import (
	"fmt"
	"strings"
)

// expand replaces every ${VAR} in s with getenv("VAR"), and every
// ${VAR:-default} with the variable's value or, when that is empty, with
// default. "$${" stands for a literal "${"; a "$" not followed by "{" is kept
// as it is, so passwords with dollars need no escaping.
//
// It reports whether s referred to the environment at all, and one problem
// per unset variable or malformed reference. An empty variable counts as
// unset because getenv cannot tell them apart. Problems name variables, never
// their values.
func expand(s string, getenv func(string) string) (out string, referred bool, problems []envProblem) {
	if !strings.Contains(s, "${") {
		return s, false, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		if i > 0 && s[i-1] == '$' {
			// "$${" is an escaped "${".
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			problems = append(problems, envProblem{msg: `unterminated "${" (write "$${" for a literal "${")`})
			break
		}
		ref := s[i+2 : i+end]
		s = s[i+end+1:]
		referred = true
		name, def, hasDef := strings.Cut(ref, ":-")
		if !validEnvName(name) {
			problems = append(problems, envProblem{msg: fmt.Sprintf("%q is not a valid environment variable name (use letters, digits and _, as in ${STRIPE_KEY} or ${STRIPE_KEY:-default})", name)})
			continue
		}
		v := getenv(name)
		switch {
		case v != "":
			b.WriteString(v)
		case hasDef:
			b.WriteString(def)
		default:
			problems = append(problems, envProblem{msg: fmt.Sprintf("environment variable %s is not set", name), unset: true})
		}
	}
	return b.String(), referred, problems
}

// envProblem is one problem of a ${VAR} reference. unset is set when the
// reference is well formed and only its variable is missing, which
// Check reports as a warning rather than an error.
type envProblem struct {
	msg   string
	unset bool
}

// validEnvName reports whether name is a portable environment variable name.
func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, c := range name {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
