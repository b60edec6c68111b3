// Command opennote checks a jointzone checkpoint with Go's own implementations, so that the
// Python side is tested against code we did not write.
//
// Usage:
//
//	opennote -note FILE -entries FILE -key VKEY [-key VKEY ...]
//
// It opens the signed note with note.Open and a note.VerifierList of the given keys (exiting 1
// with note.Open's error on stderr if that fails), reads the log entries from FILE (a tlog-tiles
// entry bundle: each entry a big-endian uint16 length and its bytes), stores their hashes with
// tlog.StoredHashes and computes tlog.TreeHash of all of them. It prints one JSON object: the
// verified and unverified signatures, the checkpoint's origin, size and root, and the tree hash.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type keyFlags []string

func (k *keyFlags) String() string     { return strings.Join(*k, ",") }
func (k *keyFlags) Set(v string) error { *k = append(*k, v); return nil }

type result struct {
	Verified   []string `json:"verified"`
	Unverified []string `json:"unverified"`
	Origin     string   `json:"origin"`
	Size       int64    `json:"size"`
	Root       string   `json:"root"`
	Entries    int64    `json:"entries"`
	TreeHash   string   `json:"tree_hash"`
}

// memoryHashes is a tlog.HashReader over hashes stored in order of their stored-hash index.
type memoryHashes []tlog.Hash

func (m memoryHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("stored hash %d not available (have %d)", x, len(m))
		}
		out[i] = m[x]
	}
	return out, nil
}

func readBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, errors.New("truncated entry length")
		}
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if len(data) < n {
			return nil, fmt.Errorf("entry %d truncated", len(entries))
		}
		entries = append(entries, data[:n])
		data = data[n:]
	}
	return entries, nil
}

func labels(sigs []note.Signature) []string {
	out := []string{}
	for _, s := range sigs {
		out = append(out, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	return out
}

func run() error {
	var keys keyFlags
	notePath := flag.String("note", "", "signed checkpoint note")
	entriesPath := flag.String("entries", "", "log entries as a uint16-length-prefixed bundle")
	flag.Var(&keys, "key", "verifier key (repeatable)")
	flag.Parse()

	var verifiers []note.Verifier
	for _, k := range keys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return fmt.Errorf("verifier key %q: %v", k, err)
		}
		verifiers = append(verifiers, v)
	}
	msg, err := os.ReadFile(*notePath)
	if err != nil {
		return err
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		return fmt.Errorf("note.Open: %v", err)
	}

	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 {
		return fmt.Errorf("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return fmt.Errorf("checkpoint size: %v", err)
	}
	if _, err := base64.StdEncoding.DecodeString(lines[2]); err != nil {
		return fmt.Errorf("checkpoint root: %v", err)
	}

	data, err := os.ReadFile(*entriesPath)
	if err != nil {
		return err
	}
	entries, err := readBundle(data)
	if err != nil {
		return err
	}
	var stored memoryHashes
	for i, e := range entries {
		hashes, err := tlog.StoredHashes(int64(i), e, stored)
		if err != nil {
			return err
		}
		stored = append(stored, hashes...)
	}
	th, err := tlog.TreeHash(int64(len(entries)), stored)
	if err != nil {
		return err
	}

	return json.NewEncoder(os.Stdout).Encode(result{
		Verified:   labels(n.Sigs),
		Unverified: labels(n.UnverifiedSigs),
		Origin:     lines[0],
		Size:       size,
		Root:       lines[2],
		Entries:    int64(len(entries)),
		TreeHash:   base64.StdEncoding.EncodeToString(th[:]),
	})
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
