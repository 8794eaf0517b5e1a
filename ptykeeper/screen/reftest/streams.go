// streams.go loads the recorded streams (testdata/streams/NAME.bin) with
// their labelled cut points (NAME.cuts: "OFFSET LABEL" lines).

package reftest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Stream is one recorded stream.
type Stream struct {
	Name string // file name without .bin
	Data []byte
	Cuts []Cut // from NAME.cuts; Ground computed from Data
}

// LoadStreams reads every NAME.bin in dir, sorted by name, with the cuts of
// NAME.cuts if present.
func LoadStreams(dir string) ([]Stream, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.bin"))
	if err != nil {
		return nil, fmt.Errorf("load streams: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("load streams: no *.bin in %s", dir)
	}
	sort.Strings(files)
	var out []Stream
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("load streams: %w", err)
		}
		s := Stream{Name: strings.TrimSuffix(filepath.Base(f), ".bin"), Data: data}
		if s.Cuts, err = loadCuts(strings.TrimSuffix(f, ".bin")+".cuts", data); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func loadCuts(path string, data []byte) ([]Cut, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load cuts: %w", err)
	}
	var cuts []Cut
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		off, label, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		o, err := strconv.Atoi(off)
		if !ok || err != nil || o < 0 || o > len(data) {
			return nil, fmt.Errorf("%s:%d: want \"OFFSET LABEL\" with 0 <= OFFSET <= %d, got %q", path, n, len(data), sc.Text())
		}
		cuts = append(cuts, Cut{Label: label, Offset: o, Ground: InGround(data[:o])})
	}
	return cuts, sc.Err()
}
