// Checks, in the browser, that a record entry is in the tree the log signed.
//
// For the entry's stored bytes it computes the RFC 9162 leaf hash SHA-256(0x00 || bytes),
// folds the inclusion proof with node hashes SHA-256(0x01 || left || right) up to a root,
// compares that root and the tree size with the signed checkpoint (a C2SP tlog-checkpoint),
// and checks the checkpoint's Ed25519 signature with the log's key (signed-note key ID:
// SHA-256(name || 0x0A || 0x01 || public key)[:4]). Everything uses Web Crypto; nothing the
// server says is taken on trust except the key, which the page asks the reader to compare.
(function () {
  "use strict";

  var messages = {};
  var encoder = new TextEncoder();

  function fail(reason) {
    var error = new Error(reason);
    error.verification = true;
    return error;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

  function fromBase64(text) {
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) total += arguments[i].length;
    var out = new Uint8Array(total), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  function toHex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function leafHash(content) { return sha256(concat(new Uint8Array([0]), content)); }
  function nodeHash(left, right) { return sha256(concat(new Uint8Array([1]), left, right)); }

  // RFC 9162 section 2.1.3.2: the root an inclusion proof leads to, or an error.
  async function rootFromProof(index, size, leaf, proof) {
    var fn = BigInt(index), sn = BigInt(size) - 1n, r = leaf;
    if (fn > sn) throw fail(messages.proofFailed);
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (p.length !== 32 || sn === 0n) throw fail(messages.proofFailed);
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n; sn >>= 1n;
    }
    if (sn !== 0n) throw fail(messages.proofFailed);
    return r;
  }

  // A signed note: its text (ending in a newline), then a blank line and signature lines.
  function parseNote(note) {
    var split = note.indexOf("\n\n");
    if (split < 0) throw fail(messages.checkpointMismatch);
    var text = note.slice(0, split + 1);
    var lines = note.slice(split + 2).split("\n").filter(function (line) { return line; });
    var signatures = lines.map(function (line) {
      var match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match) throw fail(messages.checkpointMismatch);
      var raw = fromBase64(match[2]);
      return { name: match[1], keyId: raw.slice(0, 4), signature: raw.slice(4) };
    });
    var parts = text.split("\n");
    return { text: text, origin: parts[0], size: parts[1], root: parts[2], signatures: signatures };
  }

  // A verifier key "<name>+<hex key ID>+<base64(0x01 || public key)>". The name holds no "+",
  // but the base64 may: split at the first two only.
  async function parseKey(vkey) {
    var text = vkey.trim();
    var first = text.indexOf("+");
    var second = text.indexOf("+", first + 1);
    if (first <= 0 || second < 0) throw fail(messages.keyMalformed);
    var name = text.slice(0, first);
    var material = fromBase64(text.slice(second + 1));
    if (material.length !== 33 || material[0] !== 1) throw fail(messages.keyMalformed);
    var keyId = (await sha256(concat(encoder.encode(name + "\n"), material))).slice(0, 4);
    if (toHex(keyId) !== text.slice(first + 1, second)) throw fail(messages.keyMalformed);
    return { name: name, keyId: keyId, publicKey: material.slice(1) };
  }

  // True or false when Web Crypto could check the signature; null when it has no Ed25519.
  async function ed25519Verifies(publicKey, signature, message) {
    var key;
    try {
      key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      if (error && error.name === "NotSupportedError") return null;
      throw fail(messages.keyMalformed);
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  }

  async function verify(index, data) {
    var checked = [];
    var content = fromBase64(data.content);
    var leaf;
    if (data.redacted) {
      leaf = fromBase64(data.leaf_hash);
      checked.push(messages.leafRedacted);
    } else {
      leaf = await leafHash(content);
      if (!equal(leaf, fromBase64(data.leaf_hash))) throw fail(messages.leafMismatch);
      var entry = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(content));
      if (entry.index !== index) throw fail(messages.indexMismatch);
      checked.push(messages.leaf);
    }
    var root = await rootFromProof(index, data.size, leaf, data.proof.map(fromBase64));
    if (!equal(root, fromBase64(data.root))) throw fail(messages.proofFailed);
    checked.push(format(messages.proof, { size: data.size }));
    if (!data.checkpoint) {
      checked.push(messages.unsigned);
      return { checked: checked, complete: false };
    }
    var note = parseNote(data.checkpoint);
    if (note.size !== String(data.size) || !equal(fromBase64(note.root), root)) {
      throw fail(messages.checkpointMismatch);
    }
    checked.push(messages.checkpointRoot);
    if (!data.public_key) {
      checked.push(messages.noKey);
      return { checked: checked, complete: false };
    }
    var key = await parseKey(data.public_key);
    if (note.origin !== key.name) throw fail(messages.checkpointMismatch);
    var line = note.signatures.find(function (s) { return s.name === key.name && equal(s.keyId, key.keyId); });
    if (!line) throw fail(format(messages.noSignature, { key: data.public_key }));
    var verdict = await ed25519Verifies(key.publicKey, line.signature, encoder.encode(note.text));
    if (verdict === null) {
      checked.push(messages.noEd25519);
      return { checked: checked, complete: false };
    }
    if (!verdict) throw fail(format(messages.signatureFailed, { key: data.public_key }));
    checked.push(format(messages.signature, { key: data.public_key }));
    checked.push(messages.compareKey);
    return { checked: checked, complete: true };
  }

  // The result in a box: a verdict, then what was checked, one line each. ``outcome`` goes
  // to data-outcome (tests read it); ``failed`` picks the styling.
  function showResult(box, outcome, failed, verdict, lines) {
    box.className = "verify-result " + (failed ? "failed" : "ok");
    box.dataset.outcome = outcome;
    box.replaceChildren();
    var head = document.createElement("p");
    head.className = "verdict";
    head.textContent = verdict;
    box.appendChild(head);
    if (lines.length) {
      var list = document.createElement("ul");
      lines.forEach(function (text) {
        var item = document.createElement("li");
        item.textContent = text;
        list.appendChild(item);
      });
      box.appendChild(list);
    }
  }

  function show(output, ok, verdict, lines) {
    showResult(output, ok ? "verified" : "failed", !ok, verdict, lines);
  }

  async function onClick(event) {
    var button = event.currentTarget;
    var index = Number(button.dataset.index);
    var output = document.getElementById("verify-" + index);
    var fetched = false;
    button.disabled = true;
    output.className = "verify-result";
    output.textContent = messages.checking;
    try {
      var response = await fetch(button.dataset.proof, { headers: { Accept: "application/json" } });
      if (!response.ok) throw fail(messages.network);
      var data = await response.json();
      fetched = true;
      var result = await verify(index, data);
      show(output, true, messages.ok, result.checked);
      output.dataset.complete = String(result.complete);
    } catch (error) {
      var reason = messages.malformed;
      if (error && error.verification) reason = error.message;
      else if (!fetched) reason = messages.network;
      show(output, false, messages.failed + " " + reason, []);
    } finally {
      button.disabled = false;
    }
  }

  function start() {
    var source = document.getElementById("verify-messages");
    if (!source) return;
    messages = JSON.parse(source.textContent);
    document.querySelectorAll(".verify-button").forEach(function (button) {
      button.addEventListener("click", onClick);
    });
  }

  window.radaVerify = {
    rootFromProof: rootFromProof,
    leafHash: leafHash,
    nodeHash: nodeHash,
    sha256: sha256,
    fromBase64: fromBase64,
    concat: concat,
    equal: equal,
    toHex: toHex,
    parseNote: parseNote,
    ed25519Verifies: ed25519Verifies,
    format: format,
    showResult: showResult,
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
