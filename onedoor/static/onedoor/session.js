// No lost work at a timeout (hazard H37). Progressive enhancement: without this file the
// session times out as before, with no warning and no drafts.
//
// - Before the idle (or absolute) timeout, a modal dialog warns, with "Stay signed in" (or,
//   at the absolute limit, which nothing extends, "Continue") and "Sign out". Escape is
//   "Stay signed in": pressing a key shows the person is there.
// - Every POST form on a staff page with a <textarea> is a draft unless marked
//   `data-no-draft`: its fields (never the CSRF token, hidden fields, passwords or files) go
//   to the server a few seconds after each change and at the warning, kept encrypted for
//   their author. After signing in again, the page puts them back into the untouched fields
//   and says so, with "Discard the draft".
// - The times come from the server as seconds left (the browser's clock may differ from the
//   server's), counted here on Date.now() so that a sleeping laptop still sees time pass.
// - These requests carry X-OneDoor-Background, so they never move the idle clock: a page
//   left open is signed out on time.

const SAVE_AFTER_MS = 3000; // a draft is saved this long after the last change
const FINAL_SAVE_MS = 2000; // and once more this long before the session ends

const meta = document.querySelector('meta[name="onedoor-session"]');

function cookie(name) {
  const found = document.cookie.split("; ").find((entry) => entry.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

// The CSRF cookie is fresher than the page's token after signing in again in another tab.
function csrfToken() {
  return cookie("csrftoken") || meta.dataset.csrf;
}

// A request the person did not make: it never moves the idle clock, and a session already
// over answers with a redirect to sign in, seen here as `signedOut`.
async function background(url, { method = "GET", body } = {}) {
  const headers = { "X-OneDoor-Background": "1", Accept: "application/json" };
  if (method !== "GET") {
    headers["X-CSRFToken"] = csrfToken();
    headers["Content-Type"] = "application/json";
  }
  try {
    const response = await fetch(url, {
      method,
      headers,
      body,
      credentials: "same-origin",
      redirect: "manual",
    });
    if (response.type === "opaqueredirect") return { signedOut: true };
    if (!response.ok) return { failed: response.status };
    const data = response.status === 204 ? {} : await response.json();
    return { ok: true, data };
  } catch {
    return { failed: 0 }; // the network or the server is away: try again later
  }
}

function inWords(seconds) {
  if (seconds > 90) return `${Math.ceil(seconds / 60)} minutes`;
  if (seconds > 59) return "1 minute";
  const whole = Math.max(0, Math.ceil(seconds));
  return `${whole} second${whole === 1 ? "" : "s"}`;
}

function clockTime(ms) {
  return new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
}

// ---- Drafts ----------------------------------------------------------------------------

const SKIPPED_TYPES = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);

// The form's address as the browser will send it (an input named "action" cannot hide it).
function actionOf(form) {
  return new URL(form.getAttribute("action") || window.location.href, window.location.href);
}

function posts(form) {
  return (form.getAttribute("method") || "get").toLowerCase() === "post";
}

function draftable(form) {
  return (
    posts(form) &&
    !form.hasAttribute("data-no-draft") &&
    form.querySelector("textarea") !== null &&
    !actionOf(form).pathname.startsWith("/accounts/")
  );
}

function fieldsOf(form) {
  const fields = [];
  for (const element of form.elements) {
    if (!element.name || element.disabled || element.name === "csrfmiddlewaretoken") continue;
    if (element.tagName === "BUTTON" || element.tagName === "FIELDSET") continue;
    if (element.tagName === "INPUT" && SKIPPED_TYPES.has(element.type)) continue;
    if (element.type === "checkbox" || element.type === "radio") {
      if (element.checked) fields.push([element.name, element.value]);
    } else if (element.tagName === "SELECT") {
      for (const option of element.selectedOptions) fields.push([element.name, option.value]);
    } else {
      fields.push([element.name, element.value]);
    }
  }
  return fields;
}

class Draft {
  constructor(form, action, slot) {
    this.form = form;
    this.action = action;
    this.slot = slot;
    this.saved = JSON.stringify(fieldsOf(form)); // what the server has (or the page had)
    this.timer = null;
    this.sending = false;
    form.addEventListener("input", () => this.changed());
    form.addEventListener("change", () => this.changed());
    form.addEventListener("submit", () => {
      // Sent: the server deletes the draft once the form is accepted; save no more.
      window.clearTimeout(this.timer);
      this.submitted = true;
    });
  }

  get unsaved() {
    return !this.submitted && JSON.stringify(fieldsOf(this.form)) !== this.saved;
  }

  changed() {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.save(), SAVE_AFTER_MS);
  }

  async save() {
    window.clearTimeout(this.timer);
    if (!this.unsaved || this.sending) return { ok: true };
    const fields = fieldsOf(this.form);
    this.sending = true;
    const result = await background(meta.dataset.saveDraftUrl, {
      method: "POST",
      body: JSON.stringify({
        author: meta.dataset.user,
        action: this.action,
        slot: this.slot,
        fields,
      }),
    });
    this.sending = false;
    if (result.ok) this.saved = JSON.stringify(fields);
    if (result.signedOut && this.onSignedOut) this.onSignedOut();
    return result;
  }

  // Put the draft back into the fields nobody has changed since the page loaded. The names
  // of the fields restored, or none.
  restore(fields) {
    const values = new Map();
    for (const [name, value] of fields) {
      if (!values.has(name)) values.set(name, []);
      values.get(name).push(value);
    }
    const restored = new Set();
    for (const [name, wanted] of values) {
      const elements = [...this.form.elements].filter((element) => element.name === name);
      const choices = elements.filter((e) => e.type === "checkbox" || e.type === "radio");
      if (choices.length) {
        if (choices.some((e) => e.checked !== e.defaultChecked)) continue;
        for (const choice of choices) {
          if (choice.checked !== wanted.includes(choice.value)) choice.click();
        }
        restored.add(name);
        continue;
      }
      elements.forEach((element, index) => {
        if (index >= wanted.length || element.disabled) return;
        if (element.tagName === "SELECT") {
          const untouched = [...element.options].every((o) => o.selected === o.defaultSelected);
          if (!untouched) return;
          for (const option of element.options) option.selected = wanted.includes(option.value);
        } else if (element.tagName === "TEXTAREA" || !SKIPPED_TYPES.has(element.type)) {
          if (element.value !== element.defaultValue) return;
          element.value = wanted[index];
        } else {
          return;
        }
        element.dispatchEvent(new Event("change", { bubbles: true }));
        restored.add(name);
      });
    }
    window.clearTimeout(this.timer); // restoring is not a change to save
    this.saved = JSON.stringify(fieldsOf(this.form));
    return restored;
  }

  // Back to the page as it came, after "Discard the draft".
  reset(names) {
    for (const element of this.form.elements) {
      if (!names.has(element.name)) continue;
      if (element.type === "checkbox" || element.type === "radio") {
        if (element.checked !== element.defaultChecked) element.click();
      } else if (element.tagName === "SELECT") {
        for (const option of element.options) option.selected = option.defaultSelected;
      } else {
        element.value = element.defaultValue;
      }
    }
    window.clearTimeout(this.timer);
    this.saved = JSON.stringify(fieldsOf(this.form));
  }
}

function findDrafts() {
  if (!meta.dataset.saveDraftUrl) return []; // staff only
  const slots = new Map();
  return [...document.querySelectorAll("form")].filter(draftable).map((form) => {
    const url = actionOf(form);
    const action = url.pathname + url.search;
    const slot = slots.get(action) || 0;
    slots.set(action, slot + 1);
    return new Draft(form, action, slot);
  });
}

function restoredNotice(draft, item, names) {
  const notice = document.createElement("div");
  notice.className = "nhsuk-inset-text onedoor-draft-notice";
  const text = document.createElement("p");
  text.setAttribute("role", "status");
  text.tabIndex = -1;
  const discard = document.createElement("button");
  discard.type = "button";
  discard.className = "nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0";
  discard.textContent = "Discard the draft";
  discard.addEventListener("click", async () => {
    const result = await background(item.discard_url, { method: "POST" });
    if (!result.ok) {
      text.textContent = "We could not discard the draft. Try again.";
      return;
    }
    draft.reset(names);
    discard.remove();
    text.textContent = "Draft discarded.";
    text.focus();
  });
  notice.append(text, discard);
  draft.form.before(notice);
  // Filled once it is on the page, so that screen readers announce it.
  window.setTimeout(() => {
    text.textContent = `We restored what you were writing at ${item.saved_at}. Check it before you save.`;
  }, 100);
}

async function restoreDrafts(drafts) {
  if (!drafts.length || meta.dataset.restore !== "yes") return;
  const query = new URLSearchParams();
  for (const action of new Set(drafts.map((draft) => draft.action))) query.append("action", action);
  const result = await background(`${meta.dataset.draftsUrl}?${query}`);
  if (!result.ok) return;
  for (const item of result.data.drafts) {
    const draft = drafts.find((d) => d.action === item.action && d.slot === item.slot);
    if (!draft) continue;
    const names = draft.restore(item.fields);
    if (names.size) restoredNotice(draft, item, names);
  }
}

async function saveAll(drafts) {
  const results = await Promise.all(drafts.map((draft) => draft.save()));
  return results.find((result) => !result.ok) || { ok: true };
}

// ---- The warning -----------------------------------------------------------------------

function button(text, secondary) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = `nhsuk-button${secondary ? " nhsuk-button--secondary" : ""}`;
  element.textContent = text;
  return element;
}

class Warning {
  constructor(drafts) {
    this.drafts = drafts;
    // A draft that could not be kept because the session is over says so at once.
    for (const draft of drafts) draft.onSignedOut = () => this.signedOut();
    this.warnMs = Number(meta.dataset.warnSeconds) * 1000;
    this.timers = [];
    this.schedule({
      idle_seconds_left: Number(meta.dataset.idleSeconds),
      absolute_seconds_left: Number(meta.dataset.absoluteSeconds),
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && Date.now() >= this.deadline - this.warnMs) {
        this.check();
      }
    });
    // A form sent after the session ended would be lost at the sign-in page: keep it instead.
    document.addEventListener("submit", (event) => this.guard(event), true);
  }

  // The time left, as the server just said (its answer to an earlier question is dropped).
  learn(state) {
    const idle = Number(state.idle_seconds_left);
    const absolute = Number(state.absolute_seconds_left);
    this.ends = absolute <= idle ? "absolute" : "idle";
    this.deadline = Date.now() + Math.min(idle, absolute) * 1000;
    this.clear();
    this.asked = (this.asked || 0) + 1;
  }

  schedule(state) {
    this.learn(state);
    this.later(() => this.check(), this.deadline - this.warnMs - Date.now());
  }

  later(callback, ms) {
    this.timers.push(window.setTimeout(callback, Math.max(0, ms)));
  }

  clear() {
    this.timers.forEach((timer) => window.clearTimeout(timer));
    this.timers = [];
  }

  // Ask the server how long is left (another tab, or htmx, may have moved the idle clock)
  // before warning.
  async check() {
    const asked = this.asked;
    const result = await background(meta.dataset.statusUrl);
    if (asked !== this.asked) return; // "Stay signed in" (or another check) answered since
    if (result.signedOut) return this.signedOut();
    if (!result.ok) return this.later(() => this.check(), 5000);
    const left = Math.min(result.data.idle_seconds_left, result.data.absolute_seconds_left);
    if (left <= 0) return this.later(() => this.check(), 2000); // ending this very second
    if (left * 1000 > this.warnMs + 1000) return this.schedule(result.data);
    this.learn(result.data);
    this.open();
  }

  guard(event) {
    if (this.passing || Date.now() < this.deadline) return;
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !posts(form)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    background(meta.dataset.statusUrl).then((result) => {
      const left = result.ok
        ? Math.min(result.data.idle_seconds_left, result.data.absolute_seconds_left)
        : null;
      if (result.signedOut || left === 0) {
        this.signedOut();
        return;
      }
      if (result.ok) this.schedule(result.data); // still signed in (another tab kept it)
      this.passing = true; // send it: if OneDoor did not answer, the server decides
      form.requestSubmit(event.submitter);
      this.passing = false;
    });
  }

  build() {
    if (this.dialog) return;
    const dialog = document.createElement("dialog");
    dialog.className = "onedoor-dialog";
    dialog.setAttribute("aria-labelledby", "onedoor-timeout-heading");
    dialog.setAttribute("aria-describedby", "onedoor-timeout-text");
    const heading = document.createElement("h2");
    heading.id = "onedoor-timeout-heading";
    const text = document.createElement("p");
    text.id = "onedoor-timeout-text";
    const more = document.createElement("p");
    const problem = document.createElement("p");
    problem.className = "nhsuk-error-message";
    problem.setAttribute("role", "alert");
    const actions = document.createElement("div");
    actions.className = "onedoor-dialog__actions";
    dialog.append(heading, text, more, problem, actions);
    dialog.addEventListener("cancel", (event) => {
      // Escape: the person is here, so it is "Stay signed in" (or "Continue").
      event.preventDefault();
      if (this.onEscape) this.onEscape();
    });
    document.body.append(dialog);
    Object.assign(this, { dialog, heading, text, more, problem, actions });
  }

  show({ heading, more, buttons, onEscape }) {
    this.build();
    this.heading.textContent = heading;
    this.more.textContent = more;
    this.problem.textContent = "";
    this.actions.replaceChildren(...buttons);
    this.onEscape = onEscape;
    if (!this.dialog.open) {
      this.returnFocus = document.activeElement;
      this.dialog.showModal();
    }
    buttons[0].focus();
  }

  close() {
    window.clearInterval(this.ticking);
    if (this.dialog && this.dialog.open) {
      this.dialog.close();
      if (this.returnFocus && this.returnFocus.isConnected) this.returnFocus.focus();
    }
  }

  open() {
    const absolute = this.ends === "absolute";
    const keptNote = this.drafts.length ? " What you are writing on this page is kept as a draft." : "";
    const stay = button(absolute ? "Continue" : "Stay signed in");
    const out = button("Sign out", true);
    stay.addEventListener("click", () => (absolute ? this.close() : this.stay()));
    out.addEventListener("click", () => this.signOut());
    this.show({
      heading: "You will be signed out soon",
      more: absolute
        ? `You have been signed in for the longest time a session may last, so staying signed in cannot change this. Sign in again afterwards to carry on.${keptNote}`
        : `For your security, we sign you out when there has been no activity for a while.${keptNote}`,
      buttons: [stay, out],
      onEscape: () => (absolute ? this.close() : this.stay()),
    });
    this.countdown();
    window.clearInterval(this.ticking);
    this.ticking = window.setInterval(() => this.countdown(), 1000);
    saveAll(this.drafts);
    this.later(() => saveAll(this.drafts), this.deadline - FINAL_SAVE_MS - Date.now());
    this.later(() => this.end(), this.deadline + 1000 - Date.now());
  }

  countdown() {
    const left = (this.deadline - Date.now()) / 1000;
    this.text.textContent = `We will sign you out in ${inWords(left)} (at ${clockTime(this.deadline)}).`;
  }

  async stay() {
    this.asked = (this.asked || 0) + 1; // an answer to a question asked before is stale now
    const result = await background(meta.dataset.stayUrl, { method: "POST" });
    if (result.signedOut) return this.signedOut();
    if (!result.ok) {
      this.problem.textContent = "We could not reach OneDoor. Try again.";
      return;
    }
    this.close();
    this.schedule(result.data);
  }

  async end() {
    const asked = this.asked;
    const result = await background(meta.dataset.statusUrl);
    if (asked !== this.asked) return;
    if (result.signedOut) return this.signedOut();
    if (!result.ok) return this.later(() => this.end(), 5000); // OneDoor is away: keep the page
    const left = Math.min(result.data.idle_seconds_left, result.data.absolute_seconds_left);
    if (left <= 0) return this.later(() => this.end(), 2000); // ending this very second
    this.close(); // kept alive elsewhere (another tab)
    this.schedule(result.data);
  }

  // The session is over. With nothing unsaved, go back to this page, which sends the person to
  // sign in and then back here, where the draft is restored. With unsaved words (the laptop
  // slept through the warning), keep the page and say how to keep them.
  signedOut() {
    this.clear();
    window.clearInterval(this.ticking);
    if (!this.drafts.some((draft) => draft.unsaved)) {
      window.location.assign(window.location.href);
      return;
    }
    const signIn = document.createElement("a");
    signIn.href = meta.dataset.signInUrl;
    signIn.target = "_blank";
    signIn.rel = "noopener";
    signIn.className = "nhsuk-link";
    signIn.textContent = "Sign in again (opens in a new tab)";
    const keep = button("Keep what I wrote");
    const leave = button("Leave without keeping it", true);
    keep.addEventListener("click", async () => {
      const result = await saveAll(this.drafts);
      if (result.ok) {
        window.location.assign(window.location.href);
      } else if (result.failed === 409) {
        this.problem.textContent =
          "You signed in as someone else. Sign in as the person who wrote this, then try again.";
      } else {
        this.problem.textContent = "We could not keep it yet. Sign in again in a new tab first.";
      }
    });
    leave.addEventListener("click", () => window.location.assign(window.location.href));
    this.show({
      heading: "You have been signed out",
      more: "",
      buttons: [keep, leave],
      onEscape: null,
    });
    this.text.textContent =
      "What you were writing on this page has not been saved yet. To keep it, sign in again in a new tab, then come back to this tab and choose \u201cKeep what I wrote\u201d.";
    this.more.replaceChildren(signIn);
  }

  async signOut() {
    await saveAll(this.drafts);
    const form = document.createElement("form");
    form.method = "post";
    form.action = meta.dataset.signOutUrl;
    form.hidden = true;
    const token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken();
    form.append(token);
    document.body.append(form);
    this.passing = true;
    form.submit();
  }
}

export function initSession() {
  if (!meta || typeof HTMLDialogElement !== "function") return;
  const drafts = findDrafts();
  new Warning(drafts);
  restoreDrafts(drafts);
}
