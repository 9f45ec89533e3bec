// Command tiles checks a creditlog server's C2SP tlog-tiles against Go's own transparency-log
// code (golang.org/x/mod/sumdb/note and sumdb/tlog), written independently of creditlog's:
//
//   - GET /checkpoint opens with note.Open under the server's verifier key;
//   - every tile is read through tlog.TileHashReader from the paths of C2SP tlog-tiles
//     (/tile/L/N[.p/W]; not Go's own Tile.Path, which has a height segment) and checked against
//     the signed root: the right edge by tlog, each full tile against its parent here as well
//     (see tileReader);
//   - for a sample of records and of older tree sizes, tlog.ProveRecord and tlog.ProveTree
//     computed from those tiles equal, hash for hash, the server's GET /v1/proofs/inclusion and
//     /v1/proofs/consistency, and pass tlog.CheckRecord and tlog.CheckTree;
//   - every entry bundle (auditor token) parses into entries whose tlog.RecordHash is the hash at
//     its place in the level-0 tiles, and bundle 0 holds the bytes GET /v1/entries serves.
//
// Build in GOPATH mode with Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tiles-check ./tests/go/tiles
//	tiles-check -url http://127.0.0.1:8080 -vkey 'origin+hash+key' -token AUDITOR_TOKEN
//
// Exits 1 naming the first mismatch; prints one summary line otherwise.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	tileHeight = 8
	tileWidth  = 1 << tileHeight
)

var client = &http.Client{Timeout: 60 * time.Second}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-tiles: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

// get returns the body of a 200 answer and its header; anything else is a failure.
func get(base, path, token string) ([]byte, http.Header) {
	body, header, status := getStatus(base, path, token)
	if status != http.StatusOK {
		fail("GET %s: HTTP %d: %s", path, status, body)
	}
	return body, header
}

func getStatus(base, path, token string) ([]byte, http.Header, int) {
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	return body, resp.Header, resp.StatusCode
}

// encodeIndex writes N as C2SP tlog-tiles does: zero-padded three-digit elements, all but the
// last prefixed with "x" (1234067 is x001/x234/067).
func encodeIndex(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	return s
}

func tilePath(level string, n int64, w int) string {
	p := "/tile/" + level + "/" + encodeIndex(n)
	if w < tileWidth {
		p += ".p/" + strconv.Itoa(w)
	}
	return p
}

// tileReader serves tlog.TileHashReader from the server's tiles (C2SP paths), caching what it
// fetched. tlog checks the tiles of the tree's right edge against the signed root; a full tile it
// should check against its hash in the tile above, but Debian's x/mod (v0.7.0) starts that loop
// at the number of the root's subtrees rather than of their tiles, and so skips full tiles when
// two of those subtrees share a tile (a tree of 321: three subtrees in two tiles). So a full tile
// is checked here before it is handed to tlog: its root must be the hash at its place in its
// parent tile, itself checked the same way, up to the edge tiles that tlog.TreeHash checked
// against the root (the first read, made before any other).
type tileReader struct {
	base     string
	n        int64 // the tree's size
	cache    map[tlog.Tile][]byte
	verified map[tlog.Tile]bool
	fetched  map[string]bool
}

// parentOf returns the tile of level L+1 that holds the root of full tile t, with the width the
// tree of size n gives it.
func parentOf(t tlog.Tile, n int64) tlog.Tile {
	p := tlog.Tile{H: t.H, L: t.L + 1, N: t.N >> tileHeight, W: tileWidth}
	if count := n >> uint(p.L*tileHeight); p.N*tileWidth+tileWidth > count {
		p.W = int(count - p.N*tileWidth)
	}
	return p
}

// checkFull checks full tile t (fetched) against its parent, recursively.
func (r *tileReader) checkFull(t tlog.Tile) {
	if r.verified[t] {
		return
	}
	p := parentOf(t, r.n)
	if p.W < tileWidth {
		if !r.verified[p] {
			fail("tile %s's parent %s is not an edge tile checked against the root", tilePath(strconv.Itoa(t.L), t.N, t.W), tilePath(strconv.Itoa(p.L), p.N, p.W))
		}
	} else {
		r.fetch(p)
		r.checkFull(p)
	}
	index := tlog.StoredHashIndex(p.L*tileHeight, t.N)
	want, err := tlog.HashFromTile(p, r.cache[p], index)
	if err != nil {
		fail("the hash of %s in its parent: %v", tilePath(strconv.Itoa(t.L), t.N, t.W), err)
	}
	if subtreeHash(r.cache[t]) != want {
		fail("%s does not hash to its node in %s", tilePath(strconv.Itoa(t.L), t.N, t.W), tilePath(strconv.Itoa(p.L), p.N, p.W))
	}
	r.verified[t] = true
}

// subtreeHash is the root of a full tile's hashes (RFC 6962, pairwise with tlog.NodeHash).
func subtreeHash(data []byte) tlog.Hash {
	level := make([]tlog.Hash, len(data)/tlog.HashSize)
	for i := range level {
		copy(level[i][:], data[i*tlog.HashSize:])
	}
	for len(level) > 1 {
		for i := 0; i < len(level)/2; i++ {
			level[i] = tlog.NodeHash(level[2*i], level[2*i+1])
		}
		level = level[:len(level)/2]
	}
	return level[0]
}

// markEdge records that the tiles read so far (the edge, by tlog.TreeHash) hashed to the root.
func (r *tileReader) markEdge() {
	for t := range r.cache {
		if t.W == tileWidth {
			fail("tlog.TreeHash read a full tile %v", t)
		}
		r.verified[t] = true
	}
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if t.H != tileHeight {
			return nil, fmt.Errorf("tile of height %d asked for", t.H)
		}
		r.fetch(t)
		if len(r.verified) > 0 && t.W == tileWidth {
			r.checkFull(t)
		}
		out[i] = r.cache[t]
	}
	return out, nil
}

// fetch reads tile t from the server once, checking its length and header fields.
func (r *tileReader) fetch(t tlog.Tile) {
	if _, ok := r.cache[t]; ok {
		return
	}
	path := tilePath(strconv.Itoa(t.L), t.N, t.W)
	data, header := get(r.base, path, "")
	if len(data) != t.W*tlog.HashSize {
		fail("GET %s: %d bytes, not %d", path, len(data), t.W*tlog.HashSize)
	}
	if ct := header.Get("Content-Type"); ct != "application/octet-stream" {
		fail("GET %s: Content-Type %q", path, ct)
	}
	if cc := header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "public") {
		fail("GET %s: Cache-Control %q is not public and immutable", path, cc)
	}
	r.cache[t] = data
	r.fetched[path] = true
}

func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// serverProof is the "hashes" of GET /v1/proofs/….
func serverProof(base, path string) []tlog.Hash {
	body, _ := get(base, path, "")
	var doc struct {
		Hashes []string `json:"hashes"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		fail("GET %s: %v", path, err)
	}
	out := make([]tlog.Hash, len(doc.Hashes))
	for i, h := range doc.Hashes {
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(b) != tlog.HashSize {
			fail("GET %s: hash %d is malformed", path, i)
		}
		copy(out[i][:], b)
	}
	return out
}

func sameProof(what string, ours, theirs []tlog.Hash) {
	if len(ours) != len(theirs) {
		fail("%s: tlog computes %d hashes from the tiles, the server serves %d", what, len(ours), len(theirs))
	}
	for i := range ours {
		if ours[i] != theirs[i] {
			fail("%s: hash %d differs: tlog %s, server %s", what, i, ours[i], theirs[i])
		}
	}
}

// sample returns the distinct values of xs in [lo, hi], sorted.
func sample(lo, hi int64, xs ...int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, x := range xs {
		if x >= lo && x <= hi && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func main() {
	base := flag.String("url", "", "the server, e.g. http://127.0.0.1:8080")
	vkey := flag.String("vkey", "", "the log's verifier key (name+hash+base64)")
	token := flag.String("token", os.Getenv("CREDITLOG_TOKEN"), "an auditor's bearer token, for entry bundles")
	flag.Parse()
	if *base == "" || *vkey == "" || *token == "" {
		fmt.Fprintln(os.Stderr, "usage: tiles -url URL -vkey KEY -token AUDITOR_TOKEN")
		os.Exit(2)
	}
	*base = strings.TrimRight(*base, "/")

	// The checkpoint, opened by Go's signed-note code.
	msg, header := get(*base, "/checkpoint", "")
	if ct := header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		fail("GET /checkpoint: Content-Type %q", ct)
	}
	if cc := header.Get("Cache-Control"); cc != "no-cache" && !strings.Contains(cc, "max-age") {
		fail("GET /checkpoint: Cache-Control %q lets caches keep it", cc)
	}
	if v1, _ := get(*base, "/v1/checkpoint", ""); !bytes.Equal(v1, msg) {
		// A checkpoint may have been published in between: ask once more.
		msg, _ = get(*base, "/checkpoint", "")
		if v1, _ = get(*base, "/v1/checkpoint", ""); !bytes.Equal(v1, msg) {
			fail("GET /checkpoint and GET /v1/checkpoint serve different notes")
		}
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("verifier key: %v", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		fail("note.Open(/checkpoint): %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		fail("the checkpoint's text %q does not start with the origin %q", n.Text, verifier.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size <= 0 {
		fail("the checkpoint's size line %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("the checkpoint's root line %q", lines[2])
	}
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], rootBytes)
	if size <= tileWidth {
		fail("the log has %d entries: more than %d are needed for a full level-0 tile and a level-1 tile", size, tileWidth)
	}

	reader := &tileReader{base: *base, n: size, cache: map[tlog.Tile][]byte{}, verified: map[tlog.Tile]bool{}, fetched: map[string]bool{}}
	hashes := tlog.TileHashReader(tree, reader)
	if th, err := tlog.TreeHash(size, hashes); err != nil || th != tree.Hash {
		fail("tlog.TreeHash from the tiles: %v (%s, the checkpoint says %s)", err, th, tree.Hash)
	}
	reader.markEdge()

	// Inclusion: the first, the last, tile boundaries and some in between.
	records := sample(0, size-1, 0, 1, 2, 17, size/3, size/2, tileWidth-1, tileWidth, tileWidth+1, 2*tileWidth-1, size-2, size-1)
	for _, rec := range records {
		proof, err := tlog.ProveRecord(size, rec, hashes)
		if err != nil {
			fail("tlog.ProveRecord(%d, %d): %v", size, rec, err)
		}
		what := fmt.Sprintf("inclusion proof of %d in %d", rec, size)
		sameProof(what, proof, serverProof(*base, fmt.Sprintf("/v1/proofs/inclusion?seq=%d&size=%d", rec, size)))
		leaf, err := hashes.ReadHashes([]int64{tlog.StoredHashIndex(0, rec)})
		if err != nil {
			fail("leaf %d: %v", rec, err)
		}
		if err := tlog.CheckRecord(proof, size, tree.Hash, rec, leaf[0]); err != nil {
			fail("tlog.CheckRecord(%s): %v", what, err)
		}
	}
	// Consistency: older sizes on both sides of tile boundaries.
	olds := sample(1, size, 1, 2, 3, 7, 8, 100, tileWidth-1, tileWidth, tileWidth+1, size/2, size-1, size)
	for _, old := range olds {
		proof, err := tlog.ProveTree(size, old, hashes)
		if err != nil {
			fail("tlog.ProveTree(%d, %d): %v", size, old, err)
		}
		what := fmt.Sprintf("consistency proof of %d in %d", old, size)
		sameProof(what, proof, serverProof(*base, fmt.Sprintf("/v1/proofs/consistency?old=%d&new=%d", old, size)))
		oldHash, err := tlog.TreeHash(old, hashes)
		if err != nil {
			fail("tlog.TreeHash(%d): %v", old, err)
		}
		if err := tlog.CheckTree(proof, size, tree.Hash, old, oldHash); err != nil {
			fail("tlog.CheckTree(%s): %v", what, err)
		}
	}

	// Entry bundles: every entry hashes to its level-0 hash.
	entries := int64(0)
	bundles := 0
	for k := int64(0); k*tileWidth < size; k++ {
		w := int64(tileWidth)
		if size-k*tileWidth < tileWidth {
			w = size - k*tileWidth
		}
		path := tilePath("entries", k, int(w))
		if _, _, status := getStatus(*base, path, ""); status != http.StatusUnauthorized {
			fail("GET %s without a token: HTTP %d, not 401", path, status)
		}
		body, header := get(*base, path, *token)
		if cc := header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "immutable") {
			fail("GET %s: Cache-Control %q is not private and immutable", path, cc)
		}
		var bundle [][]byte
		for rest := body; len(rest) > 0; {
			if len(rest) < 2 {
				fail("%s: ends inside a length", path)
			}
			l := int(rest[0])<<8 | int(rest[1])
			if len(rest)-2 < l {
				fail("%s: entry %d runs past the end", path, len(bundle))
			}
			bundle = append(bundle, rest[2:2+l])
			rest = rest[2+l:]
		}
		if int64(len(bundle)) != w {
			fail("%s: %d entries, not %d", path, len(bundle), w)
		}
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, k*tileWidth+int64(i))
		}
		leaves, err := hashes.ReadHashes(indexes)
		if err != nil {
			fail("level-0 hashes of %s: %v", path, err)
		}
		for i, e := range bundle {
			if tlog.RecordHash(e) != leaves[i] {
				fail("%s: entry %d (seq %d) does not hash to its level-0 tile hash", path, i, k*tileWidth+int64(i))
			}
		}
		if k == 0 {
			page, _ := get(*base, fmt.Sprintf("/v1/entries?after=0&limit=%d", w), *token)
			var doc struct {
				Entries []struct {
					Entry string `json:"entry"`
				} `json:"entries"`
			}
			if err := json.Unmarshal(page, &doc); err != nil || int64(len(doc.Entries)) != w {
				fail("GET /v1/entries: %v (%d entries)", err, len(doc.Entries))
			}
			for i, e := range doc.Entries {
				if e.Entry != base64.StdEncoding.EncodeToString(bundle[i]) {
					fail("%s: entry %d is not the one GET /v1/entries serves", path, i)
				}
			}
		}
		entries += w
		bundles++
	}

	// What the tiles had to include for a tree of more than 256 entries.
	full0, level1 := false, false
	for path := range reader.fetched {
		full0 = full0 || (strings.HasPrefix(path, "/tile/0/") && !strings.Contains(path, ".p/"))
		level1 = level1 || strings.HasPrefix(path, "/tile/1/")
	}
	if !full0 || !level1 {
		fail("the tiles read (%d) include no full level-0 tile or no level-1 tile", len(reader.fetched))
	}
	if _, _, status := getStatus(*base, tilePath("0", (size+tileWidth-1)/tileWidth, 1), ""); status != http.StatusNotFound {
		fail("a tile beyond the tree: HTTP %d, not 404", status)
	}
	if _, _, status := getStatus(*base, "/tile/0/1", ""); status != http.StatusBadRequest {
		fail("a malformed tile path: HTTP %d, not 400", status)
	}
	fmt.Printf("go-tiles: ok: checkpoint of %d entries opened by x/mod/sumdb/note; %d tiles read through tlog.TileHashReader, verified against it; "+
		"%d inclusion and %d consistency proofs equal the server's hash for hash; %d entries in %d bundles hash to their level-0 tiles\n",
		size, len(reader.fetched), len(records), len(olds), entries, bundles)
}
