// Small statistics and formatting shared by the tests.
package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pairedRatio is the median of a[i]/b[i]: runs of the same round are close
// in time, so the machine's slow and fast phases cancel out.
func pairedRatio(a, b []float64) float64 {
	var r []float64
	for i := range min(len(a), len(b)) {
		if a[i] > 0 && b[i] > 0 {
			r = append(r, a[i]/b[i])
		}
	}
	return median(r)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// medianRuns is the median of the runs that did not fail (NaN); a run
// that gave up counts as +Inf, so more than half giving up gives +Inf.
func medianRuns(v []float64) float64 {
	var ok []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			ok = append(ok, x)
		}
	}
	if len(ok) == 0 {
		return math.NaN()
	}
	return median(ok)
}

func fmtRuns(v []float64) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, fmt.Sprintf("%.0f", x))
	}
	return strings.Join(parts, " ")
}

// printTable prints a Markdown table with aligned columns: readable in a
// terminal, pasteable into README.md and an issue's closing note.
func printTable(header []string, rows [][]string) {
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			fmt.Fprintf(&b, "| %s%s ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		fmt.Println(b.String() + "|")
	}
	line(header)
	dashes := make([]string, len(header))
	for i := range dashes {
		dashes[i] = strings.Repeat("-", width[i])
	}
	line(dashes)
	for _, r := range rows {
		line(r)
	}
}

// heading starts a test's output: what it measures and the command line
// that produced the figures.
func heading(title string) {
	fmt.Printf("\n== %s\ncommand: %s\n\n", title, commandLine())
}

// seconds formats a duration in seconds, or "> LIMIT" when it is +Inf
// (the round gave up).
func seconds(s float64) string {
	switch {
	case math.IsInf(s, 1):
		return fmt.Sprintf("> %.0f s", giveUp.Seconds())
	case math.IsNaN(s):
		return "failed"
	case math.Abs(s) < 0.1:
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f s", s)
}

// secondsList formats each run, for the "runs" columns.
func secondsList(v []float64) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = seconds(s)
	}
	return strings.Join(parts, ", ")
}

// byteCount formats a count of bytes in decimal units, like the rates.
func byteCount(n float64) string {
	switch {
	case math.IsNaN(n):
		return "-"
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", n/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.0f KB", n/1e3)
	}
	return fmt.Sprintf("%.0f B", n)
}

// parseRate reads "100k", "2M" or "5000" as bytes per second.
func parseRate(s string) (float64, error) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("rate %q: want a number of bytes/s like 100k or 2M", s)
	}
	return v * mult, nil
}

// uniqueID is a short decimal tag for one round's markers and files.
func uniqueID() string {
	return strconv.FormatInt(monoNow()%1e9, 10)
}
