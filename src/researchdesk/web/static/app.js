// ResearchDesk pages work without this file; it adds keyboard review, drag-and-drop upload with
// progress, live job progress and confirmations. No inline script anywhere (the CSP forbids it).
"use strict";

function csrfOf(form) {
  const field = form.querySelector('input[name="csrf"]');
  return field ? field.value : "";
}

// --- evidence review: decisions without a page load, focus moves on, keys, bulk, undo -------------
// Without this script every form still posts and the page comes back at the card (progressive enhancement).
const TYPING = new Set(["text", "email", "password", "search", "date", "number", "url", "tel"]);

function isTyping(target) {
  const tag = (target.tagName || "").toLowerCase();
  if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
  return tag === "input" && TYPING.has((target.type || "text").toLowerCase());
}

function setupReview() {
  const bar = document.querySelector("section.review-bar");
  if (!bar) return;
  const cards = Array.from(document.querySelectorAll("article.evidence"));
  const message = bar.querySelector(".review-message");
  const undoForm = bar.querySelector("form[data-undo]");
  const bulkForm = bar.querySelector("form[data-bulk]");
  let at = Math.max(0, cards.findIndex((c) => "#" + c.id === location.hash));
  const say = (text) => { message.textContent = text; message.hidden = !text; };
  const mark = (i) => { cards.forEach((d) => d.classList.remove("current")); if (cards[i]) cards[i].classList.add("current"); };
  const focus = (i) => {
    if (!cards.length) return;
    at = Math.max(0, Math.min(cards.length - 1, i));
    mark(at);
    cards[at].focus({ preventScroll: true });
    cards[at].scrollIntoView({ block: "nearest" });
  };
  const open = (card) => card.classList.contains("st-suggested");
  // The next quote still to decide after card i (wrapping round the page); i itself when none is left.
  const nextOpen = (i) => {
    for (let k = 1; k <= cards.length; k += 1) {
      const j = (i + k) % cards.length;
      if (open(cards[j])) return j;
    }
    return i;
  };
  const apply = (body) => {
    for (const c of body.changed || []) {
      const card = document.getElementById(`ev-${c.id}`);
      if (!card) continue;
      card.className = card.className.replace(/\bst-\S+/g, "").replace(/\brole-\S+/g, "").trim();
      card.classList.add(`st-${c.status}`, `role-${c.role.replace(/ /g, "-")}`);
      card.querySelector(".status-tag").textContent = c.status;
      card.querySelector(".role").textContent = c.role;
      card.querySelector(".label").textContent = c.label;
      card.querySelector(".why-text").textContent = c.why;
      card.querySelector(".reviewer").textContent = c.reviewer ? ` Reviewed by ${c.reviewer}.` : "";
      const box = card.querySelector('input[name="ids"]');
      if (box) box.checked = false;
    }
    if (body.progress) {
      bar.querySelector("#review-progress .done").textContent = body.progress.done;
      bar.querySelector("#review-progress .total").textContent = body.progress.total;
      const meter = bar.querySelector("progress.review-progress");
      meter.max = Math.max(1, body.progress.total); meter.value = body.progress.done;
    }
    const undo = undoForm && undoForm.querySelector("button");
    if (undo) undo.disabled = !body.can_undo;
  };
  const send = (form, submitter) => {
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    say("");
    return fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrfOf(form) },
    })
      .then((r) => r.json().catch(() => ({ message: r.statusText })).then((body) => ({ ok: r.ok, status: r.status, body })))
      .then(({ ok, status, body }) => {
        if (!ok) {
          say(`${body.message || "The decision was not saved."} ${body.hint || ""}`.trim());
          if (status === 401) location.reload(); // signed out: the page itself leads to sign-in
          return null;
        }
        apply(body);
        return body;
      })
      .catch(() => { say("The desk could not be reached; nothing was saved. Try again."); return null; });
  };
  cards.forEach((c, i) => c.addEventListener("focus", () => { at = i; mark(i); }));
  cards.forEach((card, i) => {
    card.querySelectorAll("form[data-action]").forEach((form) => form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      send(form, ev.submitter).then((body) => {
        if (!body) return;
        const details = card.querySelector("details.relabel");
        if (details) details.open = false;
        focus(form.dataset.action === "relabel" ? i : nextOpen(i));
      });
    }));
  });
  if (bulkForm) {
    bulkForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      send(bulkForm, ev.submitter).then((body) => { if (body) focus(nextOpen(at)); });
    });
    const all = bulkForm.querySelector("input[data-select-all]");
    if (all) all.addEventListener("change", () => cards.forEach((c) => { const b = c.querySelector('input[name="ids"]'); if (b) b.checked = all.checked; }));
  }
  if (undoForm) {
    undoForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      send(undoForm, ev.submitter).then((body) => {
        if (!body || !body.changed.length) return;
        const i = cards.findIndex((c) => c.id === `ev-${body.changed[0].id}`);
        if (i >= 0) focus(i);
        say(`Undone: ${body.changed.length === 1 ? "the quote is" : `${body.changed.length} quotes are`} back as ${body.changed[0].status}.`);
      });
    });
  }
  focus(at);
  document.addEventListener("keydown", (ev) => {
    if (isTyping(ev.target) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const card = cards[at];
    const follow = (rel) => { const link = document.querySelector(`nav.pager a[rel="${rel}"]`); if (link) location.assign(link.href); };
    if (ev.key === "j") { focus(at + 1); ev.preventDefault(); }
    else if (ev.key === "k") { focus(at - 1); ev.preventDefault(); }
    else if (ev.key === "n") { follow("next"); ev.preventDefault(); }
    else if (ev.key === "p") { follow("prev"); ev.preventDefault(); }
    else if (ev.key === "u" && undoForm) { ev.preventDefault(); undoForm.requestSubmit(); }
    else if (!card) return;
    else if (ev.key === "a" || ev.key === "r") {
      const form = card.querySelector(`form[data-action="${ev.key === "a" ? "accept" : "reject"}"]`);
      if (form) { ev.preventDefault(); form.requestSubmit(); }
    } else if (ev.key === "x") {
      const box = card.querySelector('input[name="ids"]');
      if (box) { ev.preventDefault(); box.checked = !box.checked; }
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
    f.addEventListener("submit", (e) => {
      if (e.submitter && e.submitter.hasAttribute("formaction")) return; // a side button (save), not the action
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    }));
}

document.addEventListener("DOMContentLoaded", () => { setupReview(); setupUpload(); setupJob(); setupConfirm(); });
