package config

// Check reads bot files as Load does, for `concierge validate` on a
// machine that does not hold the secrets: a ${VAR} without a default whose
// variable is unset is a warning rather than an error, and the value that
// refers to it is left empty and not checked further. Everything else (the
// YAML, unknown keys, types, prices, a malformed reference) is checked as
// Load checks it, and an error is an *Errors as Load returns.
//
// The warnings come sorted, formatted like errors with a "warning: "
// message prefix, and name variables, never values. The files Check returns
// are for reporting only: serve must use Load, which refuses an unset
// variable, since an empty token or key would fail later and less clearly.
func Check(path string, getenv func(string) string) (files []*File, warnings []Diagnostic, err error) {
	warn := &Errors{}
	files, err = load(path, getenv, warn)
	warn.sort()
	return files, warn.Diagnostics, err
}
