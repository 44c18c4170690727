// A tlog-tiles client built on the Go reference code (golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog, as Debian ships them), run by test_go_reference.py.
//
//	tlogclient verify BASE VKEY   check BASE/log/checkpoint with VKEY, rebuild the tree hash
//	                              from BASE/log/tile/..., prove every entry of the entry
//	                              bundles; print "ok SIZE ROOT REDACTED-INDEXES"
//	tlogclient sign SKEY FILE     sign the text in FILE with the private key SKEY; print the note
package main

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fetch(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %d %s", url, resp.StatusCode, data)
	}
	return data, nil
}

// tiles reads tlog-tiles paths: Go's "tile/8/L/N" is "tile/L/N" there.
type tiles struct{ base string }

func (t tiles) Height() int { return 8 }

func (t tiles) ReadTiles(list []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(list))
	for i, tile := range list {
		path := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		data, err := fetch(t.base + "/log/" + path)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func verify(base, vkey string) error {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return err
	}
	raw, err := fetch(base + "/log/checkpoint")
	if err != nil {
		return err
	}
	opened, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		return err
	}
	lines := strings.Split(opened.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		return fmt.Errorf("not a checkpoint of %s: %q", verifier.Name(), opened.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return err
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return err
	}
	tree := tlog.Tree{N: size, Hash: root}
	reader := tlog.TileHashReader(tree, tiles{base})
	got, err := tlog.TreeHash(size, reader)
	if err != nil {
		return err
	}
	if got != root {
		return fmt.Errorf("tree hash %v is not the checkpoint's %v", got, root)
	}
	var redacted []string
	for start := int64(0); start < size; start += 256 {
		width := size - start
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}
		path := strings.Replace(tile.Path(), "tile/8/0/", "tile/entries/", 1)
		bundle, err := fetch(base + "/log/" + path)
		if err != nil {
			return err
		}
		for i := start; len(bundle) > 0; i++ {
			n := int(binary.BigEndian.Uint16(bundle))
			entry := bundle[2 : 2+n]
			bundle = bundle[2+n:]
			proof, err := tlog.ProveRecord(size, i, reader)
			if err != nil {
				return err
			}
			if tlog.CheckRecord(proof, size, root, i, tlog.RecordHash(entry)) != nil {
				// Only a redacted entry's tombstone may fail: its leaf hash covers the content.
				if !strings.HasPrefix(string(entry), `{"redacted":`) {
					return fmt.Errorf("entry %d does not prove: %q", i, entry)
				}
				redacted = append(redacted, strconv.FormatInt(i, 10))
			}
		}
	}
	fmt.Printf("ok %d %s %s\n", size, base64.StdEncoding.EncodeToString(root[:]), strings.Join(redacted, ","))
	return nil
}

func sign(skey, file string) error {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	signed, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return err
	}
	os.Stdout.Write(signed)
	return nil
}

func main() {
	var err error
	switch {
	case len(os.Args) == 4 && os.Args[1] == "verify":
		err = verify(os.Args[2], os.Args[3])
	case len(os.Args) == 4 && os.Args[1] == "sign":
		err = sign(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("usage: tlogclient verify BASE VKEY | sign SKEY FILE")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlogclient:", err)
		os.Exit(1)
	}
}
