package reftest

import (
	"errors"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(Main(m)) }

// Reasons today's x/vt-based model fails (the gaps of shared/notes/vt.md,
// and more the harness found).
const (
	xvtAltMain     = "x/vt: the main screen under the alternate screen is unreachable, the repaint loses it"
	xvtAltEnter    = "x/vt: entering the alternate screen (1049) homes the cursor; 47 and 1047 unsupported"
	xvtSavedCursor = "x/vt: the DECSC saved cursor is unreachable, the repaint cannot restore it"
	xvtWrap        = "x/vt: the pending-wrap flag is unreachable, the repaint parks the cursor on the last column"
	xvtTabs        = "x/vt: tab stops are unreachable, the repaint leaves the defaults"
	xvtCharset     = "x/vt: character set state (G0/G1 designations, SO/SI) is not repainted; SO/SI not implemented"
	xvtIRM         = "x/vt: insert mode (IRM) overwrites"
	xvtOriginHVP   = "x/vt: CSI f ignores origin mode"
	xvtOriginOff   = "x/vt: leaving origin mode does not home the cursor"
	xvtCombining   = "x/vt: a combining mark after an ASCII letter is dropped"
	xvtDECALN      = "x/vt: DECALN is not implemented"
	xvtILDL        = "x/vt: insert/delete line inside a region below row 1 moves the cursor"
	xvtWideMargin  = "x/vt: a wide character that fits exactly at the right margin wraps; one that does not fit is lost"
	xvtWideHalf    = "x/vt: overwriting half of a wide character"
	xvtUnderline   = "x/vt: double underline and overline are dropped"
	xvtRIS         = "x/vt: RIS does not report the modes it resets"
	xvtIndexed     = "x/vt: SGR 38;5;1 comes back as SGR 31 (bold brightens it)"
	xvtED1         = "x/vt: ED 1 erases the cursor's whole row"
	xvtEmoji       = "x/vt: widths per grapheme cluster, tmux per code point (cursor differs after ZWJ sequences, flags)"
	xvtTitleStack  = "x/vt: the title stack (CSI 22/23 t) is not kept"
	xvtBritish     = "x/vt: the British set maps '$' to '£' (it is '#'; tmux 3.3a ignores ESC ( A)"
	xvtDECCOLM     = "x/vt: DECCOLM (132-column mode) does not clear the screen"
	xvtScrollDown  = "x/vt: scrolling down inside a region (vttest's soft/jump scroll)"
	xvtC0InCSI     = "x/vt: control characters inside escape sequences (vttest: cursor-control characters inside ESC sequences)"
	xvtOrigin      = "x/vt: origin mode with a scroll region (vttest's origin mode test)"
)

// xvtKnown lists what the x/vt model gets wrong. Synthetic cases and
// vttest screens are named exactly (they must keep failing until fixed);
// other stream cuts by pattern.
var xvtKnown = Known{
	"alt-screen":           xvtAltMain,
	"alt-screen-cursor":    xvtAltMain,
	"alt-screen-modes":     xvtAltMain,
	"alt-screen-47":        xvtAltEnter,
	"alt-screen-1047":      xvtAltEnter,
	"decsc":                xvtSavedCursor,
	"decsc-charset":        xvtSavedCursor,
	"decsc-origin":         xvtSavedCursor,
	"decsc-wrap-pending":   xvtSavedCursor,
	"wrap-pending":         xvtWrap,
	"wrap-pending-bottom":  xvtWrap,
	"wrap-pending-region":  xvtWrap,
	"tabs-set":             xvtTabs,
	"tabs-clear-one":       xvtTabs,
	"dec-graphics-left-on": xvtCharset,
	"g1-designated":        xvtCharset,
	"so-si":                xvtCharset,
	"so-left-on":           xvtCharset,
	"irm":                  xvtIRM,
	"irm-left-on":          xvtIRM,
	"irm-wide":             xvtIRM,
	"origin-hvp":           xvtOriginHVP,
	"origin-off-home":      xvtOriginOff,
	"combining":            xvtCombining,
	"decaln":               xvtDECALN,
	"decaln-region":        xvtDECALN,
	"il-region":            xvtILDL,
	"dl-region":            xvtILDL,
	"wide-margin":          xvtWideMargin,
	"wide-row":             xvtWideMargin,
	"wide-overwrite":       xvtWideHalf,
	"sgr":                  xvtUnderline,
	"ris":                  xvtRIS,
	"sgr-bold-basic":       xvtIndexed,
	"ed-el":                xvtED1,
	"emoji":                xvtEmoji,

	// The vttest screens x/vt gets wrong, each with its first cause. Those
	// listed with xvtTabs show right and differ in tab stops only.
	"vttest-1@screen-01": xvtDECALN,
	"vttest-1@screen-02": xvtDECALN,
	"vttest-1@screen-03": xvtDECCOLM,
	"vttest-1@screen-04": xvtDECCOLM,
	"vttest-1@screen-05": xvtC0InCSI,
	"vttest-2@screen-02": xvtTabs,
	"vttest-2@screen-03": xvtTabs,
	"vttest-2@screen-04": xvtTabs,
	"vttest-2@screen-05": xvtTabs,
	"vttest-2@screen-06": xvtTabs,
	"vttest-2@screen-07": xvtScrollDown,
	"vttest-2@screen-08": xvtTabs,
	"vttest-2@screen-09": xvtScrollDown,
	"vttest-2@screen-10": xvtTabs,
	"vttest-2@screen-11": xvtOrigin,
	"vttest-2@screen-12": xvtTabs,
	"vttest-2@screen-13": xvtTabs,
	"vttest-2@screen-14": xvtTabs,
	"vttest-2@screen-15": xvtCharset,
	"vttest-3@screen-01": xvtBritish,
	"vttest-8@screen-02": xvtILDL,
	"vttest-8@screen-03": xvtIRM,
	"vttest-8@screen-04": xvtIRM,
	"vttest-8@screen-09": xvtILDL,

	// Other cuts of the streams.
	"vttest-*@at-*": "x/vt: see the vttest screens",
	"vttest-*@end":  "x/vt: see the vttest screens",
	"vim@*":         xvtAltMain,
	"less@*":        xvtAltMain + "; " + xvtAltEnter,
	"htop@*":        xvtAltMain,
	"nano@*":        xvtAltMain + "; " + xvtSavedCursor,
	"mc@*":          xvtAltMain + "; " + xvtCharset + "; " + xvtTitleStack,
	"cjk@*":         xvtCombining + "; " + xvtWideMargin,
}

// The harness finds the known gaps of today's x/vt-based model, and only
// those: the cases it passes must keep passing. x/vt parses scrolling text
// at a few MB/s (and far slower under -race), so it gets the first 32 KiB of
// each stream.
func TestXVTSuite(t *testing.T) {
	Suite{New: newXVT, StreamDir: "../testdata/streams", Known: xvtKnown, MaxBytes: 32 << 10}.Run(t)
}

// The committed seeds pass with x/vt; `go test -fuzz=FuzzDifferential`
// finds its gaps within seconds (testdata/found holds some).
func FuzzDifferential(f *testing.F) { fuzz(f, newXVT) }

// Every input in testdata/found still shows an x/vt gap: they are worth
// checking every model on.
func TestFoundSeedsFailOnXVT(t *testing.T) {
	srv := Require(t)
	seeds, err := FoundSeeds()
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) < 10 {
		t.Fatalf("%d found seeds", len(seeds))
	}
	for i, in := range seeds {
		stream := Generate(in, FuzzCols, FuzzRows)
		m := newXVT(FuzzCols, FuzzRows)
		m.Write(stream)
		repaint := m.AppendRepaint(nil)
		closeModel(m)
		var mm *Mismatch
		if err := Compare(srv, stream, repaint, InGround(stream), FuzzCols, FuzzRows); !errors.As(err, &mm) {
			t.Errorf("seed %d (%q): got %v, want a mismatch", i, stream, err)
		}
	}
}
