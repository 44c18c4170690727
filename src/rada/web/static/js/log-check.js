// Remembers, in this browser, the last checkpoint it saw of the log, and checks each new one.
//
// On the record page it fetches /log/checkpoint (a C2SP tlog-checkpoint with the log's
// signature and the witnesses' tlog-cosignature lines), checks the log's Ed25519 signature,
// counts the valid cosignatures of the witnesses the page names against the quorum, and
// compares the checkpoint with the one kept in localStorage: the same size must have the same
// root, a smaller size is a rollback, a larger one must come with an RFC 9162 consistency
// proof (fetched from the record's JSON endpoint and checked here) from the size seen before.
// Only a checkpoint that passes is remembered. Uses window.radaVerify from verify.js.
(function () {
  "use strict";

  var rv = window.radaVerify;
  var encoder = new TextEncoder();
  var messages = {};
  var STORE = "rada.checkpoint.";

  function fail(reason) {
    var error = new Error(reason);
    error.verification = true;
    return error;
  }

  // A verifier key "<name>+<hex key ID>+<base64(type || public key)>" of the given type.
  async function parseKey(vkey, type) {
    var text = vkey.trim();
    var first = text.indexOf("+");
    var second = text.indexOf("+", first + 1);
    if (first <= 0 || second < 0) throw fail(messages.keyMalformed);
    var name = text.slice(0, first);
    var material = rv.fromBase64(text.slice(second + 1));
    if (material.length !== 33 || material[0] !== type) throw fail(messages.keyMalformed);
    var keyId = (await rv.sha256(rv.concat(encoder.encode(name + "\n"), material))).slice(0, 4);
    if (rv.toHex(keyId) !== text.slice(first + 1, second)) throw fail(messages.keyMalformed);
    return { name: name, keyId: keyId, publicKey: material.slice(1) };
  }

  function lineOf(note, key) {
    return note.signatures.filter(function (s) {
      return s.name === key.name && rv.equal(s.keyId, key.keyId);
    });
  }

  // A tlog-cosignature (type 0x04): 8-byte big-endian timestamp, then the Ed25519 signature
  // over "cosignature/v1\ntime <T>\n" and the checkpoint text. True, false, or null (no Ed25519).
  async function cosignatureVerifies(key, signature, text) {
    if (signature.length !== 72) return false;
    var time = 0n;
    for (var i = 0; i < 8; i++) time = (time << 8n) | BigInt(signature[i]);
    var message = encoder.encode("cosignature/v1\ntime " + time.toString() + "\n" + text);
    return rv.ed25519Verifies(key.publicKey, signature.slice(8), message);
  }

  // RFC 9162 section 2.1.4.2: whether the proof shows size2's tree extends size1's.
  async function consistent(size1, size2, root1, root2, proof) {
    var first = BigInt(size1), second = BigInt(size2);
    if (first === second) return proof.length === 0 && rv.equal(root1, root2);
    if (first === 0n || first > second || proof.length === 0) return false;
    var path = proof.slice();
    if ((first & (first - 1n)) === 0n) path.unshift(root1);
    var fn = first - 1n, sn = second - 1n;
    while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
    var fr = path[0], sr = path[0];
    for (var i = 1; i < path.length; i++) {
      var c = path[i];
      if (c.length !== 32 || sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        fr = await rv.nodeHash(c, fr);
        sr = await rv.nodeHash(c, sr);
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        sr = await rv.nodeHash(sr, c);
      }
      fn >>= 1n; sn >>= 1n;
    }
    return sn === 0n && rv.equal(fr, root1) && rv.equal(sr, root2);
  }

  function remembered(origin) {
    try {
      var kept = JSON.parse(window.localStorage.getItem(STORE + origin) || "null");
      if (kept && typeof kept.size === "number" && typeof kept.root === "string") return kept;
    } catch (error) { /* unreadable: as if none */ }
    return null;
  }

  async function check(box, note, witnesses) {
    var lines = [];
    var complete = true;
    var parsed = rv.parseNote(note);
    var size = Number(parsed.size);
    var root = rv.fromBase64(parsed.root);
    if (!Number.isSafeInteger(size) || root.length !== 32) throw fail(messages.malformed);
    var ed25519 = true;
    if (!box.dataset.publicKey) {
      lines.push(messages.noKey);
      complete = false;
    } else {
      var key = await parseKey(box.dataset.publicKey, 1);
      if (parsed.origin !== key.name) throw fail(messages.checkpointMismatch);
      var own = lineOf(parsed, key);
      if (!own.length) throw fail(rv.format(messages.noSignature, { key: box.dataset.publicKey }));
      var verdict = await rv.ed25519Verifies(key.publicKey, own[0].signature, encoder.encode(parsed.text));
      if (verdict === null) {
        ed25519 = false;
        complete = false;
        lines.push(messages.logNoEd25519);
      } else if (!verdict) {
        throw fail(rv.format(messages.signatureFailed, { key: box.dataset.publicKey }));
      } else {
        lines.push(rv.format(messages.logSigned, { size: size }));
      }
    }
    var quorum = Number(box.dataset.quorum || "0");
    var quorumMet = true;
    if (!witnesses.length) {
      lines.push(messages.logNoWitnesses);
    } else if (ed25519) {
      var names = [];
      for (var i = 0; i < witnesses.length; i++) {
        var wkey = await parseKey(witnesses[i].key, 4);
        var found = lineOf(parsed, wkey);
        if (!found.length) continue;
        var ok = await cosignatureVerifies(wkey, found[0].signature, parsed.text);
        if (ok === false) throw fail(rv.format(messages.logBadCosignature, { name: wkey.name }));
        if (ok) names.push(wkey.name);
      }
      var values = { count: names.length, total: witnesses.length, quorum: quorum, names: names.join(", ") || "—" };
      quorumMet = names.length >= quorum;
      lines.push(rv.format(quorumMet ? messages.logWitnessed : messages.logUnwitnessed, values));
      if (!quorumMet) complete = false;
    }
    var kept = remembered(parsed.origin);
    var keep = quorumMet;
    if (kept === null) {
      lines.push(rv.format(messages.logFirst, { size: size }));
    } else if (size < kept.size) {
      throw fail(rv.format(messages.logRollback, { old: kept.size, size: size }));
    } else if (size === kept.size) {
      if (!rv.equal(rv.fromBase64(kept.root), root)) throw fail(rv.format(messages.logFork, { size: size }));
      lines.push(messages.logSame);
    } else {
      var url = box.dataset.consistency + "?size1=" + kept.size + "&size2=" + size;
      var response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw fail(messages.network);
      var data = await response.json();
      var proof = data.proof.map(rv.fromBase64);
      if (!(await consistent(kept.size, size, rv.fromBase64(kept.root), root, proof))) {
        throw fail(rv.format(messages.logInconsistent, { old: kept.size }));
      }
      lines.push(rv.format(messages.logExtends, { old: kept.size }));
    }
    if (keep) {
      window.localStorage.setItem(STORE + parsed.origin, JSON.stringify({ size: size, root: parsed.root }));
    } else {
      lines.push(messages.logNotKept);
    }
    return { lines: lines, complete: complete, size: size };
  }

  function show(box, state, verdict, lines) {
    rv.showResult(box, state, state === "failed", verdict, lines);
  }

  async function run(box, witnesses) {
    box.textContent = messages.logChecking;
    var note;
    try {
      var response = await fetch(box.dataset.checkpoint, { headers: { Accept: "text/plain" } });
      if (response.status === 404) { show(box, "none", messages.logNone, []); return; }
      if (!response.ok) throw fail(messages.network);
      note = await response.text();
    } catch (error) {
      show(box, "failed", messages.logFailed, [error && error.verification ? error.message : messages.network]);
      return;
    }
    try {
      var result = await check(box, note, witnesses);
      box.dataset.size = String(result.size);
      show(box, result.complete ? "verified" : "incomplete",
        result.complete ? messages.logOk : messages.logIncomplete, result.lines);
    } catch (error) {
      show(box, "failed", messages.logFailed, [error && error.verification ? error.message : messages.malformed]);
    }
  }

  function start() {
    var box = document.getElementById("log-check");
    var source = document.getElementById("verify-messages");
    if (!box || !source || !rv) return;
    messages = JSON.parse(source.textContent);
    var witnesses = JSON.parse((document.getElementById("log-witnesses") || {}).textContent || "[]");
    var forget = document.getElementById("log-forget");
    if (forget) {
      forget.addEventListener("click", function () {
        Object.keys(window.localStorage).forEach(function (name) {
          if (name.indexOf(STORE) === 0) window.localStorage.removeItem(name);
        });
        run(box, witnesses);
      });
    }
    run(box, witnesses);
  }

  window.radaLogCheck = { consistent: consistent };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
