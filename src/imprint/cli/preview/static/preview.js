"use strict";
const root = document.body;
const key = root.dataset.post || null;
const client = root.dataset.client;
let source = null;
let shown = {html: 0, print: 0};

function openViews() {
  return Array.from(document.querySelectorAll("input[name=view]:checked"), (b) => b.value);
}

function showHtml(version) {
  const frame = document.getElementById("web");
  if (!version || version === shown.html) return;
  let y = 0;
  try { y = frame.contentWindow.scrollY; } catch (e) { y = 0; }
  frame.onload = () => { try { frame.contentWindow.scrollTo(0, y); } catch (e) {} };
  frame.src = "/post/" + key + "/html?v=" + version;
  shown.html = version;
}

function showPages(version, count) {
  const holder = document.getElementById("pages");
  if (!version || version === shown.print) return;
  const images = [];
  for (let n = 1; n <= count; n++) {
    const img = document.createElement("img");
    img.src = "/post/" + key + "/page/" + n + ".png?v=" + version;
    img.alt = "page " + n;
    img.className = "page";
    images.push(img);
  }
  holder.replaceChildren(...images);
  holder.dataset.version = version;
  shown.print = version;
}

function showState(state) {
  const overlay = document.getElementById("overlay");
  overlay.hidden = !state.error;
  overlay.querySelector("pre").textContent = state.error || "";
  const panel = document.getElementById("warnings");
  const list = panel.querySelector("ul");
  list.replaceChildren(...state.warnings.map((w) => {
    const item = document.createElement("li");
    item.textContent = w;
    return item;
  }));
  panel.hidden = state.warnings.length === 0;
  showHtml(state.html);
  showPages(state.print, state.pages);
}

function connect() {
  if (source) source.close();
  const views = key ? openViews() : [];
  for (const view of ["html", "print"]) {
    const pane = document.getElementById("view-" + view);
    if (pane) pane.hidden = !views.includes(view);
  }
  const query = new URLSearchParams({client: client, views: views.join(",")});
  if (key) query.set("post", key);
  source = new EventSource("/events?" + query);
  source.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "list") window.location.reload();
    else if (message.type === "state") showState(message);
  };
}

document.querySelectorAll("input[name=view]")
  .forEach((box) => box.addEventListener("change", connect));
connect();
