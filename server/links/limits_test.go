package links_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// An upload link's limits hold for senders at the same time: a second sender while the
// first's file is still arriving is counted against the same limit, not against what
// the link had taken in when each began. (Each request used to check the counts it read
// at its start, so N senders at once took in N times the limit.)
func TestUploadLinkLimitsHoldForSendersAtOnce(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "upload", "max_files": 1}`)

	// The first sender's file is on its way: its form and most of its data are sent,
	// the rest waits. 32 MiB is more than the connection's buffers hold, so the server
	// has begun to read the file when the write returns.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	first := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest("POST", f.URL+l.Path, pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Error(err)
			first <- nil
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		first <- resp
	}()
	fw, _ := mw.CreateFormFile("files", "first.bin")
	if _, err := fw.Write(bytes.Repeat([]byte("1"), 32<<20)); err != nil {
		t.Fatal(err)
	}

	resp, text := f.upload(l.Path, map[string][]byte{"second.txt": []byte("2")})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(text, "all the files") {
		t.Errorf("a second file while the first of a one-file link arrives: %d %.300s", resp.StatusCode, text)
	}
	mw.Close()
	pw.Close()
	if r := <-first; r == nil || r.StatusCode != http.StatusOK {
		t.Errorf("the first sender: %v", r)
	}
	list, _ := f.App.Pool.List(context.Background(), "Photos/Trip")
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); strings.Contains(got, "second.txt") || !strings.Contains(got, "first.bin") {
		t.Errorf("Photos/Trip holds %s; want first.bin and not second.txt", got)
	}
}

// A name with a colon ("at 10:30.txt") is a link like any other on a link's pages: a
// relative address "at%2010:30.txt" reads as one of a scheme "at%2010", which the page's
// template blanks out ("#ZgotmplZ") and a browser would not follow as a file here.
func TestLinkPagesLinkNamesWithAColon(t *testing.T) {
	f := startFamily(t)
	f.write("Photos/Trip/at 10:30.txt", []byte("half past ten"))
	f.write("Photos/Trip/sub/x:y.txt", []byte("x and y"))
	href := regexp.MustCompile(`href="([^"]*)"`)
	check := func(page, base string, want map[string]string) {
		t.Helper()
		found := map[string]bool{}
		for _, m := range href.FindAllStringSubmatch(page, -1) {
			u := html.UnescapeString(m[1])
			if strings.Contains(u, "ZgotmplZ") {
				t.Errorf("a link on %s is blanked: %q", base, u)
				continue
			}
			ref, err := url.Parse(u)
			if err != nil || ref.Scheme != "" {
				continue
			}
			abs := (&url.URL{Path: base}).ResolveReference(ref)
			for name, data := range want {
				if strings.HasSuffix(abs.Path, "/"+name) {
					found[name] = true
					if resp, body := f.get(abs.EscapedPath() + "?download"); resp.StatusCode != 200 || string(body) != data {
						t.Errorf("%s from %s: %d %q", u, base, resp.StatusCode, body)
					}
				}
			}
		}
		for name := range want {
			if !found[name] {
				t.Errorf("%s has no working link to %s: %s", base, name, page)
			}
		}
	}
	folder := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	_, page := f.get(folder.Path)
	check(string(page), folder.Path, map[string]string{"at 10:30.txt": "half past ten"})
	_, page = f.get(folder.Path + "sub/")
	check(string(page), folder.Path+"sub/", map[string]string{"x:y.txt": "x and y"})
	file := f.makeLink("ann", annPW, `{"path": "Photos/Trip/at 10:30.txt", "kind": "read"}`)
	_, page = f.get(file.Path)
	check(string(page), file.Path, map[string]string{"at 10:30.txt": "half past ten"})
}

// No one is named after the PCs' Backups share: such a user would have it as their own
// folder, with full access, before the first PC backs up, and could give out a link
// that reads the backups' packs or adds files among them.
func TestNoUserOwnsTheBackupsShare(t *testing.T) {
	f := startFamily(t)
	for _, name := range []string{"Backups", "backups"} {
		if _, err := f.Admin().AddUser(context.Background(), name, "backups-password1", false); err == nil {
			t.Errorf("a user named %s was added", name)
		}
	}
	if resp, _ := f.Do("Backups", "backups-password1", "POST", "/api/v1/links", strings.NewReader(`{"path": "Backups", "kind": "upload"}`),
		"Content-Type", "application/json"); resp.StatusCode == http.StatusCreated {
		t.Error("a link into the Backups share was made")
	}
}
