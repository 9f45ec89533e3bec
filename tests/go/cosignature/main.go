// Checks creditlog's witnessed checkpoints with code creditlog did not write: Go's
// golang.org/x/mod/sumdb/note opens the signed note, and cosignatures (C2SP tlog-cosignature,
// cosignature/v1) are checked with Go's crypto/ed25519 through note's Verifier interface.
//
//	cosignature -checkpoint FILE -log VKEY -witness VKEY [-witness VKEY …] -min N
//
// Exit 0 when the log's signature verifies and at least N of the witnesses' cosignatures do.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

type witnessKeys []string

func (w *witnessKeys) String() string     { return strings.Join(*w, ",") }
func (w *witnessKeys) Set(v string) error { *w = append(*w, v); return nil }

// cosigner verifies Ed25519 cosignature/v1 signatures: key ID SHA-256(name || "\n" || 0x04 || key)[:4],
// signature = timestamp (8 bytes, big-endian) || Ed25519 over "cosignature/v1\ntime T\n" || text.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	seen *uint64
}

func (c cosigner) Name() string    { return c.name }
func (c cosigner) KeyHash() uint32 { return c.hash }
func (c cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	signed := append([]byte("cosignature/v1\ntime "+strconv.FormatUint(t, 10)+"\n"), msg...)
	if !ed25519.Verify(c.key, signed, sig[8:]) {
		return false
	}
	*c.seen = t
	return true
}

func parseCosigner(vkey string) (cosigner, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return cosigner{}, fmt.Errorf("cosigner key %q: want name+hash+key", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		return cosigner{}, fmt.Errorf("cosigner key %q: not 0x04 || 32-byte Ed25519 key", vkey)
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n\x04"), raw[1:]...))
	if hex.EncodeToString(h[:4]) != parts[1] {
		return cosigner{}, fmt.Errorf("cosigner key %q: key ID is not SHA-256(name, 0x04, key)[:4]", vkey)
	}
	return cosigner{name: parts[0], hash: binary.BigEndian.Uint32(h[:4]), key: ed25519.PublicKey(raw[1:]), seen: new(uint64)}, nil
}

func main() {
	checkpoint := flag.String("checkpoint", "", "the cosigned checkpoint note")
	logKey := flag.String("log", "", "the log's verifier key")
	min := flag.Int("min", 1, "how many cosignatures must verify")
	var witnesses witnessKeys
	flag.Var(&witnesses, "witness", "a witness's cosigner key (repeat)")
	flag.Parse()
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "cosignature: "+format+"\n", args...)
		os.Exit(1)
	}
	text, err := os.ReadFile(*checkpoint)
	if err != nil {
		fail("%v", err)
	}
	logVerifier, err := note.NewVerifier(*logKey)
	if err != nil {
		fail("log key: %v", err)
	}
	verifiers := []note.Verifier{logVerifier}
	var cosigners []cosigner
	for _, w := range witnesses {
		c, err := parseCosigner(w)
		if err != nil {
			fail("%v", err)
		}
		cosigners = append(cosigners, c)
		verifiers = append(verifiers, c)
	}
	n, err := note.Open(text, note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	logSigned, count := false, 0
	var names []string
	for _, s := range n.Sigs {
		if s.Name == logVerifier.Name() && s.Hash == logVerifier.KeyHash() {
			logSigned = true
		}
	}
	for _, c := range cosigners {
		if *c.seen != 0 {
			count++
			names = append(names, c.name+" at "+time.Unix(int64(*c.seen), 0).UTC().Format(time.RFC3339))
		}
	}
	if !logSigned {
		fail("no verified signature by the log")
	}
	if count < *min {
		fail("%d cosignatures verified, want at least %d", count, *min)
	}
	lines := strings.SplitN(n.Text, "\n", 3)
	fmt.Printf("ok: %s size %s signed by the log and cosigned by %s\n", lines[0], lines[1], strings.Join(names, ", "))
}
