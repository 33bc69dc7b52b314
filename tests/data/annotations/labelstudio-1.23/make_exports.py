"""Make real Label Studio exports (JSON, JSON_MIN, CSV, TSV) from a running server.

Usage: python make_exports.py URL ADMIN_TOKEN OUTDIR
Two projects: a single-choice control (one choice with an alias), and a multi-choice control
beside a rating; three annotators (the admin and two who signed up through the invite link);
a cancelled annotation, a task annotated once, a task nobody annotated.
"""
import json
import sys
from pathlib import Path

import httpx

url, token, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
admin = httpx.Client(base_url=url, headers={"Authorization": f"Token {token}"}, timeout=60)


def sign_up(email: str, password: str = "annotator-pass-4711") -> httpx.Client:
    link = admin.get("/api/invite").raise_for_status().json()["invite_url"]
    with httpx.Client(base_url=url, timeout=60) as browser:
        browser.get(link).raise_for_status()
        answer = browser.post(link, data={"email": email, "password": password,
                                          "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                              headers={"Referer": url + link})
        assert answer.status_code == 302, answer.text[:300]
        legacy = browser.get("/api/current-user/token").json()["token"]
    return httpx.Client(base_url=url, headers={"Authorization": f"Token {legacy}"}, timeout=60)


def project(title: str, config: str, texts: list) -> tuple[int, list[int]]:
    p = admin.post("/api/projects", json={"title": title, "label_config": config}).raise_for_status().json()
    data = [t if isinstance(t, dict) else {"text": t} for t in texts]
    admin.post(f"/api/projects/{p['id']}/import", json=data).raise_for_status()
    tasks = admin.get("/api/tasks", params={"project": p["id"], "page_size": 100}).raise_for_status().json()
    tasks = tasks["tasks"] if isinstance(tasks, dict) else tasks
    return p["id"], sorted(t["id"] for t in tasks)


def annotate(client: httpx.Client, task: int, result: list[dict], **extra) -> None:
    client.post(f"/api/tasks/{task}/annotations", json={"result": result, **extra}).raise_for_status()


def choices(name: str, values: list[str]) -> dict:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": values}}


def rating(value: int) -> dict:
    return {"from_name": "quality", "to_name": "text", "type": "rating", "value": {"rating": value}}


def export(pid: int, stem: str) -> None:
    for kind, suffix in (("JSON", ".json"), ("JSON_MIN", ".min.json"), ("CSV", ".csv"), ("TSV", ".tsv")):
        r = admin.get(f"/api/projects/{pid}/export", params={"exportType": kind})
        r.raise_for_status()
        (out / f"{stem}{suffix}").write_bytes(r.content)
    # tasks nobody annotated are left out unless asked for
    r = admin.get(f"/api/projects/{pid}/export", params={"exportType": "JSON", "download_all_tasks": "true"})
    r.raise_for_status()
    (out / f"{stem}.all-tasks.json").write_bytes(r.content)


ana = admin
ben = sign_up("ben@example.com")
cleo = sign_up("cleo@example.com")

single = """<View><Text name="text" value="$text"/>
<Choices name="sentiment" toName="text" choice="single">
  <Choice value="Positive" alias="positive"/><Choice value="Negative"/><Choice value="Neutral"/>
</Choices></View>"""
pid, t = project("sentiment", single, ["Great phone, fast delivery", "Broke after a week",
                                        "Arrived on Tuesday", 'Said "okay",\nthen sent it back', "Nobody looked at this"])
annotate(ana, t[0], [choices("sentiment", ["positive"])])
annotate(ben, t[0], [choices("sentiment", ["positive"])])
annotate(cleo, t[0], [choices("sentiment", ["Neutral"])])
annotate(ana, t[1], [choices("sentiment", ["Negative"])])
annotate(ben, t[1], [choices("sentiment", ["Negative"])])
annotate(ana, t[2], [choices("sentiment", ["Neutral"])])
annotate(ben, t[2], [choices("sentiment", ["positive"])])
annotate(cleo, t[2], [], was_cancelled=True)
annotate(ana, t[3], [choices("sentiment", ["Neutral"])])  # rated once
export(pid, "sentiment")

multi = """<View><Text name="text" value="$text"/>
<Choices name="topics" toName="text" choice="multiple">
  <Choice value="Price"/><Choice value="Delivery"/><Choice value="Quality"/>
</Choices>
<Rating name="quality" toName="text" maxRating="5"/></View>"""
pid, t = project("topics", multi, ["Cheap and quick", "Slow, but well made", "Fine"])
annotate(ana, t[0], [choices("topics", ["Price", "Delivery"]), rating(4)])
annotate(ben, t[0], [choices("topics", ["Price"]), rating(4)])
annotate(ana, t[1], [choices("topics", ["Delivery", "Quality"]), rating(3)])
annotate(cleo, t[1], [choices("topics", ["Quality", "Delivery"]), rating(2)])
annotate(ben, t[2], [choices("topics", ["Quality"])])  # no rating given
annotate(cleo, t[2], [rating(5)])  # no topic chosen
export(pid, "topics")
tree = """<View><Text name="text" value="$text"/>
<Taxonomy name="kind" toName="text">
  <Choice value="Complaint"><Choice value="Delivery"/><Choice value="Product"/></Choice>
  <Choice value="Praise"/>
</Taxonomy>
<TextArea name="note" toName="text"/></View>"""
pid, t = project("kinds", tree, [{"text": "Late again", "item": "msg-001", "batch": "week-49"},
                                 {"text": "Love it", "item": "msg-002", "batch": "week-49"}])


def taxonomy(paths: list[list[str]]) -> dict:
    return {"from_name": "kind", "to_name": "text", "type": "taxonomy", "value": {"taxonomy": paths}}


def note(text: str) -> dict:
    return {"from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": [text]}}


annotate(ana, t[0], [taxonomy([["Complaint", "Delivery"]]), note("courier, not us")])
annotate(ben, t[0], [taxonomy([["Complaint", "Delivery"]])])
annotate(ana, t[1], [taxonomy([["Praise"]])])
annotate(cleo, t[1], [taxonomy([["Praise"]]), note("short")])
export(pid, "kinds")
print(json.dumps(sorted(p.name for p in out.iterdir())))
