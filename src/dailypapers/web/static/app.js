// dailypapers: a little script that makes votes, the buttons on cards and the subscribe box skip
// the page reload. Every form also works without it.
"use strict";

// How each kind of in-place form shows the server's answer.
const show = {
  vote(form, result) {
    // The same paper may be on the page more than once: update every copy.
    document.querySelectorAll("form[data-vote]").forEach((each) => {
      if (each.action !== form.action) return;
      const b = each.querySelector("button");
      each.querySelector("[data-count]").textContent = result.upvotes;
      each.querySelector("input[name=on]").value = result.voted ? "0" : "1";
      b.setAttribute("aria-pressed", result.voted ? "true" : "false");
      b.setAttribute("aria-label", b.getAttribute("aria-label").replace(/^(Upvote|Remove your upvote)/, result.voted ? "Remove your upvote" : "Upvote"));
    });
  },
  // Save, "more like this" and "less like this".
  toggle(form, result) {
    const group = form.dataset.group;
    const forms = group ? document.querySelectorAll(`form[data-group="${group}"]`) : [form];
    forms.forEach((each) => {
      // In a group (more / less like this), pressing one releases the other.
      const pressed = each === form ? result.pressed : false;
      const b = each.querySelector("button");
      b.setAttribute("aria-pressed", pressed ? "true" : "false");
      b.textContent = pressed ? b.dataset.pressedLabel : b.dataset.label;
      each.querySelector(`input[name="${each.dataset.field}"]`).value = pressed ? "0" : each.dataset.set;
    });
  },
  // The subscribe box says what the server answered, a refusal included, beside the form.
  subscribe(form, result, ok) {
    const status = form.parentElement.querySelector(".subscribe-status");
    status.textContent = result.detail;
    status.classList.toggle("error", !ok);
    status.hidden = false;
    if (ok) form.reset();
  },
};

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const kind = ["vote", "toggle", "subscribe"].find((name) => form.hasAttribute(`data-${name}`));
  const button = form.querySelector("button");
  if (!kind || !button || button.hasAttribute("data-signin")) return; // signed out: go and sign in
  event.preventDefault();
  if (button.getAttribute("aria-busy") === "true") return;
  button.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok && kind !== "subscribe") {
      form.submit(); // let the server's page say what went wrong
      return;
    }
    show[kind](form, await response.json(), response.ok);
  } catch (error) {
    form.submit();
  } finally {
    button.removeAttribute("aria-busy");
  }
});

// j / k move between papers, as on many reading sites; Enter opens the focused one.
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.metaKey || event.ctrlKey || event.altKey) return;
  if (event.key !== "j" && event.key !== "k") return;
  const links = [...document.querySelectorAll(".card .title a")];
  if (!links.length) return;
  const at = links.indexOf(document.activeElement);
  const next = event.key === "j" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
  links[next].focus();
  links[next].scrollIntoView({ block: "nearest" });
  event.preventDefault();
});

// An anchor (a comment just posted, #comment-12) lands below the sticky header, however tall
// the header wraps on a narrow screen: the stylesheet's padding is a guess, this measures it.
const siteHeader = document.querySelector("header.site");
if (siteHeader) {
  const clear = () => {
    document.documentElement.style.scrollPaddingTop = `${siteHeader.offsetHeight + 8}px`;
  };
  clear();
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target) target.scrollIntoView();
  // The header's height settles as its icons and fonts come in: follow it, and keep an anchor
  // below it until the reader scrolls on their own.
  let moved = false;
  for (const kind of ["wheel", "touchstart", "keydown", "mousedown"]) {
    addEventListener(kind, () => { moved = true; }, { once: true, passive: true });
  }
  new ResizeObserver(() => {
    clear();
    if (target && !moved) target.scrollIntoView();
  }).observe(siteHeader);
}
