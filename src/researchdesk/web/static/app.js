// ResearchDesk pages work without this file; it adds keyboard review, drag-and-drop upload with
// progress, live job progress and confirmations. No inline script anywhere (the CSP forbids it).
"use strict";

function csrfOf(form) {
  const field = form.querySelector('input[name="csrf"]');
  return field ? field.value : "";
}

// --- evidence review: j/k move, a accept, r reject, e edit ---------------------------------------
function setupReview() {
  const cards = Array.from(document.querySelectorAll("article.evidence"));
  if (!cards.length) return;
  let at = Math.max(0, cards.findIndex((c) => "#" + c.id === location.hash));
  const focus = (i) => {
    at = Math.max(0, Math.min(cards.length - 1, i));
    cards.forEach((c) => c.classList.remove("current"));
    cards[at].classList.add("current");
    cards[at].focus({ preventScroll: true });
    cards[at].scrollIntoView({ block: "nearest" });
  };
  cards.forEach((c, i) => c.addEventListener("focus", () => { at = i; cards.forEach((d) => d.classList.remove("current")); c.classList.add("current"); }));
  focus(at);
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const card = cards[at];
    if (ev.key === "j") { focus(at + 1); ev.preventDefault(); }
    else if (ev.key === "k") { focus(at - 1); ev.preventDefault(); }
    else if (ev.key === "a" || ev.key === "r") {
      const form = card.querySelector(`form[data-action="${ev.key === "a" ? "accept" : "reject"}"]`);
      if (form) { ev.preventDefault(); form.submit(); }
    } else if (ev.key === "e") {
      const details = card.querySelector("details.relabel");
      if (details) { ev.preventDefault(); details.open = true; const sel = details.querySelector("select"); if (sel) sel.focus(); }
    }
  });
}

// --- library upload: drag and drop, progress, per-file errors ------------------------------------
function setupUpload() {
  const form = document.querySelector("form[data-upload]");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const bar = form.querySelector("progress");
  const list = form.querySelector("ul.upload-result");
  let dropped = null;
  ["dragenter", "dragover"].forEach((t) => form.addEventListener(t, (e) => { e.preventDefault(); form.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => form.addEventListener(t, (e) => { e.preventDefault(); form.classList.remove("over"); }));
  form.addEventListener("drop", (e) => {
    dropped = e.dataTransfer.files;
    list.textContent = "";
    const li = document.createElement("li");
    li.textContent = `${dropped.length} file(s) ready: press Upload.`;
    list.appendChild(li);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData();
    const files = dropped || input.files;
    if (!files || !files.length) { list.textContent = "Choose or drop files first."; return; }
    for (const f of files) data.append("files", f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRF-Token", csrfOf(form));
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (p) => { if (p.lengthComputable) bar.value = (100 * p.loaded) / p.total; });
    xhr.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = { message: xhr.statusText }; }
      list.textContent = "";
      for (const r of body.rejected || []) {
        const li = document.createElement("li");
        li.className = "failed";
        li.textContent = `${r.name}: ${r.reason}. ${r.hint || ""}`;
        list.appendChild(li);
      }
      if (body.message) { const li = document.createElement("li"); li.className = "failed"; li.textContent = `${body.message} ${body.hint || ""}`; list.appendChild(li); }
      if (body.job_url) location.assign(body.job_url);
    });
    xhr.send(data);
  });
}

// --- job page: live progress until the job ends ---------------------------------------------------
function setupJob() {
  const box = document.querySelector("section.job[data-job]");
  if (!box || ["done", "failed"].includes(box.dataset.status)) return;
  const poll = () => {
    fetch(`/api/v1/jobs/${box.dataset.job}`, { headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((job) => {
        box.querySelector(".job-status").textContent = job.status;
        box.querySelector(".job-message").textContent = job.message;
        const bar = box.querySelector(".job-progress");
        bar.max = job.total || 1; bar.value = job.done;
        box.querySelector(".job-count").textContent = job.total ? `${job.done}/${job.total}` : "";
        if (job.status === "done" || job.status === "failed") location.reload();
        else setTimeout(poll, 1000);
      })
      .catch(() => setTimeout(poll, 3000));
  };
  setTimeout(poll, 500);
}

function setupConfirm() {
  document.querySelectorAll("form[data-confirm]").forEach((f) =>
    f.addEventListener("submit", (e) => { if (!window.confirm(f.dataset.confirm)) e.preventDefault(); }));
}

document.addEventListener("DOMContentLoaded", () => { setupReview(); setupUpload(); setupJob(); setupConfirm(); });
