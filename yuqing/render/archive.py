"""资料归档: everything about one event in one zip — the event and its figures over time,
every post's text, the raw fetched bodies they were read from (with sha256), the level
history, the actions taken and the documents attached to them (回复材料), the letters
among its posts, the notices sent and the 《网络舆情通报》."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from yuqing import clock, report
from yuqing.render.export import output_file
from yuqing.rules import Rules
from yuqing.store import Store


def _json(data: Any) -> bytes:
    return json.dumps(clock.localise(data), ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _documents(store: Store, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shas = dict.fromkeys(a["document_sha"] for a in actions if a.get("document_sha"))
    return [d for d in (store.document(sha) for sha in shas) if d]


def archive_event(store: Store, rules: Rules, event_id: int, target: Path, home: Path | None) -> dict[str, Any]:
    event = report.kept_event(store, event_id)  # a merged event's posts are in the kept one
    posts = store.event_posts([event_id])[event_id]
    case = store.get_case_for_event(event_id)
    manifest: list[dict[str, Any]] = []
    with output_file(target, binary=True) as file, zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def put(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            manifest.append({"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})

        put("event.json", _json({"event": event, "level_history": store.level_history(event_id)}))
        for post in posts:
            base = f"posts/{post['id']}"
            put(f"{base}/post.json", _json({**post, "observations": store.observations(post["id"])}))
            put(f"{base}/text.txt", f"{post['title']}\n{post['url']}\n\n{post['text']}\n".encode())
            evidence = store.evidence(post["body_sha"]) if post.get("body_sha") else None
            if evidence:
                put(f"{base}/evidence.raw", evidence["data"])
                put(f"{base}/evidence.json", _json({k: evidence[k] for k in ("sha256", "url", "fetched_at", "size")}))
        actions = store.case_actions(case["id"]) if case else []
        put("case.json", _json({"case": case, "actions": actions}))
        for document in _documents(store, actions):  # 回复材料
            put(f"documents/{document['sha256'][:12]}-{document['name']}", document["data"])
        letters = store.letters_for_event(event_id)
        if letters:
            put("letters.json", _json(letters))
        put("notices.json", _json(store.notices_for_event(event_id)))
        put("judgments.json", _json(store.judgments([event_id])[event_id]))  # 人工研判 (append-only log)
        data = report.event_data(store, rules, event_id)
        put("网络舆情通报.md", report.render_report("event", data, home).encode())
        archive.writestr("MANIFEST.json", _json({"event_id": event_id, "created_at": clock.now_iso(),
                                                 "files": manifest}))
    return {"path": str(target), "files": len(manifest),
            "evidence": sum(1 for m in manifest if m["file"].endswith("evidence.raw"))}
