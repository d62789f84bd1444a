package upload_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/internal/browsertest"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestBrowserDropsFolder: a folder dropped on a [data-upload] zone (upload.js) arrives
// with everything in it, its folders made in the shared folder, each file announced
// with hearth:uploaded; and the zone's controls have names a screen reader says.
func TestBrowserDropsFolder(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("ann", annPW, false)
	src := filepath.Join(t.TempDir(), "Holiday")
	files := map[string]string{"a.txt": "first day", "day 2/b.txt": "second day", "day 2/deeper/c.bin": string(pattern(70000))}
	for rel, data := range files {
		p := filepath.Join(src, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	x := &tab{t: t, s: s, b: s.Browser()}
	x.signIn()
	// The lead's Files page holds such a zone; here one is put on the home page.
	x.eval(`new Promise((ok, fail) => {
		const zone = Object.assign(document.createElement("section"), { id: "zone" });
		zone.dataset.upload = "Public/Trips";
		document.querySelector("main").prepend(zone);
		window.got = [];
		zone.addEventListener("hearth:uploaded", (e) => got.push(e.detail.path));
		const s = Object.assign(document.createElement("script"), { type: "module", src: "/static/upload.js" });
		s.onload = ok; s.onerror = fail;
		document.head.append(s);
	})`)
	x.wait(time.Minute, "upload.js to set the zone up", `document.querySelectorAll("#zone input[type=file]").length === 2`)
	unnamed := x.eval(`[...document.querySelectorAll("#zone input, #zone button")].filter((e) => !e.labels?.length && !e.textContent.trim()).length`)
	if unnamed.(float64) != 0 {
		t.Errorf("%v of the zone's controls have no name", unnamed)
	}

	box, err := browsertest.Run(x.b, chromedp.Evaluate[map[string]float64](`(() => { const r = document.querySelector("#zone").getBoundingClientRect(); return { x: r.x + 5, y: r.y + 5 }; })()`))
	if err != nil {
		t.Fatal(err)
	}
	data := &input.DragData{Files: []string{src}, DragOperationsMask: 1}
	for _, ev := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
		x.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, input.DispatchDragEvent, input.DispatchDragEventParams{Type: ev, X: box["x"], Y: box["y"], Data: data})
			return err
		}))
	}
	x.wait(time.Minute, "three files uploaded", `got.length >= 3 || document.querySelector("#zone .upload-status")?.textContent.startsWith("Not")`)
	var got []string
	for _, p := range x.eval(`got`).([]any) {
		got = append(got, p.(string))
	}
	sort.Strings(got)
	want := []string{"Public/Trips/Holiday/a.txt", "Public/Trips/Holiday/day 2/b.txt", "Public/Trips/Holiday/day 2/deeper/c.bin"}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("hearth:uploaded for %q, want %q", got, want)
	}
	for rel, data := range files {
		if b := readPool(t, s, "Public/Trips/Holiday/"+rel); b != data {
			t.Errorf("%s: %.60q, want %.60q", rel, b, data)
		}
	}
	if n := x.eval(`document.querySelectorAll("#zone progress[aria-labelledby]").length`); n.(float64) != 3 {
		t.Errorf("%v labelled progress bars, want 3", n)
	}
}

// TestBrowserPicksPausesResumes: a file chosen with the zone's picker and paused sends
// nothing; Resume sends it, with progress, whole into the zone's folder.
func TestBrowserPicksPausesResumes(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("ann", annPW, false)
	src := filepath.Join(t.TempDir(), "film.bin")
	data := pattern(96 << 20)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	x := &tab{t: t, s: s, b: s.Browser()}
	x.signIn()
	x.eval(`new Promise((ok, fail) => {
		const zone = Object.assign(document.createElement("section"), { id: "zone" });
		zone.dataset.upload = "Videos";
		document.querySelector("main").prepend(zone);
		window.got = [];
		zone.addEventListener("hearth:uploaded", (e) => got.push(e.detail.path));
		const s = Object.assign(document.createElement("script"), { type: "module", src: "/static/upload.js" });
		s.onload = ok; s.onerror = fail;
		document.head.append(s);
	})`)
	x.wait(time.Minute, "upload.js to set the zone up", `document.querySelectorAll("#zone input[type=file]").length === 2`)
	// Pause is pressed as soon as the file is listed, before anything is sent (a pause
	// mid-way would race the upload): nothing may arrive until Resume.
	x.eval(`document.querySelector("#zone input[type=file]:not([webkitdirectory])").addEventListener("change",
		() => document.querySelector("#zone .upload-item button").click(), { once: true }); true`)
	x.do(chromedp.SetUploadFiles(`#zone input[type=file]:not([webkitdirectory])`, []string{src}))
	x.wait(time.Minute, "the file listed, paused", `document.querySelector("#zone .upload-status")?.textContent === "Paused"`)
	if b := x.eval(`document.querySelector("#zone .upload-item button").textContent`); b != "Resume" {
		t.Fatalf("the paused file's button says %q", b)
	}
	time.Sleep(time.Second) // what a running upload would send meanwhile
	if len(x.eval(`got`).([]any)) != 0 || x.eval(`document.querySelector("#zone progress").value`).(float64) != 0 {
		t.Fatal("a paused file went up")
	}
	if _, err := s.App.Pool.Stat(context.Background(), "Videos/film.bin"); err == nil {
		t.Fatal("a paused file arrived")
	}
	x.do(chromedp.Click(`#zone .upload-item button`))
	x.wait(2*time.Minute, "the upload to finish", `got.length === 1`)
	if b := readPool(t, s, "Videos/film.bin"); b != string(data) {
		t.Fatalf("the file differs from what was chosen (%d bytes)", len(b))
	}
}
