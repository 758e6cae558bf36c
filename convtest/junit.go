package convtest

import (
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// The JUnit XML elements, as CI systems (GitLab, Jenkins, GitHub
// actions that read test reports) take them: one testsuite per file,
// one testcase per case.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Time     string      `xml:"time,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		File      string        `xml:"file,attr,omitempty"`
		Line      int           `xml:"line,attr,omitempty"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",cdata"`
	}
)

// WriteJUnit writes res as JUnit XML: one testsuite per file (named by its
// path), one testcase per case (classname: the file's name without
// extension) with, for a failed case, a failure whose message is its
// first failed step and whose text is the diff the runner printed. A
// case the pipeline broke under is an error, not a failure.
func WriteJUnit(w io.Writer, res *Result) error {
	all := junitSuites{Name: "concierge test"}
	var total time.Duration
	for _, f := range res.Files {
		s := junitSuite{Name: f.File.Path, Time: seconds(f.Time)}
		class := strings.TrimSuffix(filepath.Base(f.File.Path), filepath.Ext(f.File.Path))
		for _, c := range f.Cases {
			jc := junitCase{Name: c.Case.Name, Classname: class, File: f.File.Path, Line: c.Case.At.Line, Time: seconds(c.Time)}
			var details strings.Builder
			writeFailures(&details, f.File.Path, c.Failures)
			switch {
			case c.Err != nil:
				jc.Error = &junitProblem{Message: c.Err.Error(), Type: "pipeline", Text: details.String()}
				s.Errors++
			case len(c.Failures) > 0:
				fl := c.Failures[0]
				msg := fmt.Sprintf("step %d: %s", fl.Step, fl.Desc)
				if len(fl.Problems) > 0 {
					msg += fmt.Sprintf(": expected %s, got %s", fl.Problems[0].Expected, fl.Problems[0].Got)
				}
				jc.Failure = &junitProblem{Message: msg, Type: fl.Problems[0].Check, Text: details.String()}
				s.Failures++
			}
			s.Tests++
			s.Cases = append(s.Cases, jc)
		}
		all.Tests += s.Tests
		all.Failures += s.Failures
		all.Errors += s.Errors
		total += f.Time
		all.Suites = append(all.Suites, s)
	}
	all.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(all); err != nil {
		return fmt.Errorf("convtest: junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
