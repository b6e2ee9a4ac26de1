// A small, independent ActivityPub peer built on Fedify, for Amity's interop tests.
//
//   node peer.mjs --port PORT [--rsa-bits 2048|4096]
//
// listens on 127.0.0.1 and prints "READY http://localhost:PORT" on stdout when it serves.
//
// One actor, `alice` (a Person with an RSA key for HTTP/LD signatures and an Ed25519 key for
// object integrity proofs). Everything it receives is kept in an in-memory log; what it sends
// is driven by plain-JSON control routes under /_control/ (see README.md next to this file).
// No message queue is configured, so Fedify processes inbox POSTs inline (listeners run before
// the 202) and `sendActivity` performs the POSTs before it resolves.

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";

import {
  Accept,
  Activity,
  Announce,
  Collection,
  Create,
  Delete,
  Endpoints,
  Emoji,
  Follow,
  Hashtag,
  Image,
  LanguageString,
  Like,
  MemoryKvStore,
  Mention,
  Note,
  Object as APObject,
  Person,
  PUBLIC_COLLECTION,
  Question,
  Reject,
  Tombstone,
  Undo,
  Update,
  createFederation,
  generateCryptoKeyPair,
  isActor,
  parseSemVer,
  signRequest,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { configure, defaultTextFormatter } from "@logtape/logtape";

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    // Fedify's generateCryptoKeyPair() makes RSA-4096 keys, which take 2-8 s to generate here;
    // 2048 (Mastodon's size) starts in about a second. Pass --rsa-bits 4096 for Fedify's default.
    "rsa-bits": { type: "string", default: "2048" },
  },
});
const PORT = Number.parseInt(args.port ?? "", 10);
if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  process.stderr.write("usage: node peer.mjs --port PORT\n");
  process.exit(2);
}
const RSA_BITS = Number.parseInt(args["rsa-bits"], 10);
if (![2048, 3072, 4096].includes(RSA_BITS)) {
  process.stderr.write("--rsa-bits must be 2048, 3072 or 4096\n");
  process.exit(2);
}
const ORIGIN = `http://localhost:${PORT}`;
const USER = "alice";
const PUBLIC = PUBLIC_COLLECTION.href;
const AS2 = "application/activity+json";

// ---------------------------------------------------------------------------------------------
// Logging: Fedify logs through LogTape. Keep the last records in memory (GET /_control/fedify-log)
// and copy those at PEER_LOG level or above (default: warning) to stderr.

const FEDIFY_LOG_MAX = 2000;
const LEVELS = ["debug", "info", "warning", "error", "fatal"];
const stderrLevel = LEVELS.indexOf(process.env.PEER_LOG ?? "warning");
const fedifyLog = [];
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: {
    memory(record) {
      fedifyLog.push(record);
      if (fedifyLog.length > FEDIFY_LOG_MAX) fedifyLog.splice(0, fedifyLog.length - FEDIFY_LOG_MAX);
    },
    stderr(record) {
      if (LEVELS.indexOf(record.level) >= stderrLevel) process.stderr.write(defaultTextFormatter(record));
    },
  },
  loggers: [
    { category: "fedify", lowestLevel: "debug", sinks: ["memory", "stderr"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  ],
});

// ---------------------------------------------------------------------------------------------
// State. `reset` clears everything but alice's keys (so remote caches of her key stay valid).

class ResettableKv {
  #store = new MemoryKvStore();
  get(key) { return this.#store.get(key); }
  set(key, value, options) { return this.#store.set(key, value, options); }
  delete(key) { return this.#store.delete(key); }
  clear() { this.#store = new MemoryKvStore(); }
}

const DEFAULT_CONFIG = Object.freeze({
  auto_accept: "accept", // "accept" | "reject" | "none": answer to incoming Follows
  signed_fetch: false, // sign the GETs alice makes to resolve actors/objects in control routes
});

function freshState() {
  return {
    log: [], // received activities, in order
    sent: [], // activities alice sent, with their delivery results
    sentById: new Map(), // activity id -> { activity (Fedify object), recipients }
    followers: new Map(), // actor id -> { id, inbox, shared_inbox, follow }
    following: new Map(), // actor id -> { follow, state: "pending" | "accepted" | "rejected" }
    notes: new Map(), // note id -> { note (Fedify object), create (Fedify object) }
    name: "Alice",
    config: { ...DEFAULT_CONFIG },
    seq: 0,
  };
}

let state = freshState();
const kv = new ResettableKv();
const rsaKeys = await crypto.subtle.generateKey(
  { name: "RSASSA-PKCS1-v1_5", modulusLength: RSA_BITS, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
  true,
  ["sign", "verify"],
);
const ed25519Keys = await generateCryptoKeyPair("Ed25519");

// ---------------------------------------------------------------------------------------------
// Federation.

const federation = createFederation({
  kv,
  origin: ORIGIN,
  allowPrivateAddress: true, // loopback peers; tests only
  userAgent: { software: "amity-interop-fedify-peer/0.1" },
});

async function buildAlice(ctx) {
  const keys = await ctx.getActorKeyPairs(USER);
  return new Person({
    id: ctx.getActorUri(USER),
    preferredUsername: USER,
    name: state.name,
    summary: "<p>Fedify interop peer</p>",
    url: new URL(`/@${USER}`, ORIGIN),
    inbox: ctx.getInboxUri(USER),
    outbox: ctx.getOutboxUri(USER),
    followers: ctx.getFollowersUri(USER),
    following: ctx.getFollowingUri(USER),
    endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    manuallyApprovesFollowers: state.config.auto_accept !== "accept",
    discoverable: true,
    publicKey: keys[0].cryptographicKey, // the RSA key, id …#main-key
    assertionMethods: keys.map((k) => k.multikey), // RSA (#main-key) and Ed25519 (#key-2)
  });
}

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) =>
    identifier === USER ? await buildAlice(ctx) : null)
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === USER ? [rsaKeys, ed25519Keys] : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier, _cursor, filter) => {
  if (identifier !== USER) return null;
  let items = [...state.followers.values()].map(toRecipient);
  if (filter != null) items = items.filter((r) => r.id.origin === filter.origin);
  return { items };
});

federation.setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
  if (identifier !== USER) return null;
  const items = [...state.following.entries()]
    .filter(([, f]) => f.state === "accepted")
    .map(([id]) => new URL(id));
  return { items };
});

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
  if (identifier !== USER) return null;
  return { items: [...state.notes.values()].map((n) => n.create).reverse() };
});

federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
  if (values.identifier !== USER) return null;
  const url = ctx.getObjectUri(Note, values).href;
  return state.notes.get(url)?.note ?? null;
});

federation.setObjectDispatcher(Question, "/users/{identifier}/questions/{id}", (ctx, values) => {
  if (values.identifier !== USER) return null;
  const url = ctx.getObjectUri(Question, values).href;
  return state.notes.get(url)?.note ?? null;
});

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "amity-fedify-peer", version: parseSemVer("0.1.0") },
  protocols: ["activitypub"],
  openRegistrations: false,
  usage: { users: { total: 1 }, localPosts: state.notes.size, localComments: 0 },
}));

// ---------------------------------------------------------------------------------------------
// Inbox: record everything; answer Follows; track Accept/Reject of alice's Follows and Undo of
// follows of alice. Listener errors are recorded, never thrown (a throw would make Fedify
// answer 500 and the sender retry).

function signatureKeyId(headers) {
  const sig = headers.signature;
  if (typeof sig !== "string") return null;
  const m = /(?:^|,)\s*keyId\s*=\s*"([^"]*)"/.exec(sig);
  return m ? m[1] : null;
}

function pickHeaders(headers) {
  const out = {};
  for (const name of ["host", "date", "digest", "content-type", "signature", "signature-input",
    "content-digest", "user-agent"]) {
    if (headers[name] != null) out[name] = headers[name];
  }
  return out;
}

function idOf(value) {
  if (typeof value === "string") return value;
  if (value != null && typeof value === "object" && typeof value.id === "string") return value.id;
  return null;
}

function typeOf(value) {
  if (value != null && typeof value === "object") {
    return Array.isArray(value.type) ? value.type[0] : (value.type ?? null);
  }
  return null;
}

async function record(ctx, activity) {
  const req = ctx.data?.request ?? {};
  let raw = null;
  try {
    raw = JSON.parse(req.body ?? "null");
  } catch {
    raw = req.body ?? null;
  }
  const entry = {
    seq: ++state.seq,
    received_at: new Date().toISOString(),
    type: typeOf(raw) ?? activity.constructor.name,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: raw != null && typeof raw === "object" ? idOf(raw.object) : null,
    object_type: raw != null && typeof raw === "object" ? typeOf(raw.object) : null,
    signer: signatureKeyId(req.headers ?? {}), // keyId of the HTTP signature Fedify verified
    ld_signature: raw != null && typeof raw === "object" && raw.signature != null,
    proof: raw != null && typeof raw === "object" && raw.proof != null,
    recipient: ctx.recipient ?? null, // "alice" for her inbox, null for the shared inbox
    path: req.path ?? null,
    headers: pickHeaders(req.headers ?? {}),
    activity: await activity.toJsonLd({ contextLoader: ctx.contextLoader }),
    raw,
    reply: null,
    error: null,
  };
  state.log.push(entry);
  return entry;
}

function toRecipient(entry) {
  return {
    id: new URL(entry.id),
    inboxId: new URL(entry.inbox),
    endpoints: entry.shared_inbox ? { sharedInbox: new URL(entry.shared_inbox) } : null,
  };
}

function actorToEntry(actor) {
  if (actor.id == null || actor.inboxId == null) {
    throw new Error(`actor ${actor.id?.href ?? "(no id)"} has no id or no inbox`);
  }
  return {
    id: actor.id.href,
    inbox: actor.inboxId.href,
    shared_inbox: actor.endpoints?.sharedInbox?.href ?? null,
    username: actor.preferredUsername?.toString() ?? null,
  };
}

async function onFollow(ctx, follow) {
  const entry = await record(ctx, follow);
  if (follow.objectId?.href !== ctx.getActorUri(USER).href) {
    entry.error = "Follow is not for alice; ignored";
    return;
  }
  const mode = state.config.auto_accept;
  if (mode === "none") return;
  try {
    const actor = await follow.getActor(ctx);
    if (actor == null || !isActor(actor)) throw new Error("cannot resolve the follower actor");
    const follower = actorToEntry(actor);
    const Reply = mode === "reject" ? Reject : Accept;
    const reply = new Reply({
      id: newActivityId(),
      actor: ctx.getActorUri(USER),
      object: follow,
      to: new URL(follower.id),
    });
    if (mode === "accept") state.followers.set(follower.id, { ...follower, follow: follow.id?.href ?? null });
    // Accept/Reject go to the follower's personal inbox, as Mastodon does.
    entry.reply = await sendAndRecord(ctx, reply, [follower], { preferSharedInbox: false });
  } catch (error) {
    entry.error = describe(error);
  }
}

async function onAcceptOrReject(ctx, activity) {
  const entry = await record(ctx, activity);
  const followId = entry.object;
  for (const [target, f] of state.following) {
    if (f.follow === followId || (followId == null && target === entry.actor)) {
      f.state = activity instanceof Accept ? "accepted" : "rejected";
    }
  }
}

async function onUndo(ctx, undo) {
  const entry = await record(ctx, undo);
  const raw = entry.raw ?? {};
  const follower = state.followers.get(entry.actor);
  if (follower != null && (typeOf(raw.object) === "Follow" || entry.object === follower.follow)) {
    state.followers.delete(entry.actor);
  }
}

async function onOther(ctx, activity) {
  const entry = await record(ctx, activity);
  // An account's Delete of itself: drop it from alice's followers and following, as servers do.
  const actorId = activity.actorId?.href;
  if (activity instanceof Delete && actorId != null && activity.objectId?.href === actorId) {
    entry.dropped_account = state.followers.delete(actorId) | state.following.delete(actorId);
  }
  if (activity instanceof Create || activity instanceof Update) {
    try {
      entry.object_fields = await describeObject(ctx, activity);
    } catch (error) {
      entry.error = `cannot read the object: ${describe(error)}`;
    }
  }
}

// What Fedify understood of a received post, field by field (its own model, not our JSON):
// every content and summary with its language, sensitivity, the tags with their kinds, and the
// attachments with their media type, URL, description and size.
async function describeObject(ctx, activity) {
  const object = await activity.getObject({ contextLoader: ctx.contextLoader });
  if (object == null || !(object instanceof Note)) return null;
  const languageOf = (value) => (value instanceof LanguageString ? value.language.toString() : null);
  const tags = [];
  for await (const tag of object.getTags({ contextLoader: ctx.contextLoader })) {
    const entry = { type: tag.constructor.name, name: tag.name?.toString() ?? null, href: tag.href?.href ?? null,
      id: tag.id?.href ?? null };
    if (tag instanceof Emoji) {
      const icon = await tag.getIcon({ contextLoader: ctx.contextLoader });
      entry.icon_url = icon?.url?.href ?? null;
      entry.icon_media_type = icon?.mediaType ?? null;
      entry.updated = tag.updated?.toString() ?? null;
    }
    tags.push(entry);
  }
  const attachments = [];
  for await (const item of object.getAttachments({ contextLoader: ctx.contextLoader })) {
    attachments.push({ type: item.constructor.name, media_type: item.mediaType ?? null,
      url: item.url?.href ?? null, name: item.name?.toString() ?? null,
      width: item.width ?? null, height: item.height ?? null });
  }
  return {
    id: object.id?.href ?? null,
    attachments,
    contents: object.contents.map((c) => ({ value: String(c), language: languageOf(c) })),
    summaries: object.summaries.map((s) => ({ value: String(s), language: languageOf(s) })),
    sensitive: object.sensitive,
    tags,
  };
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, onFollow)
  .on(Accept, onAcceptOrReject)
  .on(Reject, onAcceptOrReject)
  .on(Undo, onUndo)
  .on(Activity, onOther) // Create, Update, Delete, Announce, Like, Block, Move and any other
  .onError((_ctx, error) => {
    process.stderr.write(`inbox listener error: ${error?.stack ?? error}\n`);
  });

// ---------------------------------------------------------------------------------------------
// Sending.

// A control-route failure with its HTTP status.
class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// An error's message with its cause (Node's fetch says only "fetch failed" without it).
function describe(error) {
  const message = String(error?.message ?? error);
  const cause = error?.cause;
  if (cause == null) return message;
  return `${message} (${cause.code ?? ""}${cause.code && cause.message ? ": " : ""}${cause.message ?? ""})`;
}

function newActivityId() {
  return new URL(`/activities/${randomUUID()}`, ORIGIN);
}

function controlContext() {
  return federation.createContext(new URL(ORIGIN), { request: null });
}

async function loaderFor(ctx) {
  return state.config.signed_fetch ? await ctx.getDocumentLoader({ identifier: USER }) : ctx.documentLoader;
}

// WebFinger over plain http (Fedify's own acct: lookups insist on https).
async function webfinger(handle) {
  const m = /^(?:acct:)?@?([^@/\s]+)@([^@/\s]+)$/.exec(handle);
  if (!m) throw new Error(`not a handle: ${handle}`);
  const url = `http://${m[2]}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${m[1]}@${m[2]}`)}`;
  const res = await fetch(url, { headers: { Accept: "application/jrd+json, application/json" } });
  if (!res.ok) throw new Error(`WebFinger ${url} answered ${res.status}`);
  const jrd = await res.json();
  const link = (jrd.links ?? []).find((l) => l.rel === "self" &&
    (l.type === AS2 || /^application\/ld\+json/.test(l.type ?? "")));
  if (!link?.href) throw new Error(`WebFinger ${url} has no self link`);
  return link.href;
}

async function resolveObject(ctx, target) {
  let url = String(target);
  if (!/^https?:\/\//.test(url)) url = await webfinger(url);
  const documentLoader = await loaderFor(ctx);
  const { document } = await documentLoader(url); // throws FetchError with the HTTP status
  return await APObject.fromJsonLd(document, { documentLoader, contextLoader: ctx.contextLoader });
}

async function resolveActor(ctx, target) {
  const existing = state.followers.get(String(target));
  if (existing) return existing;
  let actor;
  try {
    actor = await resolveObject(ctx, target);
  } catch (error) {
    throw new HttpError(502, `cannot resolve ${target}: ${describe(error)}`);
  }
  if (!isActor(actor)) throw new HttpError(502, `${target} is not an actor (got ${actor?.constructor?.name})`);
  return actorToEntry(actor);
}

// Deliver `activity` to `recipients` (entries from actorToEntry), one POST per distinct inbox,
// each reported separately. Fedify has no queue here, so every POST is done when this returns.
async function deliver(ctx, activity, recipients, { preferSharedInbox = true } = {}) {
  const groups = new Map();
  const seen = new Set();
  for (const r of recipients) {
    if (seen.has(r.id) || new URL(r.id).origin === ORIGIN) continue;
    seen.add(r.id);
    const inbox = preferSharedInbox && r.shared_inbox ? r.shared_inbox : r.inbox;
    if (!groups.has(inbox)) groups.set(inbox, []);
    groups.get(inbox).push(r);
  }
  return await Promise.all([...groups].map(async ([inbox, rs]) => {
    const result = { inbox, actors: rs.map((r) => r.id), ok: true, error: null };
    try {
      await ctx.sendActivity({ identifier: USER }, rs.map(toRecipient), activity, {
        preferSharedInbox,
        immediate: true,
      });
    } catch (error) {
      result.ok = false;
      result.error = describe(error);
    }
    return result;
  }));
}

async function sendAndRecord(ctx, activity, recipients, options = {}) {
  const deliveries = await deliver(ctx, activity, recipients, options);
  const json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  const sent = {
    id: activity.id.href,
    type: json.type ?? activity.constructor.name,
    activity: json,
    deliveries,
    ok: deliveries.every((d) => d.ok),
  };
  state.sent.push(sent);
  state.sentById.set(sent.id, { activity, recipients, options });
  return sent;
}

async function resolveAll(ctx, targets) {
  const out = [];
  for (const t of targets) out.push(await resolveActor(ctx, t));
  return out;
}

function asList(value) {
  if (value == null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function asObjects(value) {
  if (value == null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v != null && typeof v === "object");
}

function expandAudience(ctx, value) {
  return asList(value).map((v) => {
    if (v === "public" || v === "as:Public" || v === "Public") return PUBLIC;
    if (v === "followers") return ctx.getFollowersUri(USER).href;
    return v;
  });
}

// Actor URLs to deliver to for an audience: the public collection is skipped, alice's followers
// collection becomes her recorded followers, anything else is taken as an actor.
async function audienceRecipients(ctx, urls) {
  const followersUri = ctx.getFollowersUri(USER).href;
  const actors = [];
  for (const url of urls) {
    if (url === PUBLIC) continue;
    if (url === followersUri) actors.push(...state.followers.values());
    else actors.push(await resolveActor(ctx, url));
  }
  return actors;
}

async function authorOf(ctx, objectUrl) {
  let object;
  try {
    object = await resolveObject(ctx, objectUrl);
  } catch (error) {
    throw new HttpError(502, `cannot resolve ${objectUrl}: ${describe(error)}`);
  }
  const author = object?.attributionId?.href ?? null;
  return author ? await resolveActor(ctx, author) : null;
}

// ---------------------------------------------------------------------------------------------
// Control routes.

function need(body, name) {
  const value = body[name];
  if (value == null || value === "") throw new HttpError(400, `missing "${name}"`);
  return value;
}

const control = {
  "GET /_control/log": () => state.log,
  "GET /_control/sent": () => state.sent,
  "GET /_control/state": (ctx) => ({
    origin: ORIGIN,
    actor: ctx.getActorUri(USER).href,
    name: state.name,
    config: state.config,
    followers: [...state.followers.values()],
    following: [...state.following.entries()].map(([id, f]) => ({ id, ...f })),
    notes: [...state.notes.keys()],
  }),
  "GET /_control/fedify-log": () => fedifyLog.map((r) => defaultTextFormatter(r).trimEnd()),
  "POST /_control/reset": () => {
    state = freshState();
    kv.clear();
    fedifyLog.length = 0;
    return { ok: true };
  },
  "POST /_control/config": (_ctx, body) => {
    for (const key of Object.keys(body)) {
      if (!(key in DEFAULT_CONFIG)) throw new HttpError(400, `unknown setting "${key}"`);
    }
    if ("auto_accept" in body && !["accept", "reject", "none"].includes(body.auto_accept)) {
      throw new HttpError(400, 'auto_accept must be "accept", "reject" or "none"');
    }
    if ("signed_fetch" in body && typeof body.signed_fetch !== "boolean") {
      throw new HttpError(400, "signed_fetch must be a boolean");
    }
    Object.assign(state.config, body);
    return state.config;
  },
  "POST /_control/follow": async (ctx, body) => {
    const target = await resolveActor(ctx, need(body, "target"));
    const follow = new Follow({
      id: newActivityId(),
      actor: ctx.getActorUri(USER),
      object: new URL(target.id),
      to: new URL(target.id),
    });
    state.following.set(target.id, { follow: follow.id.href, state: "pending" });
    return await sendAndRecord(ctx, follow, [target], { preferSharedInbox: false });
  },
  "POST /_control/unfollow": async (ctx, body) => {
    const target = await resolveActor(ctx, need(body, "target"));
    const f = state.following.get(target.id);
    if (f == null) throw new HttpError(409, `alice does not follow ${target.id}`);
    const sent = await undo(ctx, f.follow);
    state.following.delete(target.id);
    return sent;
  },
  "POST /_control/post": async (ctx, body) => {
    const content = need(body, "content");
    const to = expandAudience(ctx, body.to ?? [PUBLIC]);
    const cc = expandAudience(ctx, body.cc ?? (body.to == null ? [ctx.getFollowersUri(USER).href] : []));
    const mentioned = await resolveAll(ctx, asList(body.mentions));
    for (const m of mentioned) if (!to.includes(m.id) && !cc.includes(m.id)) cc.push(m.id);
    const poll = body.poll ?? null; // {options: [names], multiple?: bool, end_time: ISO string}
    const noteId = new URL(`/users/${USER}/${poll ? "questions" : "notes"}/${randomUUID()}`, ORIGIN);
    const published = Temporal.Now.instant();
    const noteFields = {
      id: noteId,
      attribution: ctx.getActorUri(USER),
      content,
      url: noteId,
      published,
      tos: to.map((u) => new URL(u)),
      ccs: cc.map((u) => new URL(u)),
      replyTarget: body.inReplyTo ? new URL(body.inReplyTo) : null,
      tags: mentioned.map((m) => new Mention({
        href: new URL(m.id),
        name: `@${m.username ?? "unknown"}@${new URL(m.id).host}`,
      })),
    };
    if (body.summary) noteFields.summary = body.summary;
    // Language versions and Hashtag/Emoji tags, as Mastodon and GoToSocial send them.
    if (body.contentMap) {
      noteFields.contents = [content, ...Object.entries(body.contentMap).map(([l, v]) => new LanguageString(v, l))];
      delete noteFields.content;
    }
    if (body.summaryMap) {
      noteFields.summaries = [...(body.summary ? [body.summary] : []),
        ...Object.entries(body.summaryMap).map(([l, v]) => new LanguageString(v, l))];
      delete noteFields.summary;
    }
    for (const h of asObjects(body.hashtags)) {
      noteFields.tags.push(new Hashtag({ name: h.name, href: h.href ? new URL(h.href) : null }));
    }
    for (const e of asObjects(body.emojis)) {
      noteFields.tags.push(new Emoji({
        id: new URL(e.id), name: e.name, updated: e.updated ? Temporal.Instant.from(e.updated) : null,
        icon: new Image({ url: new URL(e.url), mediaType: e.mediaType ?? "image/png" }),
      }));
    }
    if (body.sensitive != null) noteFields.sensitive = Boolean(body.sensitive);
    if (poll) {
      const options = asList(poll.options).map((name) =>
        new Note({ name, replies: new Collection({ totalItems: 0 }) }));
      noteFields[poll.multiple ? "inclusiveOptions" : "exclusiveOptions"] = options;
      noteFields.endTime = Temporal.Instant.from(need(poll, "end_time"));
      noteFields.voters = 0;
    }
    const note = poll ? new Question(noteFields) : new Note(noteFields);
    const create = new Create({
      id: new URL(`${noteId.href}/activity`),
      actor: ctx.getActorUri(USER),
      object: note,
      published,
      tos: noteFields.tos,
      ccs: noteFields.ccs,
    });
    state.notes.set(noteId.href, { note, create });
    const recipients = await audienceRecipients(ctx, [...to, ...cc]);
    const sent = await sendAndRecord(ctx, create, recipients, { preferSharedInbox: body.shared_inbox !== false });
    return { ...sent, note_id: noteId.href };
  },
  // A vote as Mastodon sends it: one Create(Note{name, inReplyTo}) per choice, to the poll's author.
  "POST /_control/vote": async (ctx, body) => {
    const question = need(body, "question");
    const author = await authorOf(ctx, question);
    if (author == null) throw new HttpError(502, `${question} has no author`);
    const sent = [];
    for (const name of asList(need(body, "choices"))) {
      const noteId = new URL(`${ctx.getActorUri(USER).href}#votes/${randomUUID()}`);
      const vote = new Note({
        id: noteId,
        name,
        attribution: ctx.getActorUri(USER),
        replyTarget: new URL(question),
        to: new URL(author.id),
      });
      const create = new Create({
        id: new URL(`${noteId.href}/activity`),
        actor: ctx.getActorUri(USER),
        object: vote,
        to: new URL(author.id),
      });
      sent.push(await sendAndRecord(ctx, create, [author], { preferSharedInbox: false }));
    }
    return { ok: sent.every((s) => s.ok), votes: sent };
  },
  "POST /_control/like": async (ctx, body) => {
    const object = need(body, "object");
    const recipients = body.to != null ? await resolveAll(ctx, asList(body.to)) : [await authorOf(ctx, object)];
    const like = new Like({
      id: newActivityId(),
      actor: ctx.getActorUri(USER),
      object: new URL(object),
      tos: recipients.filter(Boolean).map((r) => new URL(r.id)),
    });
    return await sendAndRecord(ctx, like, recipients.filter(Boolean));
  },
  "POST /_control/announce": async (ctx, body) => {
    const object = need(body, "object");
    const author = body.to != null ? null : await authorOf(ctx, object);
    const extra = body.to != null ? await resolveAll(ctx, asList(body.to)) : [author].filter(Boolean);
    const announce = new Announce({
      id: newActivityId(),
      actor: ctx.getActorUri(USER),
      object: new URL(object),
      published: Temporal.Now.instant(),
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(USER), ...extra.map((r) => new URL(r.id))],
    });
    return await sendAndRecord(ctx, announce, [...state.followers.values(), ...extra]);
  },
  "POST /_control/undo": async (ctx, body) => await undo(ctx, need(body, "activity")),
  "POST /_control/delete": async (ctx, body) => {
    const objectId = need(body, "object");
    const stored = state.notes.get(objectId);
    if (stored == null) throw new HttpError(404, `no note ${objectId}`);
    const original = state.sentById.get(stored.create.id.href);
    state.notes.delete(objectId);
    const del = new Delete({
      id: new URL(`${objectId}#delete`),
      actor: ctx.getActorUri(USER),
      object: new Tombstone({ id: new URL(objectId) }),
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(USER)],
    });
    const recipients = [...(original?.recipients ?? []), ...state.followers.values()];
    return await sendAndRecord(ctx, del, recipients, original?.options);
  },
  "POST /_control/update-profile": async (ctx, body) => {
    state.name = String(need(body, "name"));
    const update = new Update({
      id: newActivityId(),
      actor: ctx.getActorUri(USER),
      object: await buildAlice(ctx),
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(USER)],
    });
    const extra = await resolveAll(ctx, asList(body.to));
    return await sendAndRecord(ctx, update, [...state.followers.values(), ...extra]);
  },
  "POST /_control/fetch": async (ctx, body) => {
    const url = need(body, "url");
    let request = new Request(url, {
      headers: { Accept: body.accept ?? `${AS2}, application/ld+json` },
      redirect: "manual",
    });
    if (body.signed) {
      const [rsa] = await ctx.getActorKeyPairs(USER);
      request = await signRequest(request, rsa.privateKey, rsa.keyId);
    }
    let response;
    try {
      response = await fetch(request, { redirect: "manual" });
    } catch (error) {
      throw new HttpError(502, `GET ${url} failed: ${describe(error)}`);
    }
    const text = await response.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: return the text
    }
    return {
      status: response.status,
      content_type: response.headers.get("content-type"),
      location: response.headers.get("location"),
      body: parsed,
    };
  },
};

async function undo(ctx, activityId) {
  const original = state.sentById.get(activityId);
  if (original == null) throw new HttpError(404, `alice sent no activity ${activityId}`);
  const { activity, recipients, options } = original;
  const undoActivity = new Undo({
    id: newActivityId(),
    actor: ctx.getActorUri(USER),
    object: activity,
    tos: activity.toIds,
    ccs: activity.ccIds,
  });
  for (const [target, f] of state.following) if (f.follow === activityId) state.following.delete(target);
  return await sendAndRecord(ctx, undoActivity, recipients, options);
}

async function handleControl(method, path, bodyText) {
  const route = control[`${method} ${path}`];
  if (route == null) return [404, { error: `no control route ${method} ${path}` }];
  let body = {};
  if (method === "POST" && bodyText.length > 0) {
    try {
      body = JSON.parse(bodyText);
    } catch {
      return [400, { error: "body is not JSON" }];
    }
    if (body == null || typeof body !== "object" || Array.isArray(body)) {
      return [400, { error: "body must be a JSON object" }];
    }
  }
  try {
    return [200, await route(controlContext(), body)];
  } catch (error) {
    if (error instanceof HttpError) return [error.status, { error: error.message }];
    return [500, { error: describe(error), stack: error?.stack ?? null }];
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP glue: node:http -> Fetch API Request -> federation.fetch -> node:http.

function toHeaders(nodeHeaders) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(nodeHeaders)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value != null) headers.set(name, value);
  }
  return headers;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sendJson(res, status, value) {
  const data = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(data);
}

const server = http.createServer(async (req, res) => {
  try {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? `localhost:${PORT}`}`);
    if (url.pathname.startsWith("/_control/")) {
      const [status, value] = await handleControl(req.method ?? "GET", url.pathname, body.toString("utf8"));
      sendJson(res, status, value);
      return;
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(url, {
      method: req.method,
      headers: toHeaders(req.headers),
      body: hasBody ? body : undefined,
    });
    const contextData = {
      request: { path: req.url, headers: req.headers, body: body.toString("utf8") },
    };
    const response = await federation.fetch(request, {
      contextData,
      onNotFound: () => new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain" } }),
      onNotAcceptable: () =>
        new Response("Not acceptable", { status: 406, headers: { "Content-Type": "text/plain", Vary: "Accept" } }),
    });
    const headers = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const payload = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, headers);
    res.end(payload);
  } catch (error) {
    process.stderr.write(`request error: ${error?.stack ?? error}\n`);
    if (!res.headersSent) sendJson(res, 500, { error: String(error?.message ?? error) });
    else res.end();
  }
});

server.on("error", (error) => {
  process.stderr.write(`server error: ${error?.stack ?? error}\n`);
  process.exit(1);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}

server.listen(PORT, args.host, () => {
  process.stdout.write(`READY ${ORIGIN}\n`);
});
