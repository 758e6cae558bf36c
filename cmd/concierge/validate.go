package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/conciergehq/concierge/config"
	"github.com/conciergehq/concierge/internal/httpclient"
)

// validateCommand checks bot files and prints every problem as
// file:line:col: message. An unset ${VAR} is a warning, so that a file can
// be checked where its secrets are not, unless --strict-env makes it an
// error as it is for serve. It exits 1 on any error, 2 on bad usage.
func validateCommand(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "bot file or folder of bot files (or give them as arguments)")
	strictEnv := fs.Bool("strict-env", false, "an unset ${VAR} is an error, as for serve, not a warning")
	fetch := fs.Bool("fetch", false, "fetch the catalog sources given by url and report their bad rows (without it they are skipped)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	paths := fs.Args()
	if *configPath != "" {
		paths = append(paths, *configPath)
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "concierge validate: give a bot file or folder")
		return 2
	}
	var client *http.Client // nil: url sources are not fetched
	if *fetch {
		client = httpclient.New(30 * time.Second)
	}
	code := 0
	for _, p := range paths {
		var (
			files    []*config.File
			warnings []config.Diagnostic
			err      error
		)
		if *strictEnv {
			files, err = config.Load(p, getenv)
		} else {
			files, warnings, err = config.Check(p, getenv)
		}
		printDiagnostics(stderr, warnings, err)
		if err != nil {
			code = 1
			continue
		}
		for _, f := range files {
			// Check reports bad feed rows as errors; Load (--strict-env)
			// keeps them for serve to skip, and validate fails on them too.
			bad := f.FeedProblems()
			remote, err := f.CheckSources(context.Background(), client)
			if err != nil {
				printDiagnostics(stderr, nil, err)
				code = 1
				continue
			}
			bad = append(bad, remote.Problems...)
			if len(bad) > 0 {
				printDiagnostics(stderr, nil, &config.Errors{Diagnostics: bad})
				code = 1
				continue
			}
			note := ""
			if n := countIn(warnings, f.Path()); n > 0 {
				note = fmt.Sprintf(", %d unset variables: serve needs them", n)
			}
			switch {
			case remote.Skipped > 0:
				note += fmt.Sprintf("; %d url sources not fetched: --fetch fetches them", remote.Skipped)
			case remote.Fetched > 0:
				note += fmt.Sprintf("; %d more from %d url sources", remote.Products, remote.Fetched)
			}
			if n := len(f.Suppliers()); n > 0 {
				note += fmt.Sprintf("; %d suppliers asked at each search", n)
			}
			fmt.Fprintf(stdout, "%s: ok (bot %s, %d products%s)\n", f.Path(), f.ID, len(f.Bot().Products), note)
		}
	}
	return code
}

// printDiagnostics prints warnings and errors together, in file order, so
// that a file's problems read top to bottom.
func printDiagnostics(w io.Writer, warnings []config.Diagnostic, err error) {
	all := &config.Errors{Diagnostics: warnings}
	var errs *config.Errors
	switch {
	case errors.As(err, &errs):
		all.Diagnostics = append(all.Diagnostics[:len(all.Diagnostics):len(all.Diagnostics)], errs.Diagnostics...)
	case err != nil:
		fmt.Fprintln(w, err)
	}
	if len(all.Diagnostics) > 0 {
		fmt.Fprintln(w, all.Error())
	}
}

func countIn(ds []config.Diagnostic, file string) int {
	n := 0
	for _, d := range ds {
		if d.File == file {
			n++
		}
	}
	return n
}
