// Rebound's bounced-email report page: people sign in with their e-mail address and password
// (Amazon Cognito, USER_PASSWORD_AUTH against the endpoint GET /v1/auth-config names; a machine
// key still works), list and filter bounced addresses, open an address's history, statistics,
// CSV export, "mark as good", mass deletes with approval and undo (admins), settings, and the
// staff views (every tenant, quarantine, unparsed mail, raw messages, machine keys).
//
// Bounce text is hostile input. Everything that comes from the API reaches the page as text
// (createElement + textContent, setAttribute with values we control or have checked); nothing
// here ever assigns HTML. The page's Content-Security-Policy forbids inline script besides.
//
// Credentials live in sessionStorage only (never in the URL); the view, tenant, filters and
// sort live in the URL hash so a link opens the same report. A session that expires mid-task
// asks for the password in a dialog over the page, so nothing typed is lost.

const KEY_STORAGE = "rebound.apiKey";
const PERSON_STORAGE = "rebound.person";
const VIEWS = ["list", "stats", "jobs", "settings", "staff"];
const FILTER_NAMES = [
  "q", "domain", "category", "reason", "hard", "source", "state",
  "first_from", "first_to", "last_from", "last_to", "min_count",
];
const SORT_NAMES = ["sort", "order", "rising_days", "limit"];
const LINK_NAMES = new Set(["view", "tenant", ...FILTER_NAMES, ...SORT_NAMES]);
const DEFAULTS = { sort: "count", order: "desc", rising_days: "7", limit: "50" };
const HISTORY_PAGE = 25;

const CATEGORIES = [
  ["hard", "Hard"], ["soft", "Soft"], ["block", "Blocked"],
  ["spam-content", "Spam / content"], ["mailbox-full", "Mailbox full"],
];
const STATES = [["active", "Active"], ["suppressed", "Suppressed"], ["reactivated", "Reactivated"]];
const SOURCES = [["broadcast", "Broadcast"], ["event", "Event invitation"], ["survey", "Survey"]];
const REASONS = [
  ["userunknown", "User unknown"], ["hostunknown", "Domain unknown"], ["hasmoved", "Has moved"],
  ["mailboxfull", "Mailbox full"], ["exceedlimit", "Message too large for mailbox"],
  ["suspend", "Mailbox suspended"], ["blocked", "Blocked"], ["spamdetected", "Spam detected"],
  ["virusdetected", "Virus detected"], ["contenterror", "Content error"],
  ["policyviolation", "Policy violation"], ["securityerror", "Security error"],
  ["authfailure", "Authentication failure (SPF/DKIM/DMARC)"], ["rejected", "Sender rejected"],
  ["filtered", "Filtered"], ["norelaying", "Relaying denied"], ["notaccept", "Does not accept mail"],
  ["requireptr", "Reverse DNS required"], ["badreputation", "Bad sender reputation"],
  ["toomanyconn", "Too many connections"], ["ratelimited", "Rate limited"],
  ["expired", "Delivery expired"], ["networkerror", "Network error"],
  ["systemerror", "Remote system error"], ["systemfull", "Remote system full"],
  ["mailererror", "Mailer error"], ["syntaxerror", "Syntax error"],
  ["notcompliantrfc", "Not RFC compliant"], ["onhold", "On hold"],
  ["mesgtoobig", "Message too big"], ["speeding", "Sending too fast"],
  ["failedstarttls", "TLS failed"], ["suppressed", "Suppressed by the provider"],
  ["undefined", "Unknown reason"],
  ["vacation", "Auto-reply (not a bounce)"], ["feedback", "Spam complaint (not a bounce)"],
  ["delivered", "Delivered (not a bounce)"], ["expanded", "Forwarded (not a bounce)"],
];
const LABEL = {
  category: Object.fromEntries(CATEGORIES),
  state: Object.fromEntries(STATES),
  source: Object.fromEntries(SOURCES),
  reason: Object.fromEntries(REASONS),
  sort: {
    count: "bounce count", last_bounce: "last bounce", first_bounce: "first bounce",
    address: "address", rising: "rising",
  },
};
const SERIES = [
  ["hard", "Hard"], ["soft", "Soft"], ["block", "Blocked"],
  ["spam_content", "Spam / content"], ["mailbox_full", "Mailbox full"],
];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const fmtNumber = new Intl.NumberFormat("en");

const $ = (id) => document.getElementById(id);
const ui = {};
const session = { key: null, me: null, person: null, auth: null };
// The current view as the URL says it; paging cursors are kept beside it, not in the link.
let link = new URLSearchParams();
const list = { cursors: [null], page: 0, next: null, seq: 0, items: [] };
const history_ = { address: null, cursors: [null], page: 0, next: null, seq: 0, opener: null };

// ---------------------------------------------------------------------------- DOM helpers

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  add(el, children);
  return el;
}

function s(tag, props = {}, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setProps(el, props);
  add(el, children);
  return el;
}

function setProps(el, props) {
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") el.textContent = String(value);
    else if (name === "class") el.setAttribute("class", value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
}

function add(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function clear(el) {
  el.replaceChildren();
  return el;
}

function known(table, value) {
  return Object.hasOwn(table, value) ? value : "other";
}

function labelOf(kind, value) {
  if (value === null || value === undefined || value === "") return "—";
  return Object.hasOwn(LABEL[kind], value) ? LABEL[kind][value] : String(value);
}

function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function fmtDay(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().slice(0, 10);
}

function plural(n, one, many = `${one}s`) {
  return `${fmtNumber.format(n)} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function apiUrl(path, params) {
  const url = new URL(path, document.baseURI);
  url.hash = "";
  url.search = params ? params.toString() : "";
  return url;
}

async function apiFetch(path, { params = null, method = "GET", accept = "application/json", key = null, body = undefined, retried = false } = {}) {
  let token = key;
  if (!token && session.person) token = await personToken();
  if (!token) token = session.key;
  let response;
  const headers = { Authorization: `Bearer ${token}`, Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    response = await fetch(apiUrl(path, params), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "NetworkError", "Could not reach the Rebound API. Check your connection and try again.");
  }
  if (!response.ok) {
    let data = null;
    try { data = await response.json(); } catch { /* not JSON: use the status text */ }
    const message = (data && (data.Message || data.message)) || response.statusText || "Request failed";
    const error = new ApiError(response.status, data && data.Code, String(message));
    if (response.status === 401 && !key && session.person && !retried) {
      // The session ended mid-task: ask for the password over the page, then send it again.
      if (await reauthenticate(error.message)) {
        return apiFetch(path, { params, method, accept, body, retried: true });
      }
      throw error;
    }
    if (response.status === 401 && !key && session.key) {
      signOut(`Your API key was not accepted: ${error.message}`);
    }
    throw error;
  }
  return response;
}

// ---------------------------------------------------------------------------- people (Cognito)

async function authConfig() {
  if (!session.auth) {
    try {
      const response = await fetch(apiUrl("v1/auth-config"), { cache: "no-store", credentials: "omit" });
      session.auth = response.ok ? await response.json() : { enabled: false };
    } catch {
      session.auth = { enabled: false };
    }
  }
  return session.auth;
}

// One call to Cognito's JSON API, as the AWS SDKs make it (no SDK needed).
async function cognito(target, payload) {
  const auth = await authConfig();
  if (!auth.enabled) throw new ApiError(0, "NotConfigured", "Signing in with a password is not set up here; use an API key.");
  let response;
  try {
    response = await fetch(auth.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}` },
      body: JSON.stringify(payload),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, "NetworkError", "Could not reach the sign-in service. Check your connection and try again.");
  }
  let data = {};
  try { data = await response.json(); } catch { /* empty */ }
  if (!response.ok) {
    const type = String(data.__type || "").split("#").pop();
    const text = type === "NotAuthorizedException" || type === "UserNotFoundException"
      ? (/disabled/i.test(data.message || "") ? "This account is disabled. Ask customer service." : "Wrong e-mail address or password.")
      : type === "PasswordResetRequiredException" ? "Your password must be reset. Ask customer service."
        : "Signing in did not work. Try again in a moment.";
    throw new ApiError(401, type, text);
  }
  return data;
}

function keepTokens(username, result, refresh) {
  const person = {
    username,
    access: result.AccessToken,
    refresh: result.RefreshToken || refresh,
    expiresAt: Date.now() + (Number(result.ExpiresIn) || 3600) * 1000,
  };
  session.person = person;
  sessionStorage.setItem(PERSON_STORAGE, JSON.stringify(person));
}

async function passwordSignIn(username, password) {
  const auth = await authConfig();
  const data = await cognito("InitiateAuth", {
    ClientId: auth.client_id, AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (!data.AuthenticationResult) throw new ApiError(401, data.ChallengeName, "This account needs a new password first. Ask customer service.");
  keepTokens(username, data.AuthenticationResult);
}

// The access token, refreshed a minute before it expires (the refresh token lasts hours).
async function personToken() {
  const person = session.person;
  if (!person) return null;
  if (person.expiresAt - Date.now() > 60_000) return person.access;
  if (person.refresh) {
    try {
      const auth = await authConfig();
      const data = await cognito("InitiateAuth", {
        ClientId: auth.client_id, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: person.refresh },
      });
      if (data.AuthenticationResult) {
        keepTokens(person.username, data.AuthenticationResult, person.refresh);
        return session.person.access;
      }
    } catch { /* fall through: ask for the password */ }
  }
  return person.access; // the API answers 401 and the page asks for the password
}

let reauthPending = null;

function reauthenticate(reason) {
  if (reauthPending) return reauthPending;
  reauthPending = new Promise((resolve) => {
    const dialog = $("reauth");
    $("reauth-username").value = session.person ? session.person.username : "";
    $("reauth-password").value = "";
    const error = $("reauth-error");
    error.hidden = !reason;
    error.textContent = reason ? `The API said: ${reason}` : "";
    const done = (ok) => {
      dialog.close();
      reauthPending = null;
      resolve(ok);
    };
    $("reauth-form").onsubmit = async (event) => {
      event.preventDefault();
      try {
        await passwordSignIn($("reauth-username").value, $("reauth-password").value);
        done(true);
      } catch (failure) {
        error.textContent = failure.message;
        error.hidden = false;
      }
    };
    $("reauth-cancel").onclick = () => {
      done(false);
      signOut("You are signed out.");
    };
    dialog.showModal();
    $("reauth-password").focus();
  });
  return reauthPending;
}

async function apiJson(path, options) {
  return (await apiFetch(path, options)).json();
}

function tenantPath(suffix = "") {
  return `v1/tenants/${encodeURIComponent(link.get("tenant") || "")}${suffix}`;
}

function showError(box, error) {
  clear(box);
  const title = error.status === 403 ? "Not allowed"
    : error.status === 404 ? "Not found"
      : error.status === 400 ? "The request needs a fix"
        : error.status === 413 ? "Too large to show here"
        : error.status === 0 ? "Offline" : "Something went wrong";
  add(box, [h("strong", { text: title }), h("span", { class: "message", text: error.message })]);
  if (error.code || error.status) {
    add(box, [h("span", { class: "sub", text: [error.code, error.status ? `HTTP ${error.status}` : ""].filter(Boolean).join(" · ") })]);
  }
  box.hidden = false;
}

// ---------------------------------------------------------------------------- the link (URL hash)

function readLink() {
  const params = new URLSearchParams();
  const fromQuery = new URLSearchParams(location.search); // e.g. a link in a summary email
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, ""));
  for (const source of [fromQuery, fromHash]) {
    for (const [name, value] of source) {
      if (LINK_NAMES.has(name) && value.trim()) params.set(name, value.trim());
    }
  }
  return params;
}

function canonical(params) {
  const out = new URLSearchParams();
  for (const name of ["tenant", "view", ...FILTER_NAMES, ...SORT_NAMES]) {
    const value = params.get(name);
    if (!value) continue;
    if (name === "view" && value === "list") continue;
    if (DEFAULTS[name] === value) continue;
    if (name === "rising_days" && (params.get("sort") || DEFAULTS.sort) !== "rising") continue;
    out.set(name, value);
  }
  return out;
}

function linkHash(params) {
  const text = canonical(params).toString();
  return text ? `#${text}` : "#";
}

function go(params) {
  const hash = linkHash(params);
  if (hash === (location.hash || "#")) {
    link = canonical(params);
    render();
  } else {
    // The hashchange event that renders the new report comes later: mark the list as loading
    // now, so nothing (a person or a test) reads the old rows as the new report's.
    if (session.me && (params.get("view") || "list") === "list") ui.table.setAttribute("aria-busy", "true");
    location.hash = hash; // a history entry: Back returns to the previous report
  }
}

function get(name) {
  return link.get(name) || DEFAULTS[name] || "";
}

// ---------------------------------------------------------------------------- sign in / out

function showSignIn(message) {
  ui.app.hidden = true;
  ui.session.hidden = true;
  ui.signIn.hidden = false;
  ui.signInError.hidden = !message;
  ui.signInError.textContent = message || "";
  ui.apiKey.value = "";
  $("signin-password").value = "";
  authConfig().then((auth) => {
    $("person-form").hidden = !auth.enabled;
    $("sign-in-intro").hidden = !auth.enabled;
    $("key-sign-in").open = !auth.enabled;
    (auth.enabled ? $("signin-username") : ui.apiKey).focus();
  });
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(PERSON_STORAGE);
  session.key = null;
  session.me = null;
  session.person = null;
  stopPolling();
  for (const id of ["md-panel", "reauth", "recheck-panel"]) if ($(id).open) $(id).close();
  if (ui.history.open) ui.history.close();
  if (ui.confirm.open) ui.confirm.close();
  clear(ui.rows);
  clear(ui.statsBody);
  showSignIn(message);
}

async function signIn(key) {
  let me;
  try {
    me = await apiJson("v1/me", { key });
  } catch (error) {
    sessionStorage.removeItem(KEY_STORAGE);
    showSignIn(error.status === 401 ? `That key was not accepted: ${error.message}` : error.message);
    return;
  }
  session.key = key;
  session.person = null;
  sessionStorage.setItem(KEY_STORAGE, key);
  enter(me);
}

async function signInPerson(username, password) {
  let me;
  try {
    if (username) await passwordSignIn(username, password);
    me = await apiJson("v1/me");
  } catch (error) {
    session.person = null;
    sessionStorage.removeItem(PERSON_STORAGE);
    showSignIn(error.status === 403 ? `Signed in, but: ${error.message}` : error.message);
    return;
  }
  enter(me);
}

function enter(me) {
  session.me = me;
  ui.who.textContent = me.name || "";
  ui.signIn.hidden = true;
  ui.session.hidden = false;
  ui.app.hidden = false;
  ui.role.textContent = me.role || "";
  const tenants = Array.isArray(me.tenants) ? me.tenants.map(String) : [];
  const staff = me.role === "staff";
  clear(ui.tenantPicker);
  for (const t of tenants) ui.tenantPicker.append(h("option", { value: t, text: t }));
  ui.tenantPicker.hidden = !staff;
  ui.tenantPicker.previousElementSibling.hidden = !staff;
  ui.tenantName.hidden = staff;
  const wanted = link.get("tenant");
  const tenant = tenants.includes(wanted) ? wanted : (tenants[0] || "");
  if (!tenant) {
    ui.tenantName.textContent = "";
    showEmptyTenants();
    return;
  }
  const next = new URLSearchParams(link);
  next.set("tenant", tenant);
  history.replaceState(null, "", location.pathname + linkHash(next));
  link = canonical(next);
  render();
  ui.main.focus();
}

function showEmptyTenants() {
  ui.viewList.hidden = true;
  ui.viewStats.hidden = false;
  clear(ui.statsBody).append(h("div", { class: "empty card" },
    h("strong", { text: "No tenants yet" }), "There is no tenant to report on."));
}

function canReactivate() {
  return session.me && (session.me.role === "admin" || session.me.role === "staff");
}

function isStaff() {
  return Boolean(session.me && session.me.role === "staff");
}

// ---------------------------------------------------------------------------- render

function render() {
  if (!session.me) return;
  let view = VIEWS.includes(link.get("view")) ? link.get("view") : "list";
  if ((view === "jobs" || view === "settings") && !canReactivate()) view = "list";
  if (view === "staff" && !isStaff()) view = "list";
  const tenant = link.get("tenant") || "";
  ui.tenantPicker.value = tenant;
  ui.tenantName.textContent = tenant;
  $("tab-jobs").hidden = !canReactivate();
  $("tab-settings").hidden = !canReactivate();
  $("tab-staff").hidden = !isStaff();
  ui.bulkBar.hidden = !canReactivate();
  ui.table.classList.toggle("no-select", !canReactivate()); // viewers never select rows
  for (const tab of [ui.tabList, ui.tabStats, $("tab-jobs"), $("tab-settings"), $("tab-staff")]) {
    const params = new URLSearchParams(link);
    params.set("view", tab.dataset.view);
    tab.setAttribute("href", linkHash(params));
    if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  ui.flash.hidden = true;
  ui.viewList.hidden = view !== "list";
  ui.viewStats.hidden = view !== "stats";
  $("view-jobs").hidden = view !== "jobs";
  $("view-settings").hidden = view !== "settings";
  $("view-staff").hidden = view !== "staff";
  const titles = { list: "Bounced addresses", stats: "Statistics", jobs: "Mass deletes", settings: "Settings", staff: "Staff" };
  document.title = `${titles[view]} · ${tenant} · Rebound`;
  if (view !== "jobs") stopPolling();
  if (view === "jobs") { loadJobs(); return; }
  if (view === "settings") { loadSettings(); return; }
  if (view === "staff") { loadStaff(); return; }
  if (view === "list") {
    fillForm();
    renderChips();
    const key = listKey();
    if (key !== list.key) {
      list.key = key;
      list.cursors = [null];
      list.page = 0;
      clearSelection();
    }
    loadList();
  } else {
    loadStats();
  }
}

// ---------------------------------------------------------------------------- filters form

function buildForm() {
  const reason = ui.form.elements.reason;
  reason.append(h("option", { value: "", text: "Any reason" }));
  for (const [value, text] of REASONS) reason.append(h("option", { value, text }));
  for (const [box, name, choices] of [
    [$("f-category"), "category", CATEGORIES],
    [$("f-state"), "state", STATES],
    [$("f-source"), "source", SOURCES],
  ]) {
    for (const [value, text] of choices) {
      const id = `f-${name}-${value}`;
      box.append(h("label", { for: id },
        h("input", { type: "checkbox", id, name, value }), text));
    }
  }
}

function fillForm() {
  const f = ui.form.elements;
  for (const name of ["q", "domain", "first_from", "first_to", "last_from", "last_to", "min_count", "hard"]) {
    f[name].value = link.get(name) || "";
  }
  const reasons = (link.get("reason") || "").split(",").filter(Boolean);
  const reason = f.reason;
  for (const option of [...reason.options]) if (option.dataset.extra) option.remove();
  if (reasons.length > 1 || (reasons.length === 1 && !REASONS.some(([v]) => v === reasons[0]))) {
    // A link may carry several reasons; keep them as one choice rather than dropping any.
    reason.append(h("option", { value: reasons.join(","), text: reasons.map((r) => labelOf("reason", r)).join(" or "), "data-extra": "1" }));
  }
  reason.value = reasons.join(",");
  for (const name of ["category", "state", "source"]) {
    const chosen = new Set((link.get(name) || "").split(","));
    for (const box of ui.form.querySelectorAll(`input[name="${name}"]`)) box.checked = chosen.has(box.value);
  }
  for (const name of SORT_NAMES) f[name].value = get(name);
  ui.risingField.hidden = f.sort.value !== "rising";
}

function readForm() {
  const f = ui.form.elements;
  const params = new URLSearchParams();
  params.set("tenant", link.get("tenant") || "");
  for (const name of ["q", "domain", "first_from", "first_to", "last_from", "last_to", "min_count", "hard", "reason", ...SORT_NAMES]) {
    const value = String(f[name].value || "").trim();
    if (value) params.set(name, value);
  }
  for (const name of ["category", "state", "source"]) {
    const values = [...ui.form.querySelectorAll(`input[name="${name}"]:checked`)].map((b) => b.value);
    if (values.length) params.set(name, values.join(","));
  }
  return params;
}

function hasFilters() {
  return FILTER_NAMES.some((name) => link.get(name));
}

function reportQuery({ paging }) {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) if (link.get(name)) params.set(name, link.get(name));
  params.set("sort", get("sort"));
  params.set("order", get("order"));
  if (get("sort") === "rising") params.set("rising_days", get("rising_days"));
  if (paging) params.set("limit", get("limit"));
  return params;
}

function listKey() {
  return `${link.get("tenant")}?${reportQuery({ paging: true })}`;
}

// ---------------------------------------------------------------------------- the list

async function loadList() {
  const seq = ++list.seq;
  const params = reportQuery({ paging: true });
  const cursor = list.cursors[list.page];
  if (cursor) params.set("cursor", cursor);
  ui.listError.hidden = true;
  ui.rows.classList.add("busy");
  ui.table.setAttribute("aria-busy", "true");
  ui.listStatus.textContent = "Loading bounced addresses…";
  ui.prev.disabled = true;
  ui.next.disabled = true;
  let data;
  try {
    data = await apiJson(tenantPath("/bounces"), { params });
  } catch (error) {
    if (seq !== list.seq) return;
    ui.rows.classList.remove("busy");
    ui.table.removeAttribute("aria-busy");
    ui.listStatus.textContent = "";
    clear(ui.rows);
    ui.tableWrap.hidden = true;
    ui.listEmpty.hidden = true;
    showError(ui.listError, error);
    ui.prev.disabled = list.page === 0;
    ui.pager.hidden = list.page === 0;
    return;
  }
  if (seq !== list.seq) return; // a newer request has taken over
  const items = Array.isArray(data.items) ? data.items : [];
  list.items = items;
  list.next = data.next_cursor || null;
  ui.rows.classList.remove("busy");
  ui.table.removeAttribute("aria-busy");
  clear(ui.rows);
  for (const item of items) ui.rows.append(bounceRow(item));
  ui.tableWrap.hidden = items.length === 0;
  ui.listEmpty.hidden = items.length !== 0;
  if (items.length === 0) renderEmpty();
  ui.prev.disabled = list.page === 0;
  ui.next.disabled = !list.next;
  ui.pageLabel.textContent = `Page ${list.page + 1}`;
  ui.pager.hidden = list.page === 0 && !list.next;
  showMatchCount(data.total, items.length);
  const order = get("order") === "asc" ? "ascending" : "descending";
  ui.listStatus.textContent = items.length
    ? `${plural(items.length, "address", "addresses")} on page ${list.page + 1}${list.next ? " (more on the next page)" : ""}, sorted by ${labelOf("sort", get("sort"))}, ${order}.`
    : "";
}

async function showMatchCount(total, shown) {
  const count = $("match-count");
  if (typeof total === "number") {
    count.textContent = `${plural(total, "matching address", "matching addresses")}`;
    return;
  }
  if (list.page !== 0) return;
  count.textContent = `${fmtNumber.format(shown)}+ matching addresses`;
  const key = list.key;
  try {
    const counted = await apiJson(tenantPath("/bounce-count"), { params: reportQuery({ paging: false }) });
    if (key === list.key) {
      count.textContent = `${counted.at_least ? "at least " : ""}${plural(counted.addresses, "matching address", "matching addresses")}`;
    }
  } catch { /* the list itself says what went wrong */ }
}

// The filters fold into one line: a chip for each filter in use (× removes it).
function renderChips() {
  const chips = clear($("filter-chips"));
  for (const name of FILTER_NAMES) {
    const value = link.get(name);
    if (!value) continue;
    const label = {
      q: "contains", domain: "domain", category: "category", reason: "reason", hard: "", source: "sent as",
      state: "state", first_from: "first bounce from", first_to: "first bounce to", last_from: "last bounce from",
      last_to: "last bounce to", min_count: "at least",
    }[name];
    const shown = name === "hard" ? (value === "true" ? "hard only" : "not hard")
      : ["category", "reason", "source", "state"].includes(name) ? value.split(",").map((v) => labelOf(name, v)).join(" or ")
        : name === "min_count" ? `${value} bounces` : value;
    chips.append(h("li", { class: "chip filter-chip" }, `${label ? `${label}: ` : ""}${shown}`,
      h("button", {
        type: "button", class: "chip-remove", "aria-label": `Remove the ${label || "hard or soft"} filter`, text: "×",
        onclick: () => { const next = new URLSearchParams(link); next.delete(name); go(next); },
      })));
  }
  if (!chips.childElementCount) chips.append(h("li", { class: "sub", text: "No filters: every bounced address." }));
  for (const head of document.querySelectorAll("th[data-sort]")) {
    const sorted = get("sort") === head.dataset.sort;
    if (sorted) head.setAttribute("aria-sort", get("order") === "asc" && get("sort") !== "rising" ? "ascending" : "descending");
    else head.removeAttribute("aria-sort");
  }
}

function sortBy(column) {
  const next = new URLSearchParams(link);
  const same = get("sort") === column;
  next.set("sort", column);
  // Rising means "most growth first": the API has no other order for it.
  if (column === "rising") next.delete("order");
  else next.set("order", same ? (get("order") === "asc" ? "desc" : "asc") : (column === "address" ? "asc" : "desc"));
  go(next);
}

function setFiltersOpen(open) {
  ui.form.hidden = !open;
  $("filter-toggle").setAttribute("aria-expanded", String(open));
  $("filter-toggle").textContent = open ? "Hide filters" : "Filters";
}

function renderEmpty() {
  clear(ui.listEmpty);
  if (list.page > 0) {
    add(ui.listEmpty, [h("strong", { text: "No more addresses" }), "This is past the last page."]);
  } else if (hasFilters()) {
    add(ui.listEmpty, [
      h("strong", { text: "No bounced addresses match these filters" }),
      h("p", { text: "Try a wider date range or fewer conditions." }),
      h("button", { type: "button", class: "btn", text: "Clear filters", onclick: clearFilters }),
    ]);
  } else {
    add(ui.listEmpty, [h("strong", { text: "No bounces recorded yet" }),
      `Nothing sent for ${link.get("tenant")} has bounced so far.`]);
  }
}

// "listed on Spamhaus ZEN" where the bounce names the list (the API reads it from the text).
function listedOn(item) {
  return item.blocklist ? `listed on ${item.blocklist}` : "listed on a blocklist";
}

function blocklistChip(item) {
  return h("span", { class: "chip chip-blacklisted", text: listedOn(item), title: "Our sending server, not this address" });
}

function categoryChip(category) {
  return h("span", { class: `chip cat-${known(LABEL.category, category)}`, text: labelOf("category", category) });
}

function stateChip(state) {
  return h("span", { class: `chip state-${known(LABEL.state, state)}`, text: labelOf("state", state) });
}

// Hard or soft, unless the category already says it ("Hard" is always a hard bounce).
function hardChip(item) {
  if ((item.category === "hard" && item.hard) || (item.category === "soft" && !item.hard)) return null;
  // "soft" would mislabel a block or a spam rejection: those are about our server or content
  return h("span", {
    class: `chip ${item.hard ? "cat-hard" : "cat-not-a-bounce"}`,
    text: item.hard ? "hard bounce" : "not hard",
    title: item.hard ? "The address itself is bad" : "The address is not marked invalid",
  });
}

function bounceRow(item) {
  const address = String(item.address ?? "");
  const sent = [labelOf("source", item.source), item.send_id ? `send ${item.send_id}` : ""].filter(Boolean).join(" · ");
  const recent = Number(item.recent_count) || 0;
  const rising = h("span", { class: recent ? "rising" : "sub" }, recent ? `+${fmtNumber.format(recent)}` : "0",
    h("span", { class: "sub", text: ` in the last ${get("rising_days")} days` }));
  const status = [item.status, item.reply_code, item.remote_mta].filter(Boolean).join(" · ");
  const actions = h("td", { class: "row-actions" });
  if (canReactivate()) {
    actions.append(h("button", {
      type: "button", class: "btn btn-small", text: "Re-check", "data-testid": "recheck", "data-address": address,
      "aria-label": `Re-check ${address}`, onclick: () => recheck([address]),
    }));
  }
  if (canReactivate() && item.state === "suppressed") {
    actions.append(h("button", {
      type: "button", class: "btn btn-small", text: "Mark as good",
      "aria-label": `Mark ${address} as good`,
      onclick: (event) => reactivate(item, event.currentTarget),
    }));
  }
  const select = canReactivate() ? h("input", {
    type: "checkbox", class: "row-select", "data-testid": "row-select", "data-address": address,
    "aria-label": `Select ${address}`, checked: selection.matching || selection.addresses.has(address),
    onchange: (event) => toggleRow(address, event.currentTarget.checked),
  }) : null;
  return h("tr", { "data-address": address },
    h("td", { class: "select-col" }, select),
    h("td", {},
      h("button", {
        type: "button", class: "link-button address", text: address,
        "aria-haspopup": "dialog", onclick: (event) => openHistory(address, event.currentTarget),
      }),
      h("span", { class: "sub", text: sent })),
    h("td", {},
      h("span", { class: "count", text: fmtNumber.format(Number(item.count) || 0) }),
      h("span", { class: "sub summary", text: item.summary || "" })),
    h("td", { class: "rising-cell" }, rising),
    h("td", { class: "date-cell", "data-label": "First" }, h("time", { datetime: item.first_bounce_at || null, text: fmtDay(item.first_bounce_at) })),
    h("td", { class: "date-cell", "data-label": "Last" }, h("time", { datetime: item.last_bounce_at || null, text: fmtDay(item.last_bounce_at) })),
    h("td", {},
      h("strong", { class: "reason", text: labelOf("reason", item.reason) }), " ",
      h("div", {}, categoryChip(item.category), hardChip(item)),
      item.explanation ? h("details", { class: "why" }, h("summary", { text: "What this means" }),
        h("span", { class: "explanation", text: item.explanation })) : null),
    h("td", {}, stateChip(item.state),
      item.blacklisted ? blocklistChip(item) : null),
    h("td", {},
      h("div", { class: "diag", title: item.diagnostic || "", text: item.diagnostic || "—" }),
      h("span", { class: "sub", text: status })),
    actions);
}

function clearFilters() {
  const params = new URLSearchParams();
  params.set("tenant", link.get("tenant") || "");
  for (const name of SORT_NAMES) if (link.get(name)) params.set(name, link.get(name));
  go(params);
}

// ---------------------------------------------------------------------------- history panel

function openHistory(address, opener) {
  history_.address = address;
  history_.cursors = [null];
  history_.page = 0;
  history_.opener = opener || null;
  ui.historyTitle.textContent = address;
  if (!ui.history.open) ui.history.showModal();
  loadHistory();
}

async function loadHistory() {
  const seq = ++history_.seq;
  const address = history_.address;
  const params = new URLSearchParams({ limit: String(HISTORY_PAGE) });
  const cursor = history_.cursors[history_.page];
  if (cursor) params.set("cursor", cursor);
  const body = ui.historyBody;
  body.setAttribute("aria-busy", "true");
  if (!body.firstChild) body.append(h("p", { class: "status-line", text: "Loading history…" }));
  else body.classList.add("busy");
  let data;
  try {
    data = await apiJson(tenantPath(`/bounces/${encodeURIComponent(address)}`), { params });
  } catch (error) {
    if (seq !== history_.seq) return;
    body.removeAttribute("aria-busy");
    body.classList.remove("busy");
    const box = h("div", { class: "notice notice-error", role: "alert" });
    showError(box, error);
    clear(body).append(box);
    return;
  }
  if (seq !== history_.seq) return;
  body.removeAttribute("aria-busy");
  body.classList.remove("busy");
  const entries = (data.history && Array.isArray(data.history.items)) ? data.history.items : [];
  history_.next = (data.history && data.history.next_cursor) || null;
  clear(body).append(addressFacts(data), historyTable(entries), historyPager());
}

function addressFacts(item) {
  const facts = h("dl", { class: "facts" });
  const row = (term, ...value) => facts.append(h("dt", { text: term }), h("dd", {}, ...value));
  row("Bounces", h("span", { class: "summary", text: item.summary || "" }));
  row("State", stateChip(item.state),
    item.suppression ? h("span", {
      class: "sub",
      text: `suppressed since ${fmtTime(item.suppression.since)}: ${item.suppression.reason || "—"}${item.suppression.actor ? ` (by ${item.suppression.actor})` : ""}`,
    }) : null);
  row("Reason", h("strong", { text: labelOf("reason", item.reason) }), " ", categoryChip(item.category),
    h("span", { class: "explanation", text: item.explanation || "" }));
  row("Hard bounce", item.hard ? "Yes: the address itself is bad" : "No");
  row("Status", [item.status, item.reply_code].filter(Boolean).join(" · ") || "—");
  row("Last diagnostic", h("span", { class: "diag diag-full", text: item.diagnostic || "—" }));
  row("First bounce", fmtTime(item.first_bounce_at));
  row("Last bounce", fmtTime(item.last_bounce_at));
  row("Last sent as", [labelOf("source", item.source), item.send_id ? `send ${item.send_id}` : ""].filter(Boolean).join(" · "));
  row("Remote server", item.remote_mta || "—");
  if (item.blacklisted) row("Blocklist", h("span", { class: "chip chip-blacklisted", text: `our server is ${listedOn(item)}` }));
  const wrap = h("div", {}, facts);
  if (canReactivate() && item.state !== "reactivated") {
    wrap.append(h("div", { class: "actions" }, h("button", {
      type: "button", class: "btn btn-danger", id: "history-reactivate", text: "Mark as good",
      onclick: (event) => reactivate(item, event.currentTarget),
    })));
  }
  return wrap;
}

function historyTable(entries) {
  const section = h("section", { "aria-labelledby": "history-list-title" },
    h("h3", { id: "history-list-title", text: "Bounce history, newest first" }));
  if (!entries.length) {
    section.append(h("p", { class: "empty", text: history_.page ? "No older bounces." : "No bounce history recorded for this address." }));
    return section;
  }
  const rows = entries.map((e) => h("tr", {},
    h("td", {}, fmtTime(e.bounce_at), h("span", { class: "sub", text: `received ${fmtTime(e.received_at)}` })),
    h("td", {}, labelOf("source", e.source), h("span", { class: "sub", text: e.send_id ? `send ${e.send_id}` : "" })),
    h("td", {}, [e.status, e.reply_code].filter(Boolean).join(" · ") || "—"),
    h("td", {}, h("span", { text: labelOf("reason", e.reason) }), h("div", {}, categoryChip(e.category),
      e.blacklisted ? blocklistChip(e) : null)),
    h("td", {}, h("span", { class: "diag diag-full", text: e.diagnostic || "—" }),
      h("span", { class: "sub", text: e.message_id ? `message ${e.message_id}` : "" })),
    h("td", { text: e.remote_mta || "—" }),
    h("td", {}, e.raw_key ? h("button", {
      type: "button", class: "btn btn-small", text: "Raw message", "data-testid": "history-raw",
      "data-message": e.message_id, "aria-expanded": "false",
      "aria-label": `Raw message of the bounce of ${fmtTime(e.bounce_at)}`,
      onclick: (event) => toggleHistoryRaw(e, event.currentTarget),
    }) : null)));
  section.append(h("div", { class: "table-wrap" }, h("table", { class: "history" },
    h("caption", { class: "visually-hidden", text: "Bounce history, newest first" }),
    h("thead", {}, h("tr", {}, ["When", "Sent as", "Status", "Reason", "Diagnostic", "Remote server", ""]
      .map((t) => h("th", { scope: "col", text: t || null }, t ? null : h("span", { class: "visually-hidden", text: "Stored message" }))))),
    h("tbody", {}, rows))));
  return section;
}

function historyPager() {
  return h("nav", { class: "pager", "aria-label": "History pages" },
    h("button", {
      type: "button", class: "btn", text: "← Newer", disabled: history_.page === 0,
      onclick: () => { history_.page -= 1; loadHistory(); },
    }),
    h("span", { class: "page-label", text: `Page ${history_.page + 1}` }),
    h("button", {
      type: "button", class: "btn", text: "Older →", disabled: !history_.next,
      onclick: () => {
        history_.cursors[history_.page + 1] = history_.next;
        history_.page += 1;
        loadHistory();
      },
    }));
}

// ---------------------------------------------------------------------------- mark as good

function confirmDialog(text, { title = "Mark as good?", yes = "Mark as good" } = {}) {
  return new Promise((resolve) => {
    $("confirm-title").textContent = title;
    $("confirm-ok").textContent = yes;
    ui.confirmText.textContent = text;
    ui.confirm.returnValue = "";
    ui.confirm.addEventListener("close", () => resolve(ui.confirm.returnValue === "ok"), { once: true });
    ui.confirm.showModal();
  });
}

async function reactivate(item, button) {
  const address = String(item.address ?? "");
  const ok = await confirmDialog(
    `Mark ${address} as good? It leaves the suppression list and the sending system may mail it again. ` +
    "Its active bounce count restarts; its history is kept and the change is recorded with your key.");
  if (button && button.isConnected) button.focus();
  if (!ok) return;
  if (button) button.disabled = true;
  const notice = ui.history.open ? ui.historyBody : null;
  try {
    await apiFetch(tenantPath(`/bounces/${encodeURIComponent(address)}/reactivate`), { method: "POST" });
  } catch (error) {
    if (button) button.disabled = false;
    const box = h("div", { class: "notice notice-error", role: "alert" });
    showError(box, error);
    if (notice) notice.prepend(box);
    else showError(ui.listError, error);
    return;
  }
  ui.flash.textContent = `${address} was marked as good: it is no longer suppressed.`;
  ui.flash.hidden = false;
  if (ui.history.open && history_.address === address) {
    history_.page = 0;
    await loadHistory();
    ui.historyBody.prepend(h("p", { class: "notice notice-ok", role: "status", text: `${address} was marked as good.` }));
  }
  if (!ui.viewList.hidden) loadList();
}

// ---------------------------------------------------------------------------- CSV export

async function exportCsv() {
  const status = ui.exportStatus;
  clear(status).append("Preparing the export…");
  ui.exportButton.disabled = true;
  try {
    const response = await apiFetch(tenantPath("/bounces.csv"), {
      params: reportQuery({ paging: false }), accept: "text/csv, application/json;q=0.9",
    });
    const type = response.headers.get("content-type") || "";
    if (type.includes("application/json")) {
      // Too large for one response: the API wrote it to storage and returned a short-lived link.
      const data = await response.json();
      const url = new URL(String(data.download_url || ""), document.baseURI);
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new ApiError(0, "BadLink", "The export link is not a web address.");
      const a = h("a", { href: url.href, rel: "noopener noreferrer", target: "_blank", id: "export-link", text: "Download the CSV" });
      clear(status).append(`Your export of ${plural(Number(data.rows) || 0, "row")} is ready. `, a,
        data.expires_at ? ` (the link works until ${fmtTime(data.expires_at)})` : "");
      a.focus();
      return;
    }
    const blob = await response.blob();
    const name = fileName(response.headers.get("content-disposition"));
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    clear(status).append(`Downloaded ${name}.`);
  } catch (error) {
    clear(status);
    showError(ui.listError, error);
  } finally {
    ui.exportButton.disabled = false;
  }
}

function fileName(disposition) {
  const match = /filename="?([A-Za-z0-9._-]{1,100})"?/.exec(disposition || "");
  if (match) return match[1];
  const tenant = (link.get("tenant") || "tenant").replace(/[^A-Za-z0-9_-]/g, "_");
  return `bounces-${tenant}-${new Date().toISOString().slice(0, 10)}.csv`;
}

async function copyLink() {
  const url = new URL(location.href);
  url.search = "";
  url.hash = linkHash(link);
  try {
    await navigator.clipboard.writeText(url.href);
    ui.exportStatus.textContent = "Link copied. It opens this report with these filters (the key is never part of it).";
  } catch {
    ui.exportStatus.textContent = `Link to this report: ${url.href}`;
  }
}

// ---------------------------------------------------------------------------- statistics

async function loadStats() {
  const seq = ++loadStats.seq;
  ui.statsError.hidden = true;
  ui.statsStatus.textContent = "Loading statistics…";
  ui.statsBody.classList.add("busy");
  let data;
  try {
    data = await apiJson(tenantPath("/stats"));
  } catch (error) {
    if (seq !== loadStats.seq) return;
    ui.statsStatus.textContent = "";
    ui.statsBody.classList.remove("busy");
    clear(ui.statsBody);
    showError(ui.statsError, error);
    return;
  }
  if (seq !== loadStats.seq) return;
  ui.statsBody.classList.remove("busy");
  ui.statsStatus.textContent = "";
  clear(ui.statsBody).append(...statsView(data));
  // On a phone the daily chart scrolls sideways: show the latest days first.
  for (const wrap of ui.statsBody.querySelectorAll("#chart-daily > div")) wrap.scrollLeft = wrap.scrollWidth;
}
loadStats.seq = 0;

function statsView(data) {
  const totals = data.totals || {};
  const parts = [];
  const blocking = data.blocking || {};
  const hosts = Array.isArray(blocking.hosts) ? blocking.hosts : [];
  if (blocking.suspected || totals.blacklisted > 0) {
    // Name the blocklist where the bounces do ("listed on Spamhaus ZEN").
    const lists = Array.isArray(blocking.blocklists) ? blocking.blocklists.map(String) : [];
    const headline = lists.length ? `Our mail server is listed on ${lists.join(" and ")}`
      : blocking.suspected ? "Our mail server may be blocked or blacklisted" : "Some receiving servers report a blacklisting";
    parts.push(h("div", { class: "notice notice-warn", role: "alert", id: "blocking-warning" },
      h("strong", { text: headline }),
      "Blocks and blacklistings are about our server or our content, not the addresses: those addresses are not marked invalid. ",
      hosts.length ? h("ul", {}, hosts.map((host) => {
        const named = Array.isArray(host.blocklists) ? host.blocklists.map(String) : [];
        const listed = named.length ? `, listed on ${named.join(" and ")}` : host.blacklisted ? ", listed on a blocklist" : "";
        return h("li", {}, h("strong", { text: host.domain || "?" }), `: ${plural(Number(host.blocks) || 0, "block")}${listed}`);
      })) : null));
  }
  const cards = [
    ["addresses", "Addresses bounced"], ["hard", "Hard"], ["soft", "Soft"], ["block", "Blocked"],
    ["spam_content", "Spam / content"], ["mailbox_full", "Mailbox full"], ["suppressed", "Suppressed"],
    ["blacklisted", "Blacklisted"],
  ].map(([name, text]) => {
    const filter = { hard: ["category", "hard"], soft: ["category", "soft"], block: ["category", "block"],
      spam_content: ["category", "spam-content"], mailbox_full: ["category", "mailbox-full"], suppressed: ["state", "suppressed"] }[name];
    const inner = [h("span", { class: "num", text: fmtNumber.format(Number(totals[name]) || 0) }), h("span", { class: "lbl", text })];
    if (!filter) return h("div", { class: "total", "data-total": name }, inner);
    const params = new URLSearchParams({ tenant: link.get("tenant") || "", [filter[0]]: filter[1] });
    return h("a", { class: "total total-link", "data-total": name, href: linkHash(params), title: `List the ${text.toLowerCase()} addresses` }, inner);
  });
  if (data.invalid_share !== null && data.invalid_share !== undefined) {
    cards.push(h("div", { class: "total", "data-total": "invalid_share" },
      h("span", { class: "num", text: `${(Number(data.invalid_share) * 100).toFixed(1)}%` }),
      h("span", { class: "lbl", text: `of ${fmtNumber.format(Number(data.contact_count) || 0)} contacts invalid` })));
  }
  parts.push(h("div", { class: "totals" }, cards));
  const daily = Array.isArray(data.daily) ? data.daily : [];
  const reasons = Array.isArray(data.per_reason) ? data.per_reason : [];
  const domains = Array.isArray(data.per_domain) ? data.per_domain : [];
  const sources = Array.isArray(data.per_source) ? data.per_source : [];
  parts.push(h("div", { class: "charts" },
    chartCard("chart-daily", "Bounces per day, last 90 days", dailyChart(daily), true),
    chartCard("chart-reason", "Bounces per reason", reasonChart(reasons)),
    chartCard("chart-domain", "Bounces per recipient domain", domainChart(domains)),
    chartCard("chart-source", "Bounces per sending feature", barChart(
      sources.map((r) => ({ label: labelOf("source", r.source), value: Number(r.bounces) || 0 })),
      "Bounces per sending feature",
      [["Sent as", (r) => labelOf("source", r.source)], ["Bounces", (r) => r.bounces]], sources))));
  return parts;
}

function chartCard(id, title, content, wide = false) {
  return h("section", { class: `card chart-card chart${wide ? " chart-wide" : ""}`, id, "aria-labelledby": `${id}-title` },
    h("h3", { id: `${id}-title`, text: title }), content);
}

function niceScale(max) {
  if (!(max > 0)) return { top: 1, step: 1 };
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const m of [0.1, 0.2, 0.5, 1, 2, 5, 10]) {
    const step = Math.max(1, m * magnitude);
    if (max / step <= 5) return { top: Math.ceil(max / step) * step, step };
  }
  return { top: max, step: max };
}

function asTable(caption, columns, rows) {
  return h("details", { class: "as-table" }, h("summary", { text: "Show as a table" }),
    h("table", {}, h("caption", { class: "visually-hidden", text: caption }),
      h("thead", {}, h("tr", {}, columns.map(([name]) => h("th", { scope: "col", text: name })))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, value]) => {
        const v = value(row);
        return v instanceof Node ? h("td", {}, v)
          : h("td", { class: typeof v === "number" ? "num-cell" : null, text: v ?? "—" });
      }))))));
}

function emptyChart(text) {
  return h("p", { class: "empty", text });
}

function legend(series) {
  return h("ul", { class: "legend" }, series.map(([name, text]) =>
    h("li", {}, h("span", { class: `swatch fill-${name}`, "aria-hidden": "true" }), text)));
}

function dailyChart(days) {
  if (!days.length || days.every((d) => !Number(d.bounces))) {
    return emptyChart("No bounces in the last 90 days.");
  }
  const W = 960, H = 240, left = 44, right = 8, top = 10, bottom = 26;
  const plotW = W - left - right, plotH = H - top - bottom;
  const { top: yTop, step } = niceScale(Math.max(...days.map((d) => Number(d.bounces) || 0)));
  const y = (v) => top + plotH - (v / yTop) * plotH;
  const slot = plotW / days.length;
  const barW = Math.max(1, slot - 1.5);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "daily-svg-title daily-svg-desc" });
  const total = days.reduce((sum, d) => sum + (Number(d.bounces) || 0), 0);
  const peak = days.reduce((best, d) => ((Number(d.bounces) || 0) > (Number(best.bounces) || 0) ? d : best), days[0]);
  svg.append(s("title", { id: "daily-svg-title", text: "Bounces per day over the last 90 days" }),
    s("desc", { id: "daily-svg-desc", text: `${plural(total, "bounce")} in ${days.length} days; the busiest day was ${peak.date} with ${plural(Number(peak.bounces) || 0, "bounce")}.` }));
  for (let v = 0; v <= yTop; v += step) {
    svg.append(s("line", { class: v ? "gridline" : "axis", x1: left, x2: W - right, y1: y(v), y2: y(v) }),
      s("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", text: fmtNumber.format(v) }));
  }
  days.forEach((d, i) => {
    const x = left + i * slot;
    const group = s("g", { class: "day" });
    const counts = SERIES.map(([name]) => [name, Number(d[name]) || 0]);
    const other = Math.max(0, (Number(d.bounces) || 0) - counts.reduce((sum, [, n]) => sum + n, 0));
    if (other) counts.push(["other", other]);
    let base = 0;
    for (const [name, n] of counts) {
      if (!n) continue;
      group.append(s("rect", { class: `fill-${name}`, x: x.toFixed(2), width: barW.toFixed(2), y: y(base + n).toFixed(2), height: Math.max(0.5, y(base) - y(base + n)).toFixed(2) }));
      base += n;
    }
    // an invisible full-height target so each day shows its numbers on hover
    group.append(s("rect", { x: x.toFixed(2), width: slot.toFixed(2), y: top, height: plotH, fill: "transparent" }),
      s("title", { text: `${d.date}: ${plural(Number(d.bounces) || 0, "bounce")}${counts.filter(([, n]) => n).map(([name, n]) => `, ${n} ${name.replace("_", " ")}`).join("")}` }));
    svg.append(group);
    const date = String(d.date || "");
    // month starts, and the first day unless a month starts within a week of it
    const firstLabel = i === 0 && !days.slice(1, 7).some((later) => String(later.date || "").endsWith("-01"));
    if (date.endsWith("-01") || firstLabel) {
      const month = Number(date.slice(5, 7));
      svg.append(s("text", { x: x.toFixed(2), y: H - 8, text: `${MONTHS[month - 1] || ""} ${Number(date.slice(8, 10)) || ""}` }));
    }
  });
  return h("div", {}, legend([...SERIES, ["other", "Other"]]), svg,
    asTable("Bounces per day", [["Day", (d) => d.date], ["Bounces", (d) => Number(d.bounces) || 0],
      ...SERIES.map(([name, text]) => [text, (d) => Number(d[name]) || 0])], days.filter((d) => Number(d.bounces))));
}

// Horizontal bars: rows of {label, value, segments?: [[series, n], ...], title?}
function barChart(rows, title, columns, raw) {
  if (!rows.length) return emptyChart("Nothing to show yet.");
  const shown = rows.slice(0, 12);
  const W = 520, rowH = 26, labelW = 160, valueW = 50;
  const H = shown.length * rowH + 4;
  const max = Math.max(...shown.map((r) => r.value), 1);
  const scale = (n) => (n / max) * (W - labelW - valueW);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  shown.forEach((row, i) => {
    const yTop = i * rowH + 2;
    const label = row.label.length > 24 ? `${row.label.slice(0, 23)}…` : row.label;
    const group = s("g", {}, s("title", { text: `${row.title || row.label}: ${fmtNumber.format(row.value)}` }),
      s("text", { class: "bar-label", x: labelW - 8, y: yTop + 16, "text-anchor": "end", text: label }));
    let x = labelW;
    for (const [name, n] of row.segments || [["bounces", row.value]]) {
      if (!n) continue;
      group.append(s("rect", { class: `fill-${name}`, x: x.toFixed(2), y: yTop + 3, height: rowH - 8, width: Math.max(1, scale(n)).toFixed(2), rx: 2 }));
      x += scale(n);
    }
    group.append(s("text", { x: (x + 6).toFixed(2), y: yTop + 16, text: fmtNumber.format(row.value) }));
    svg.append(group);
  });
  const more = rows.length > shown.length ? h("p", { class: "sub", text: `Top ${shown.length} of ${rows.length}; the table lists all.` }) : null;
  return h("div", {}, svg, more, asTable(title, columns, raw));
}

function reasonChart(reasons) {
  const sorted = [...reasons].sort((a, b) => (Number(b.bounces) || 0) - (Number(a.bounces) || 0));
  return barChart(
    sorted.map((r) => ({ label: labelOf("reason", r.reason), value: Number(r.bounces) || 0, title: `${labelOf("reason", r.reason)}. ${r.explanation || ""}` })),
    "Bounces per reason",
    [["Reason", (r) => labelOf("reason", r.reason)], ["Bounces", (r) => Number(r.bounces) || 0], ["What it means", (r) => r.explanation || "—"]],
    sorted);
}

function domainChart(domains) {
  if (!domains.length) return emptyChart("Nothing to show yet.");
  const sorted = [...domains].sort((a, b) => (Number(b.bounces) || 0) - (Number(a.bounces) || 0));
  const rows = sorted.map((d) => {
    const total = Number(d.bounces) || 0, hard = Number(d.hard) || 0, blocks = Number(d.blocks) || 0;
    return {
      label: String(d.domain ?? ""), value: total,
      segments: [["hard", hard], ["block", blocks], ["other", Math.max(0, total - hard - blocks)]],
    };
  });
  const showDomain = (d) => h("button", {
    type: "button", class: "link-button", text: String(d.domain ?? ""),
    onclick: () => {
      const params = new URLSearchParams({ tenant: link.get("tenant") || "", domain: String(d.domain ?? "") });
      go(params);
    },
  });
  return h("div", {}, legend([["hard", "Hard"], ["block", "Blocked"], ["other", "Other"]]),
    barChart(rows, "Bounces per recipient domain", [
      ["Domain", showDomain], ["Bounces", (d) => Number(d.bounces) || 0], ["Hard", (d) => Number(d.hard) || 0],
      ["Blocks", (d) => Number(d.blocks) || 0],
      ["Bounce rate", (d) => (d.rate === null || d.rate === undefined ? "—" : `${(Number(d.rate) * 100).toFixed(2)}%`)],
    ], sorted));
}


// ---------------------------------------------------------------------------- selection and mass delete

// Rows chosen one by one, or "everything matching" the current filter (then the API counts).
const selection = { addresses: new Set(), matching: false };
const REASON_WORDS = Object.fromEntries(REASONS);

function clearSelection() {
  selection.addresses.clear();
  selection.matching = false;
  updateSelection();
}

function toggleRow(address, on) {
  selection.matching = false;
  if (on) selection.addresses.add(address);
  else selection.addresses.delete(address);
  updateSelection();
}

function updateSelection() {
  if (!ui.bulkBar) return;
  const n = selection.addresses.size;
  ui.selectionStatus.textContent = selection.matching
    ? "Everything matching these filters is selected."
    : n ? `${plural(n, "address", "addresses")} selected.` : "No rows selected.";
  ui.bulkDelete.disabled = !selection.matching && n === 0;
  $("bulk-recheck").disabled = !selection.matching && (n === 0 || n > MAX_RECHECK);
  if (!selection.matching && n > MAX_RECHECK) ui.selectionStatus.textContent += ` A re-check takes at most ${fmtNumber.format(MAX_RECHECK)}.`;
  for (const box of ui.rows.querySelectorAll("input.row-select")) {
    box.checked = selection.matching || selection.addresses.has(box.dataset.address);
  }
}

function currentFilter() {
  const filter = {};
  for (const name of FILTER_NAMES) {
    const value = link.get(name);
    if (!value) continue;
    if (["category", "reason", "source", "state"].includes(name)) filter[name] = value.split(",");
    else if (name === "min_count") filter[name] = Number(value);
    else if (name === "hard") filter[name] = value === "true";
    else filter[name] = value;
  }
  return Object.keys(filter).length ? filter : { min_count: 1 };
}

function selectionBody() {
  return selection.matching ? { filter: currentFilter() } : { addresses: [...selection.addresses] };
}

async function selectMatching() {
  selection.matching = true;
  selection.addresses.clear();
  updateSelection();
  ui.selectionStatus.textContent = "Counting everything matching these filters…";
  try {
    const count = await apiJson(tenantPath("/bounce-count"), { params: reportQuery({ paging: false }) });
    if (selection.matching) {
      const n = `${count.at_least ? "at least " : ""}${plural(count.addresses, "address", "addresses")}`;
      ui.selectionStatus.textContent = `Everything matching these filters is selected: ${n}.`;
    }
  } catch (error) {
    showError(ui.listError, error);
  }
}

// ---------------------------------------------------------------------------- re-check (issue 14)

const MAX_RECHECK = 1000; // the API's limit per request
const VERDICT_WORDS = { valid: "Valid", invalid: "Invalid", risky: "Risky", unknown: "Unknown" };

// The selected addresses, or the first MAX_RECHECK of everything matching (read page by page).
async function selectedForRecheck() {
  if (!selection.matching) return { addresses: [...selection.addresses], more: false };
  const addresses = [];
  let cursor = null;
  do {
    const params = reportQuery({ paging: false });
    params.set("limit", "500");
    if (cursor) params.set("cursor", cursor);
    const data = await apiJson(tenantPath("/bounces"), { params });
    for (const item of data.items || []) addresses.push(String(item.address ?? ""));
    cursor = data.next_cursor || null;
  } while (cursor && addresses.length < MAX_RECHECK);
  return { addresses: addresses.slice(0, MAX_RECHECK), more: Boolean(cursor) || addresses.length > MAX_RECHECK };
}

async function bulkRecheck() {
  openRecheckPanel("Reading the selected addresses…");
  try {
    const { addresses, more } = await selectedForRecheck();
    await recheck(addresses, more ? `More than ${fmtNumber.format(MAX_RECHECK)} addresses match: the first ${fmtNumber.format(MAX_RECHECK)} were re-checked.` : "");
  } catch (error) {
    showError($("recheck-error"), error);
    $("recheck-status").textContent = "";
  }
}

function openRecheckPanel(status) {
  const panel = $("recheck-panel");
  $("recheck-error").hidden = true;
  clear($("recheck-results"));
  $("recheck-status").textContent = status;
  if (!panel.open) panel.showModal();
}

async function recheck(addresses, note = "") {
  openRecheckPanel(`Re-checking ${plural(addresses.length, "address", "addresses")}…`);
  if (!addresses.length) { $("recheck-status").textContent = "Nothing to re-check."; return; }
  let data;
  try {
    data = await apiJson(tenantPath("/rechecks"), { method: "POST", body: { addresses } });
  } catch (error) {
    $("recheck-status").textContent = "";
    showError($("recheck-error"), error);
    return;
  }
  const results = Array.isArray(data.results) ? data.results : [];
  const counts = {};
  for (const r of results) counts[r.verdict] = (counts[r.verdict] || 0) + 1;
  $("recheck-status").textContent = [
    `${plural(results.length, "address", "addresses")} re-checked: `
      + Object.keys(VERDICT_WORDS).filter((v) => counts[v]).map((v) => `${counts[v]} ${VERDICT_WORDS[v].toLowerCase()}`).join(", ") + ".",
    note,
  ].filter(Boolean).join(" ");
  clear($("recheck-results")).append(...results.map(recheckResult));
}

function recheckResult(r) {
  const verdict = Object.hasOwn(VERDICT_WORDS, r.verdict) ? r.verdict : "unknown";
  return h("li", { class: "recheck-result", "data-testid": "recheck-result", "data-address": String(r.address ?? ""), "data-verdict": verdict },
    h("div", { class: "recheck-head" },
      h("span", { class: `chip verdict-${verdict}`, text: VERDICT_WORDS[verdict] }),
      h("strong", { class: "address", text: String(r.address ?? "") })),
    h("p", { class: "explanation", text: r.explanation || "" }),
    r.suggestion ? h("p", { class: "suggestion" }, "Did you mean ", h("strong", { text: String(r.suggestion) }), "?") : null);
}

function openMassDelete() {
  const panel = $("md-panel");
  $("md-error").hidden = true;
  clear($("md-preview"));
  $("md-submit").disabled = true;
  $("md-scope").textContent = selection.matching
    ? `Everything matching the filters of ${link.get("tenant")}'s list.`
    : `${plural(selection.addresses.size, "selected address", "selected addresses")} of ${link.get("tenant")}.`;
  if (!panel.open) panel.showModal();
  $("md-dry-run").focus();
}

function mdBody(dryRun) {
  return { ...selectionBody(), remove_emails: $("md-remove-emails").checked, dry_run: dryRun, note: $("md-note").value.trim() };
}

async function mdDryRun() {
  const box = $("md-preview");
  $("md-error").hidden = true;
  clear(box).append(h("p", { class: "status-line", text: "Planning…" }));
  let plan;
  try {
    plan = await apiJson(tenantPath("/mass-deletes"), { method: "POST", body: mdBody(true) });
  } catch (error) {
    clear(box);
    showError($("md-error"), error);
    return;
  }
  const facts = h("dl", { class: "facts" });
  const row = (term, ...value) => facts.append(h("dt", { text: term }), h("dd", {}, ...value));
  row("Records to delete", h("strong", { "data-testid": "md-preview-records", text: fmtNumber.format(plan.selected.records) }));
  row("Addresses", fmtNumber.format(plan.selected.addresses));
  if (plan.not_found) row("Listed but not found", fmtNumber.format(plan.not_found));
  row("Too large to delete here", plan.oversized ? `${fmtNumber.format(plan.oversized)} (skipped; staff can help)` : "none");
  row("Sample", plan.sample.length ? h("ul", { class: "sample" }, plan.sample.map((a) => h("li", { text: a }))) : "—");
  row("Approval", approvalText(plan));
  row("Removes the addresses", plan.remove_emails ? "Yes: the sending system will stop mailing them" : "No: only the bounce records");
  clear(box).append(h("h3", { text: "Preview" }), facts);
  $("md-submit").disabled = plan.selected.addresses === 0;
}

function approvalText(job) {
  const parts = [];
  if (job.staff_approval_required) parts.push(`Staff must approve: ${job.staff_approval_required}.`);
  if (job.second_person_required) parts.push("A second person (not you) must approve.");
  return parts.length ? parts.join(" ") : "Any admin of the tenant, you included, may approve.";
}

async function mdSubmit() {
  const ok = await confirmDialog("Submit this mass delete for approval? Nothing is deleted until it is approved; it can be undone afterwards.",
    { title: "Submit the mass delete?", yes: "Submit" });
  if (!ok) return;
  try {
    await apiJson(tenantPath("/mass-deletes"), { method: "POST", body: mdBody(false) });
  } catch (error) {
    showError($("md-error"), error);
    return;
  }
  $("md-panel").close();
  clearSelection();
  const params = new URLSearchParams({ tenant: link.get("tenant") || "", view: "jobs" });
  go(params);
}

// ---------------------------------------------------------------------------- jobs view

const STATE_WORDS = {
  planned: "Waiting for approval", approved: "Approved, starting", running: "Running",
  succeeded: "Finished", failed: "Failed", cancelled: "Cancelled", undone: "Undone",
};
const AUDIT_WORDS = {
  planned: "planned a mass delete", approved: "approved it", rerun: "ran it again",
  "cancel-requested": "cancelled it", undone: "undid it", "policy-changed": "changed the mass-delete policy",
  reactivated: "marked an address as good", "contact-count-changed": "changed the contact count",
  "contact-count-refused": "tried to change the contact count (refused)",
};
let pollTimer = null;

function stopPolling() {
  if (pollTimer) clearTimeout(pollTimer);
  pollTimer = null;
}

async function loadJobs() {
  stopPolling();
  const box = $("jobs-error");
  box.hidden = true;
  let jobs, audit;
  try {
    [jobs, audit] = await Promise.all([
      apiJson(tenantPath("/mass-deletes"), { params: new URLSearchParams({ limit: "50" }) }),
      apiJson(tenantPath("/mass-deletes/audit"), { params: new URLSearchParams({ limit: "50" }) }),
    ]);
  } catch (error) {
    showError(box, error);
    return;
  }
  if ($("view-jobs").hidden) return;
  const items = (jobs.items || []).filter((j) => !j.dry_run);
  const me = session.me ? session.me.name : "";
  const waiting = items.filter((j) => j.state === "planned");
  clear($("md-approvals"));
  if (!waiting.length) $("md-approvals").append(h("li", { class: "empty", text: "Nothing is waiting for approval." }));
  for (const job of waiting) {
    const mine = job.requested_by === me;
    const blocked = (job.staff_approval_required && !isStaff()) || (job.second_person_required && mine);
    $("md-approvals").append(h("li", { class: "approval" },
      h("div", {}, h("strong", { text: `${plural(job.selected.addresses, "address", "addresses")}, ${plural(job.selected.records, "record")}` }),
        ` requested by ${job.requested_by} ${fmtTime(job.timings.created_at)}`,
        job.remove_emails ? h("span", { class: "chip chip-blacklisted", text: "removes addresses" }) : null,
        h("span", { class: "sub", text: approvalText(job) }),
        job.note ? h("span", { class: "sub", text: `Note: ${job.note}` }) : null),
      h("div", { class: "actions" },
        blocked ? h("span", { class: "sub", text: mine ? "Someone else must approve your request." : "Only staff may approve this one." })
          : h("button", { type: "button", class: "btn btn-danger", "data-testid": "md-approve", "data-job": job.id, text: "Approve and start", onclick: () => jobAction(job, "approve") }),
        h("button", { type: "button", class: "btn", text: "Cancel", onclick: () => jobAction(job, "cancel") }))));
  }
  clear($("job-rows"));
  for (const job of items) $("job-rows").append(jobRow(job));
  clear($("audit-rows"));
  for (const line of audit.items || []) {
    const details = Object.entries(line).filter(([k]) => !["at", "actor", "action", "job"].includes(k))
      .map(([k, v]) => `${k.replaceAll("_", " ")}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("; ");
    $("audit-rows").append(h("tr", {}, h("td", { text: fmtTime(line.at) }), h("td", { text: line.actor }),
      h("td", { text: line.action === "planned" && line.dry_run ? "previewed a mass delete" : (AUDIT_WORDS[line.action] || line.action) }), h("td", { text: !line.job || line.job === "-" ? "—" : line.job }),
      h("td", { class: "sub", text: details })));
  }
  if (items.some((j) => ["approved", "running"].includes(j.state))) {
    pollTimer = setTimeout(loadJobs, 1500); // live progress
  }
}

function jobRow(job) {
  const p = job.progress || {};
  const active = ["approved", "running"].includes(job.state);
  const actions = h("td", { class: "row-actions" });
  if (active) actions.append(h("button", { type: "button", class: "btn", text: "Cancel", onclick: () => jobAction(job, "cancel") }));
  if (["succeeded", "failed", "cancelled"].includes(job.state)) {
    actions.append(h("button", { type: "button", class: "btn", "data-testid": "md-undo", "data-job": job.id, text: "Undo", onclick: () => jobAction(job, "undo") }));
  }
  if (job.state === "failed") actions.append(h("button", { type: "button", class: "btn", text: "Run again", onclick: () => jobAction(job, "rerun") }));
  const who = [`asked: ${job.requested_by}`, job.approved_by ? `approved: ${job.approved_by}` : "", job.undone_by ? `undone: ${job.undone_by}` : ""].filter(Boolean).join(" · ");
  return h("tr", { "data-job": job.id },
    h("td", {}, h("span", { class: "mono", text: job.id }), h("span", { class: "sub", text: fmtTime(job.timings.created_at) })),
    h("td", {}, h("span", { class: `chip job-${job.state}`, "data-testid": "md-status", "data-job": job.id, "data-state": job.state, text: STATE_WORDS[job.state] || job.state }),
      job.error ? h("span", { class: "sub", text: job.error }) : null),
    h("td", { text: `${plural(job.selected.addresses, "address", "addresses")}, ${plural(job.selected.records, "record")}${job.remove_emails ? ", addresses removed" : ""}` }),
    h("td", {}, active || job.state !== "planned"
      ? h("span", { text: `${fmtNumber.format(p.addresses || 0)} of ${fmtNumber.format(job.selected.addresses)} addresses · ${fmtNumber.format(p.deleted || 0)} deleted${job.restored ? ` · ${fmtNumber.format(job.restored)} restored` : ""}` })
      : "—"),
    h("td", { class: "sub", text: who }),
    actions);
}

async function jobAction(job, action) {
  const words = {
    approve: ["Approve and start?", `This deletes ${plural(job.selected.records, "record")} of ${plural(job.selected.addresses, "address", "addresses")}${job.remove_emails ? " and removes the addresses" : ""}. It can be undone.`, "Approve"],
    cancel: ["Cancel the mass delete?", "A running job stops after the address in hand; nothing else is deleted.", "Cancel the job"],
    undo: ["Undo the mass delete?", "Everything the job deleted is put back from its archive.", "Undo"],
    rerun: ["Run the job again?", "It resumes where it failed and deletes nothing twice.", "Run again"],
  }[action];
  if (!(await confirmDialog(words[1], { title: words[0], yes: words[2] }))) return;
  try {
    let result = await apiJson(tenantPath(`/mass-deletes/${encodeURIComponent(job.id)}/${action}`), { method: "POST" });
    while (action === "undo" && result.undo && !result.undo.complete) {
      result = await apiJson(tenantPath(`/mass-deletes/${encodeURIComponent(job.id)}/undo`), { method: "POST" });
    }
  } catch (error) {
    showError($("jobs-error"), error);
  }
  loadJobs();
}

// ---------------------------------------------------------------------------- settings view

function field(id, labelText, input, hint) {
  return h("div", { class: "field" }, h("label", { for: id, text: labelText }), input, hint ? h("span", { class: "sub", text: hint }) : null);
}

async function loadSettings() {
  const body = $("settings-body");
  clear(body).append(h("p", { class: "status-line", text: "Loading settings…" }));
  let tenantSettings, notify, policy;
  try {
    [tenantSettings, notify, policy] = await Promise.all([
      apiJson(tenantPath("/settings")), apiJson(tenantPath("/notification-settings")), apiJson(tenantPath("/mass-deletes/policy")),
    ]);
  } catch (error) {
    const box = h("div", { class: "notice notice-error", role: "alert" });
    showError(box, error);
    clear(body).append(box);
    return;
  }
  const inp = (id, props) => h("input", { id, ...props });
  const digest = h("form", { class: "card settings-form", id: "digest-form", "aria-labelledby": "digest-title" },
    h("h3", { id: "digest-title", text: "Digest and alerts" }),
    h("div", { class: "grid" },
      field("s-recipients", "Digest recipients (comma separated)", inp("s-recipients", { type: "text", value: (notify.recipients || []).join(", ") })),
      field("s-cadence", "Schedule", h("select", { id: "s-cadence" }, ["daily", "weekly", "off"].map((c) => h("option", { value: c, text: c === "off" ? "Never" : c[0].toUpperCase() + c.slice(1), selected: notify.cadence === c })))),
      field("s-hour", "Hour of day (local time)", inp("s-hour", { type: "number", min: 0, max: 23, value: notify.hour })),
      field("s-weekday", "Day (weekly)", h("select", { id: "s-weekday" }, ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((d) => h("option", { value: d, text: d[0].toUpperCase() + d.slice(1), selected: notify.weekday === d })))),
      field("s-timezone", "Time zone", inp("s-timezone", { type: "text", value: notify.timezone }), "e.g. Europe/Berlin"),
      field("s-warn", "Warn at bounce rate (%)", inp("s-warn", { type: "number", step: "0.1", value: (notify.alert_levels.warn_rate * 100).toFixed(1) })),
      field("s-critical", "Critical at bounce rate (%)", inp("s-critical", { type: "number", step: "0.1", value: (notify.alert_levels.critical_rate * 100).toFixed(1) })),
      field("s-min", "Only for sends of at least … recipients", inp("s-min", { type: "number", min: 1, value: notify.alert_levels.min_recipients }))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", id: "save-digest", text: "Save digest and alerts" })),
    h("p", { class: "status-line", id: "digest-status", role: "status" }));
  digest.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = (id) => $(id).value.trim();
    saveSettings("digest-status", "/notification-settings", "PUT", {
      recipients: v("s-recipients").split(",").map((r) => r.trim()).filter(Boolean),
      cadence: v("s-cadence"), hour: Number(v("s-hour")), weekday: v("s-weekday"), timezone: v("s-timezone"),
      alert_levels: { warn_rate: Number(v("s-warn")) / 100, critical_rate: Number(v("s-critical")) / 100, min_recipients: Number(v("s-min")) },
    });
  });
  const p = tenantSettings.suppression_policy;
  const suppression = h("form", { class: "card settings-form", id: "policy-form", "aria-labelledby": "suppression-title" },
    h("h3", { id: "suppression-title", text: "When an address is suppressed" }),
    h("div", { class: "grid" },
      field("s-hard", "After … hard bounces", inp("s-hard", { type: "number", min: 1, value: p.hard_bounces })),
      field("s-soft", "Or after … soft bounces", inp("s-soft", { type: "number", min: 1, value: p.soft_bounces })),
      field("s-soft-days", "… on at least … different days", inp("s-soft-days", { type: "number", min: 1, value: p.soft_days }))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", id: "save-suppression", text: "Save suppression policy" })),
    h("p", { class: "status-line", id: "suppression-status", role: "status" }));
  suppression.addEventListener("submit", (event) => {
    event.preventDefault();
    saveSettings("suppression-status", "/settings", "PATCH", { suppression_policy: {
      hard_bounces: Number($("s-hard").value), soft_bounces: Number($("s-soft").value), soft_days: Number($("s-soft-days").value) } });
  });
  clear(body).append(digest, suppression);
  if (isStaff()) {
    const staffForm = h("form", { class: "card settings-form", id: "staff-settings", "aria-labelledby": "staff-settings-title" },
      h("h3", { id: "staff-settings-title", text: "Protection (staff only)" }),
      h("div", { class: "grid" },
        field("s-contacts", "Contacts the tenant has", inp("s-contacts", { type: "number", min: 1, value: tenantSettings.contact_count ?? "" }), "The circuit breaker's denominator."),
        field("s-share", "Mass delete: staff approve above … % of contacts", inp("s-share", { type: "number", step: "1", min: 1, max: 100, value: Math.round(policy.max_share * 100) })),
        field("s-max", "… or above … addresses when the contact count is unknown", inp("s-max", { type: "number", min: 0, value: policy.max_addresses })),
        h("label", { class: "check" }, h("input", { type: "checkbox", id: "s-second", checked: policy.require_second_person }), "A second person must approve every mass delete")),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "btn btn-primary", id: "save-protection", text: "Save protection" })),
      h("p", { class: "status-line", id: "protection-status", role: "status" }));
    staffForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const contacts = $("s-contacts").value.trim();
      const ok = await saveSettings("protection-status", "/settings", "PATCH", { contact_count: contacts ? Number(contacts) : null });
      if (ok) {
        await saveSettings("protection-status", "/mass-deletes/policy", "PUT", {
          max_share: Number($("s-share").value) / 100, max_addresses: Number($("s-max").value), require_second_person: $("s-second").checked });
      }
    });
    body.append(staffForm);
  }
}

async function saveSettings(statusId, suffix, method, body) {
  const status = $(statusId);
  status.className = "status-line";
  status.textContent = "Saving…";
  try {
    await apiJson(tenantPath(suffix), { method, body });
  } catch (error) {
    status.className = "notice notice-error";
    status.textContent = error.message; // the API's own validation message
    return false;
  }
  status.textContent = "Saved.";
  return true;
}

// ---------------------------------------------------------------------------- staff views

async function loadStaff() {
  const body = $("staff-body");
  clear(body).append(h("p", { class: "status-line", text: "Loading…" }));
  let overview, quarantine, unparsed, keys;
  try {
    [overview, quarantine, unparsed, keys] = await Promise.all([
      apiJson("v1/tenants-overview"), apiJson("v1/quarantine", { params: new URLSearchParams({ limit: "50" }) }),
      apiJson("v1/unparsed", { params: new URLSearchParams({ limit: "50" }) }), apiJson("v1/keys"),
    ]);
  } catch (error) {
    const box = h("div", { class: "notice notice-error", role: "alert" });
    showError(box, error);
    clear(body).append(box);
    return;
  }
  const table = (id, caption, heads, rows) => h("div", { class: "table-wrap" }, h("table", { id, class: "staff-table" },
    h("caption", { class: "visually-hidden", text: caption }),
    h("thead", {}, h("tr", {}, heads.map((t) => h("th", { scope: "col", text: t })))), h("tbody", {}, rows)));
  const tenants = (overview.items || []).map((t) => h("tr", {},
    h("td", {}, h("button", { type: "button", class: "link-button", text: t.name, onclick: () => go(new URLSearchParams({ tenant: t.tenant })) }), h("span", { class: "sub", text: t.tenant })),
    h("td", { class: "num-cell", text: fmtNumber.format(t.addresses) }),
    h("td", { text: t.invalid_share === null ? "—" : `${(t.invalid_share * 100).toFixed(1)}%` }),
    h("td", {}, (t.blocklists || []).length ? h("span", { class: "chip chip-blacklisted", text: `listed on ${t.blocklists.join(" and ")}` })
      : t.blocked_suspected ? h("span", { class: "chip chip-blacklisted", text: "may be blocked" }) : "no",
      t.blacklisted ? h("span", { class: "sub", text: `${plural(t.blacklisted, "blacklisting")} reported` }) : null),
    h("td", { text: fmtTime(t.last_bounce_at) })));
  const inboundRows = (items) => items.map((m) => h("tr", {},
    h("td", { text: fmtTime(m.received_at) }), h("td", { text: m.from || "—" }), h("td", { text: m.subject || "—" }),
    h("td", { text: plainProblem(m.problem) || m.kind || "—" }),
    h("td", {}, h("button", { type: "button", class: "btn btn-small", text: "Show message", onclick: () => showRaw(m.s3_key) }))));
  const keyRows = (keys.items || []).map((k) => h("tr", { class: k.revoked ? "revoked" : null },
    h("td", { text: k.label || "—" }), h("td", { text: k.role }), h("td", { text: k.scope }), h("td", { text: k.created_by || "—" }),
    h("td", { text: k.last_used_at ? fmtTime(k.last_used_at) : "never" }),
    h("td", {}, k.revoked ? "revoked" : h("button", { type: "button", class: "btn btn-small", text: "Revoke", "aria-label": `Revoke ${k.label || k.key_id}`, onclick: () => revokeKey(k) }))));
  clear(body).append(
    h("section", { class: "card", "aria-labelledby": "glance-title" }, h("h3", { id: "glance-title", text: "Every tenant at a glance" }),
      table("tenants-glance", "Tenants", ["Tenant", "Addresses bounced", "Invalid share", "Blocked or blacklisted", "Last bounce"], tenants)),
    h("section", { class: "card", "aria-labelledby": "quarantine-title" }, h("h3", { id: "quarantine-title", text: "Quarantine (return path missing, expired or forged)" }),
      (quarantine.items || []).length ? table("quarantine", "Quarantine", ["Received", "From", "Subject", "Why", ""], inboundRows(quarantine.items)) : h("p", { class: "empty", text: "Nothing in quarantine." })),
    h("section", { class: "card", "aria-labelledby": "unparsed-title" }, h("h3", { id: "unparsed-title", text: "Mail that could not be read" }),
      (unparsed.items || []).length ? table("unparsed", "Unparsed mail", ["Received", "From", "Subject", "Problem", ""], inboundRows(unparsed.items)) : h("p", { class: "empty", text: "No unreadable mail." })),
    h("section", { class: "card", id: "raw-card", hidden: true, "aria-labelledby": "raw-title" }, h("h3", { id: "raw-title", text: "Stored message" }),
      h("p", {}, h("a", { id: "raw-download", text: "Download the message (.eml)" })), h("pre", { id: "raw-text", class: "raw" })),
    h("section", { class: "card", "aria-labelledby": "keys-title" }, h("h3", { id: "keys-title", text: "Machine keys" }),
      table("machine-keys", "Machine keys", ["Label", "Role", "Scope", "Created by", "Last used", ""], keyRows)));
}

// Why a message was kept, in words (the API's problem names the tag check's outcome).
const TAG_PROBLEMS = {
  missing: "No return-path tag: not sent by the MMS, or sent before tags",
  malformed: "The return-path tag is damaged",
  "unknown-key": "Signed with a key Rebound does not know",
  "bad-signature": "The return-path tag is forged or damaged",
  expired: "The return-path tag has expired",
};

function plainProblem(problem) {
  return String(problem || "").replace(/^return-path tag ([a-z-]+)/, (whole, name) => TAG_PROBLEMS[name] || whole);
}

// A stored message for staff: fetched as text and shown in a <pre> through textContent (never
// HTML: bounces quote hostile mail), with a download of the same bytes as an .eml file. One
// place for the quarantine, the unparsed mail and a bounce's history.
async function rawMessage(key, pre, download) {
  const params = new URLSearchParams({ key });
  const text = await (await apiFetch("v1/inbound-raw", { params, accept: "text/plain" })).text();
  pre.textContent = text;
  download.setAttribute("href", "#");
  download.onclick = async (event) => {
    event.preventDefault();
    try {
      const blob = await (await apiFetch("v1/inbound-raw", { params: new URLSearchParams({ key, download: "true" }), accept: "text/plain" })).blob();
      const url = URL.createObjectURL(new Blob([blob], { type: "message/rfc822" }));
      const a = h("a", { href: url, download: `${key.split("/").pop()}.eml`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      const box = h("div", { class: "notice notice-error", role: "alert" });
      showError(box, error);
      download.after(box);
    }
  };
}

async function showRaw(key) {
  try {
    await rawMessage(key, $("raw-text"), $("raw-download"));
    $("raw-card").hidden = false;
    $("raw-card").scrollIntoView({ block: "start" });
  } catch (error) {
    const box = h("div", { class: "notice notice-error", role: "alert" });
    showError(box, error);
    $("staff-body").prepend(box);
  }
}

// A history entry's stored message, opened under its row (staff only: the API names the key
// for staff alone). A second click closes it.
async function toggleHistoryRaw(entry, button) {
  const row = button.closest("tr");
  const open = row.nextElementSibling && row.nextElementSibling.classList.contains("raw-row") ? row.nextElementSibling : null;
  if (open) {
    open.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const pre = h("pre", { class: "raw", "data-testid": "raw-text", tabindex: "0", "aria-label": `Stored message ${entry.message_id}` });
  const download = h("a", { class: "raw-download", "data-testid": "raw-download", text: "Download the message (.eml)" });
  const cell = h("td", { colspan: "7" }, h("p", {}, download), pre);
  const raw = h("tr", { class: "raw-row", "data-message": entry.message_id }, cell);
  row.after(raw);
  button.setAttribute("aria-expanded", "true");
  pre.textContent = "Loading the stored message…";
  try {
    await rawMessage(entry.raw_key, pre, download);
  } catch (error) {
    const box = h("div", { class: "notice notice-error", role: "alert" });
    showError(box, error);
    cell.replaceChildren(box);
  }
}

async function revokeKey(key) {
  if (!(await confirmDialog(`Revoke the key "${key.label || key.key_id}"? Whatever uses it stops working at once.`, { title: "Revoke the key?", yes: "Revoke" }))) return;
  try {
    await apiJson(`v1/keys/${encodeURIComponent(key.scope)}/${encodeURIComponent(key.key_id)}/revoke`, { method: "POST" });
  } catch (error) {
    const box = h("div", { class: "notice notice-error", role: "alert" });
    showError(box, error);
    $("staff-body").prepend(box);
    return;
  }
  loadStaff();
}

// ---------------------------------------------------------------------------- start

function bind() {
  for (const id of ["app", "session", "main", "role", "rows", "history", "confirm"]) ui[id] = $(id);
  Object.assign(ui, {
    signIn: $("sign-in"), signInForm: $("sign-in-form"), signInError: $("sign-in-error"), apiKey: $("api-key"),
    tenantPicker: $("tenant-picker"), tenantName: $("tenant-name"), signOutButton: $("sign-out"),
    tabList: $("tab-list"), tabStats: $("tab-stats"), viewList: $("view-list"), viewStats: $("view-stats"),
    form: $("filters"), risingField: $("rising-field"), listStatus: $("list-status"), listError: $("list-error"),
    listEmpty: $("list-empty"), table: $("bounces"), tableWrap: $("table-wrap"), rows: $("bounce-rows"),
    prev: $("prev"), next: $("next"), pager: $("pager"), pageLabel: $("page-label"), exportButton: $("export"),
    exportStatus: $("export-status"), statsStatus: $("stats-status"), statsError: $("stats-error"),
    statsBody: $("stats-body"), historyTitle: $("history-title"), historyBody: $("history-body"),
    confirmText: $("confirm-text"), flash: $("flash"), who: $("who"),
    bulkBar: $("bulk-bar"), bulkDelete: $("bulk-delete"), selectionStatus: $("selection-status"),
  });
  $("person-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const username = $("signin-username").value.trim();
    const password = $("signin-password").value;
    $("signin-password").value = "";
    if (username && password) signInPerson(username, password);
  });
  $("select-matching").addEventListener("click", selectMatching);
  $("filter-toggle").addEventListener("click", () => setFiltersOpen(ui.form.hidden));
  for (const head of document.querySelectorAll("button.sort-head")) {
    head.addEventListener("click", () => sortBy(head.dataset.sort));
  }
  // Folded on a phone, so the first row shows without scrolling past the filters.
  setFiltersOpen(!window.matchMedia("(max-width: 700px)").matches);
  ui.bulkDelete.addEventListener("click", openMassDelete);
  $("bulk-recheck").addEventListener("click", bulkRecheck);
  $("recheck-close").addEventListener("click", () => $("recheck-panel").close());
  $("md-close").addEventListener("click", () => $("md-panel").close());
  $("md-dry-run").addEventListener("click", mdDryRun);
  $("md-submit").addEventListener("click", mdSubmit);
  $("md-remove-emails").addEventListener("change", () => { $("md-submit").disabled = true; clear($("md-preview")); });
  buildForm();
  ui.signInForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = ui.apiKey.value.trim();
    ui.apiKey.value = "";
    if (key) signIn(key);
  });
  ui.signOutButton.addEventListener("click", () => signOut("You are signed out. Your sign-in was removed from this tab."));
  ui.tenantPicker.addEventListener("change", () => {
    const params = new URLSearchParams(link);
    params.set("tenant", ui.tenantPicker.value);
    go(params);
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = readForm();
    if (link.get("view")) params.set("view", link.get("view"));
    list.key = null; // Apply always reloads from the first page
    go(params);
  });
  ui.form.elements.sort.addEventListener("change", () => {
    ui.risingField.hidden = ui.form.elements.sort.value !== "rising";
  });
  $("reset").addEventListener("click", clearFilters);
  ui.exportButton.addEventListener("click", exportCsv);
  $("copy-link").addEventListener("click", copyLink);
  ui.prev.addEventListener("click", () => {
    if (list.page > 0) { list.page -= 1; loadList(); }
  });
  ui.next.addEventListener("click", () => {
    if (!list.next) return;
    list.cursors[list.page + 1] = list.next;
    list.page += 1;
    loadList();
    ui.table.scrollIntoView({ block: "start" });
  });
  $("history-close").addEventListener("click", () => ui.history.close());
  ui.history.addEventListener("close", () => {
    history_.seq += 1;
    clear(ui.historyBody);
    if (history_.opener && history_.opener.isConnected) history_.opener.focus();
  });
  // a click on the backdrop (outside the panel) closes it
  ui.history.addEventListener("click", (event) => { if (event.target === ui.history) ui.history.close(); });
  window.addEventListener("hashchange", () => {
    link = canonical(readLink());
    render();
  });
}

function start() {
  bind();
  link = canonical(readLink());
  if (location.search) {
    // move query-string links (e.g. from a summary email) into the hash; nothing else is kept
    history.replaceState(null, "", location.pathname + linkHash(link));
  }
  const stored = sessionStorage.getItem(PERSON_STORAGE);
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (stored) {
    try {
      session.person = JSON.parse(stored);
      signInPerson(null, null);
    } catch {
      sessionStorage.removeItem(PERSON_STORAGE);
      showSignIn();
    }
  } else if (key) signIn(key);
  else showSignIn();
}

start();
