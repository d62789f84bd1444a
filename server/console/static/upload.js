// Uploads files and folders of any size into a shared folder, resumably (the tus
// protocol, with the vendored tus-js-client): each [data-upload="Share/folder"] element
// gets a file picker, a folder picker and a drop zone. Every file shows its progress with
// Pause and Resume; a dropped connection is retried with growing pauses, and a file
// chosen again after the page was closed goes on from what the server acknowledged.
// When a file is whole in the shared folder, the element receives a "hearth:uploaded"
// event (bubbling) whose detail is {path, name, size}.
// Each chunk is synced on the server before it is acknowledged, and a chunk cut short
// keeps what arrived: 64 MiB chunks pay that sync (and a request) a quarter as often as
// 16 MiB ones did, which made the chunks about 30% faster (see BenchmarkTusUpload1GiB).
const CHUNK = 64 << 20;
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];

let tusLoaded;
function loadTus() {
  if (window.tus) return Promise.resolve(window.tus);
  tusLoaded ??= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = new URL("tus.min.js", import.meta.url).href;
    s.onload = () => resolve(window.tus);
    s.onerror = () => reject(new Error("tus.min.js did not load"));
    document.head.append(s);
  });
  return tusLoaded;
}

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

let nextId = 0;

// One zone: its pickers, drop target, list of files and queue (one file at a time).
class Zone {
  constructor(root) {
    this.root = root;
    this.folder = root.dataset.upload.replace(/^\/+|\/+$/g, "");
    this.queue = [];
    this.running = false;
    const inputs = [...root.querySelectorAll("input[type=file]")];
    if (inputs.length === 0) {
      const files = el("input", { type: "file", multiple: true });
      const dir = el("input", { type: "file", multiple: true, webkitdirectory: true });
      root.append(
        el("label", { className: "upload-pick" }, "Choose files ", files),
        el("label", { className: "upload-pick" }, "Choose a folder ", dir),
        el("p", { className: "upload-hint" }, "Or drop files and folders here."),
      );
      inputs.push(files, dir);
    }
    for (const input of inputs) {
      input.addEventListener("change", () => {
        for (const f of input.files) this.add(f, f.webkitRelativePath || f.name);
        input.value = "";
      });
    }
    this.list = root.querySelector(".upload-list") || root.appendChild(el("ul", { className: "upload-list" }));
    this.list.setAttribute("aria-live", "polite");
    root.addEventListener("dragover", (ev) => { ev.preventDefault(); root.classList.add("upload-over"); });
    root.addEventListener("dragleave", () => root.classList.remove("upload-over"));
    root.addEventListener("drop", (ev) => { ev.preventDefault(); root.classList.remove("upload-over"); this.drop(ev.dataTransfer); });
  }

  // drop takes what was dropped: files, and folders with everything in them.
  async drop(dt) {
    const entries = [...dt.items].map((it) => it.webkitGetAsEntry && it.webkitGetAsEntry()).filter(Boolean);
    if (entries.length === 0) {
      for (const f of dt.files) this.add(f, f.name);
      return;
    }
    for (const entry of entries) await this.walk(entry);
  }

  async walk(entry) {
    const rel = entry.fullPath.replace(/^\/+/, "");
    if (entry.isFile) {
      const file = await new Promise((ok, fail) => entry.file(ok, fail));
      this.add(file, rel);
      return;
    }
    const reader = entry.createReader();
    for (;;) { // readEntries gives a folder's contents a batch at a time
      const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const e of batch) await this.walk(e);
    }
  }

  add(file, rel) {
    const id = "upload-" + nextId++;
    const name = el("span", { id: id + "-name", className: "upload-name" }, rel);
    const bar = el("progress", { max: 100, value: 0 });
    bar.setAttribute("aria-labelledby", id + "-name");
    const status = el("span", { className: "upload-status" }, "Waiting");
    const pause = el("button", { type: "button" }, "Pause");
    const li = el("li", { className: "upload-item" }, name, " ", bar, " ", status, " ", pause);
    this.list.append(li);
    const job = { file, rel, bar, status, pause, li, upload: null, paused: false };
    pause.addEventListener("click", () => this.toggle(job));
    this.queue.push(job);
    this.pump();
  }

  toggle(job) {
    job.paused = !job.paused;
    job.pause.textContent = job.paused ? "Resume" : "Pause";
    if (job.paused) {
      job.status.textContent = "Paused";
      if (job.upload) job.upload.abort();
      if (job.release) job.release(); // the next file goes meanwhile
    } else if (job.upload) {
      job.status.textContent = "Resuming";
      job.upload.start();
    }
  }

  async pump() {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0) {
      await this.send(this.queue.shift());
    }
    this.running = false;
  }

  // send uploads one file, resolving when it is done, failed for good, or paused (a
  // paused file resumes on its own, beside the queue).
  async send(job) {
    const tus = await loadTus();
    const folder = this.folder;
    await new Promise((done) => {
      job.release = done;
      const up = new tus.Upload(job.file, {
        endpoint: "/api/v1/uploads",
        chunkSize: CHUNK,
        retryDelays: RETRY_DELAYS,
        metadata: { folder, filename: job.rel, mtime: String(job.file.lastModified || Date.now()) },
        // The same file into the same place resumes; elsewhere it is another upload.
        fingerprint: (file) => Promise.resolve(["hearth", folder, job.rel, file.size, file.lastModified].join("|")),
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        urlStorage: keepOverSignIn(tus.defaultOptions.urlStorage, job),
        onAfterResponse: (req, res) => { job.signInNeeded = res.getStatus() === 401; },
        onProgress: (sent, total) => {
          job.bar.value = total ? Math.floor((sent / total) * 100) : 100;
          if (!job.paused) job.status.textContent = `${Math.floor((sent / total) * 100)}%`;
        },
        onSuccess: () => {
          job.bar.value = 100;
          job.status.textContent = "Done";
          job.pause.remove();
          this.root.dispatchEvent(new CustomEvent("hearth:uploaded", {
            bubbles: true, detail: { path: folder + "/" + job.rel, name: job.rel, size: job.file.size },
          }));
          done();
        },
        onError: (err) => {
          job.status.textContent = "Not uploaded: " + reason(err);
          job.pause.remove();
          done();
        },
      });
      job.upload = up;
      job.status.textContent = "Starting";
      up.findPreviousUploads().then((prev) => {
        // The newest first: an older one may be an upload the server let go of.
        prev.sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
        if (prev.length > 0) up.resumeFromPreviousUpload(prev[0]);
        if (job.paused) done(); // it starts when Resume is pressed
        else up.start();
      });
    });
  }
}

// keepOverSignIn is the browser's store of uploads to resume, except that an upload is not
// forgotten when the server only asked for a sign-in: a server that restarted forgot its
// sessions, not its uploads, and after signing in again the file goes on from there.
function keepOverSignIn(storage, job) {
  return {
    findAllUploads: () => storage.findAllUploads(),
    findUploadsByFingerprint: (fp) => storage.findUploadsByFingerprint(fp),
    addUpload: (fp, upload) => storage.addUpload(fp, upload),
    removeUpload: (key) => (job.signInNeeded ? Promise.resolve() : storage.removeUpload(key)),
  };
}

// reason is the server's own words for a refusal, when it gave some.
function reason(err) {
  const resp = err && err.originalResponse;
  if (resp) {
    try {
      const p = JSON.parse(resp.getBody());
      if (p && p.error) return p.error;
    } catch (e) { /* not the API's error shape */ }
  }
  return "the connection to the server was lost. Choose the file again to go on from where it stopped.";
}

// wire starts every zone not started yet: at load, and after a page swaps a part in.
function wire() {
  for (const root of document.querySelectorAll("[data-upload]:not([data-upload-ready])")) {
    root.setAttribute("data-upload-ready", "");
    new Zone(root);
  }
}
wire();
document.addEventListener("hearth:refreshed", wire);
document.addEventListener("htmx:afterSwap", wire);
