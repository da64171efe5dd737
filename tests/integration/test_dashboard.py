"""The Kibana dashboard (kibana/fimon-dashboard.ndjson) and `fimon setup --kibana-url`.

No Kibana runs here, so what can be tested for real is: the saved objects are well formed and
self-contained; every field a panel uses is mapped, aggregatable, in the real index template; every
panel's query, derived from the saved object itself, returns data from the real Elasticsearch after
the real agent recorded real file activity; and the import request `fimon setup` sends (checked on a
loopback endpoint that records it: the one stand-in allowed, since no Kibana can run here).
"""
import base64
import fnmatch
import json
import os
import re
import subprocess
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fimon_harness import Agent, REPO

NDJSON = REPO / "kibana" / "fimon-dashboard.ndjson"
BUILDER = REPO / "kibana" / "build_dashboard.py"


def saved_objects():
    return [json.loads(line) for line in NDJSON.read_text(encoding="utf-8").splitlines()]


def by_type(objects, type_):
    return [o for o in objects if o["type"] == type_]


def the_dashboard(objects):
    (dashboard,) = by_type(objects, "dashboard")
    return dashboard


# --- the file itself --------------------------------------------------------------------------------------


def test_committed_ndjson_is_what_the_source_builds():
    res = subprocess.run([str(BUILDER), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_the_binary_carries_the_committed_ndjson(fimon_bin):
    res = subprocess.run([fimon_bin, "export-dashboard"], capture_output=True)
    assert res.returncode == 0
    assert res.stdout == NDJSON.read_bytes()


def test_objects_have_the_shape_kibana_imports():
    objects = saved_objects()
    assert len({(o["type"], o["id"]) for o in objects}) == len(objects), "duplicate ids"
    for o in objects:
        assert set(o) >= {"attributes", "coreMigrationVersion", "id", "references", "type", "typeMigrationVersion"}
        # Never newer than the oldest supported Kibana (8.11) knows, or it refuses the object.
        assert o["coreMigrationVersion"] == "8.8.0"
        assert o["typeMigrationVersion"] == {"index-pattern": "8.0.0", "lens": "8.9.0", "search": "8.0.0",
                                             "dashboard": "8.9.0"}[o["type"]], o["id"]
    (data_view,) = by_type(objects, "index-pattern")
    assert data_view["attributes"]["title"] == "logs-fimon.file-*"
    assert data_view["attributes"]["timeFieldName"] == "@timestamp"
    for o in by_type(objects, "lens"):
        assert isinstance(o["attributes"]["state"], dict), "Lens state is an object"
    dashboard = the_dashboard(objects)["attributes"]
    # Every *JSON attribute is a JSON string, as Kibana's own exports write them.
    for text in (dashboard["panelsJSON"], dashboard["optionsJSON"], dashboard["kibanaSavedObjectMeta"]["searchSourceJSON"],
                 dashboard["controlGroupInput"]["panelsJSON"], dashboard["controlGroupInput"]["ignoreParentSettingsJSON"],
                 data_view["attributes"]["fieldFormatMap"]):
        assert isinstance(text, str)
        json.loads(text)
    for o in by_type(objects, "search"):
        assert isinstance(o["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"], str)


def test_each_visualization_shows_exactly_its_columns():
    for lens in by_type(saved_objects(), "lens"):
        state = lens["attributes"]["state"]
        (layer_id, layer), = state["datasourceStates"]["formBased"]["layers"].items()
        columns = set(layer["columns"])
        assert set(layer["columnOrder"]) == columns, lens["id"]
        vis, kind = state["visualization"], lens["attributes"]["visualizationType"]
        if kind == "lnsMetric":
            shown = {vis["metricAccessor"]}
            assert vis["layerId"] == layer_id
        elif kind == "lnsDatatable":
            shown = {c["columnId"] for c in vis["columns"]}
            assert vis["layerId"] == layer_id
        else:
            assert kind == "lnsXY", kind
            (xy,) = vis["layers"]
            assert xy["layerId"] == layer_id
            shown = {xy["xAccessor"], *xy["accessors"], *([xy["splitAccessor"]] if "splitAccessor" in xy else [])}
            assert layer["columns"][xy["xAccessor"]]["operationType"] == "date_histogram", lens["id"]
        assert shown == columns, f"{lens['id']}: shows {sorted(shown)} of {sorted(columns)}"


def test_every_reference_resolves():
    objects = saved_objects()
    present = {(o["type"], o["id"]) for o in objects}
    for o in objects:
        names = [r["name"] for r in o["references"]]
        assert len(names) == len(set(names)), f"{o['id']}: duplicate reference names"
        for r in o["references"]:
            assert (r["type"], r["id"]) in present, f"{o['id']} -> {r['type']}/{r['id']} is not in the file"
    for o in by_type(objects, "lens"):
        layers = o["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
        for layer_id in layers:
            assert f"indexpattern-datasource-layer-{layer_id}" in [r["name"] for r in o["references"]]
    for o in by_type(objects, "search"):
        source = json.loads(o["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        assert source["indexRefName"] in [r["name"] for r in o["references"]]
    dashboard = the_dashboard(objects)
    refs = {r["name"]: r for r in dashboard["references"]}
    for panel in json.loads(dashboard["attributes"]["panelsJSON"]):
        ref = refs[f"{panel['panelIndex']}:{panel['panelRefName']}"]
        assert ref["type"] == panel["type"]
    for control_id, control in json.loads(dashboard["attributes"]["controlGroupInput"]["panelsJSON"]).items():
        assert control["explicitInput"]["id"] == control_id
        assert refs[f"controlGroup_{control_id}:optionsListDataView"]["type"] == "index-pattern"


def test_grid_is_48_columns_without_overlaps():
    panels = json.loads(the_dashboard(saved_objects())["attributes"]["panelsJSON"])
    cells = {}
    for p in panels:
        g = p["gridData"]
        assert g["i"] == p["panelIndex"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 48, p
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, f"panels {cells.get((x, y))} and {p['panelIndex']} overlap"
                cells[(x, y)] = p["panelIndex"]


def test_the_issue_s_panels_are_all_there():
    objects = saved_objects()
    titles = " | ".join(o["attributes"]["title"].lower() for o in objects if o["type"] in ("lens", "search"))
    for wanted in ("events over time by action", "top changed files", "top writing processes", "top writing users",
                   "hosts and their last report", "bytes changed", "high-entropy", "executables and scripts",
                   "permission and owner", "deletions and renames", "latest file events", "kernel drops"):
        assert wanted in titles, wanted
    controls = json.loads(the_dashboard(objects)["attributes"]["controlGroupInput"]["panelsJSON"])
    fields = {c["explicitInput"]["fieldName"] for c in controls.values()}
    assert fields == {"host.name", "fim.path_prefix", "event.action", "process.executable"}


# --- each panel against real data from the real agent ------------------------------------------------------


def lens_layer(lens):
    (layer,) = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"].values()
    return layer


def lucene_fields(query):
    return set(re.findall(r"([A-Za-z@_][\w.@]*):", query))


def fields_of(obj):
    """(field, needs_aggregation) for every field a saved object uses."""
    if obj["type"] == "lens":
        state = obj["attributes"]["state"]
        for c in lens_layer(obj)["columns"].values():
            if c["sourceField"] != "___records___":
                yield c["sourceField"], True
            if "sortField" in c.get("params", {}):
                yield c["params"]["sortField"], True
        for f in lucene_fields(state["query"]["query"]):
            yield f, False
    elif obj["type"] == "search":
        for f in obj["attributes"]["columns"]:
            yield f, False
        for f, _ in obj["attributes"]["sort"]:
            yield f, True
        source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
        for f in lucene_fields(source["query"]["query"]):
            yield f, False
    elif obj["type"] == "dashboard":
        for c in json.loads(obj["attributes"]["controlGroupInput"]["panelsJSON"]).values():
            yield c["explicitInput"]["fieldName"], True


def query_clause(query):
    assert query["language"] == "lucene", "panel queries are Lucene so they run here unchanged"
    # What Kibana sends for a Lucene query bar.
    return [{"query_string": {"query": query["query"], "analyze_wildcard": True}}] if query["query"] else []


def column_aggregation(column):
    op, field = column["operationType"], column["sourceField"]
    if op == "count":  # only a count narrowed by its own filter gets here
        assert column["filter"]["language"] == "lucene"
        return {"filter": {"query_string": {"query": column["filter"]["query"], "analyze_wildcard": True}}}
    if op in ("sum", "max", "min"):
        agg = {op: {"field": field}}
    elif op == "unique_count":
        agg = {"cardinality": {"field": field}}
    elif op == "last_value":
        agg = {"top_hits": {"size": 1, "sort": [{column["params"]["sortField"]: "desc"}], "_source": [field]}}
    else:
        raise AssertionError(f"no translation for {op}")
    if "filter" in column:  # Lens's own "has the field" filter: exactly "<field>: *"
        assert column["filter"] == {"language": "kuery", "query": f"{field}: *"}, column["filter"]
        agg = {"filter": {"exists": {"field": field}}, "aggs": {"v": agg}}
    return agg


def lens_search(lens):
    """The Elasticsearch request equivalent to a Lens panel: its query, its buckets, its metrics."""
    layer = lens_layer(lens)
    columns = layer["columns"]
    bucketed = [c for c in layer["columnOrder"] if columns[c]["isBucketed"]]
    metrics = [c for c in layer["columnOrder"] if not columns[c]["isBucketed"]]
    assert layer["columnOrder"] == bucketed + metrics
    # Kibana names aggregations by number; column ids may hold dots, which order paths cannot.
    name = {cid: f"col{n}" for n, cid in enumerate(layer["columnOrder"])}
    aggs = {name[cid]: column_aggregation(columns[cid]) for cid in metrics
            if columns[cid]["operationType"] != "count" or "filter" in columns[cid]}
    for cid in reversed(bucketed):
        c = columns[cid]
        if c["operationType"] == "date_histogram":
            agg = {"date_histogram": {"field": c["sourceField"], "fixed_interval": "1m", "min_doc_count": 1}}
        else:
            assert c["operationType"] == "terms"
            params = c["params"]
            order_by = params["orderBy"]
            if order_by["type"] == "alphabetical":
                order = {"_key": params["orderDirection"]}
            else:
                target = columns[order_by["columnId"]]  # ordering by a column the panel has
                assert target["operationType"] in ("count", "sum", "max", "min", "unique_count"), target
                order = {"_count" if target["operationType"] == "count" else name[order_by["columnId"]]: params["orderDirection"]}
            agg = {"terms": {"field": c["sourceField"], "size": params["size"], "order": order}}
        if aggs:
            agg["aggs"] = aggs
        aggs = {name[cid]: agg}
    body = {"size": 0, "track_total_hits": True,
            "query": {"bool": {"filter": query_clause(lens["attributes"]["state"]["query"])}}}
    if aggs:
        body["aggs"] = aggs
    return body, [name[c] for c in bucketed], {cid: name[cid] for cid in metrics}


def metric_value(agg):
    if agg is None:
        return None
    if "v" in agg:  # filtered last_value
        agg = agg["v"]
    elif "doc_count" in agg and "value" not in agg and "hits" not in agg:  # a filtered count
        return agg["doc_count"]
    if "hits" in agg:
        hits = agg["hits"]["hits"]
        return hits[0]["_source"] if hits and hits[0]["_source"] else None
    return agg.get("value")


def leaves(result, bucketed):
    """The innermost buckets of a nested aggregation result."""
    if not bucketed:
        yield result
        return
    for b in result[bucketed[0]]["buckets"]:
        yield from leaves(b, bucketed[1:])


@pytest.fixture(scope="module")
def recorded(fimon_bin, es, installed, tmp_path_factory):
    """A data stream filled by the real agent with every kind of activity the dashboard shows."""
    stream = f"logs-fimon.file-t{uuid.uuid4().hex[:12]}"
    root = tmp_path_factory.mktemp("dashboard")
    watched, state = root / "watched", root / "state"
    watched.mkdir()
    agent = Agent(fimon_bin, es, stream, watched, state, extra=["--health-interval", "1s"])
    try:
        (watched / "etc").mkdir()
        notes = watched / "etc" / "notes.txt"
        notes.write_text("quiet text that will be encrypted\n" * 50)
        doomed = watched / "doomed.log"
        doomed.write_text("short-lived\n")
        moved = watched / "old-name.conf"
        moved.write_text("key=value\n")
        shared = watched / "shared.cfg"
        shared.write_text("everyone may write\n")
        helper = watched / "helper"
        helper.write_bytes(b"\x7fELF" + bytes(60))
        fd = os.open(watched / "install.sh", os.O_WRONLY | os.O_CREAT, 0o755)
        os.write(fd, b"#!/bin/sh\necho installed\n")
        os.close(fd)
        agent.docs(lambda d: len(d) >= 6)
        notes.write_bytes(os.urandom(64 << 10))  # "ransomware": high-entropy bytes replace the text
        doomed.unlink()
        moved.rename(watched / "new-name.conf")
        shared.chmod(0o666)
        helper.chmod(0o4755)
        os.symlink("notes.txt", watched / "etc" / "link")  # mode 0777, and not news
        sticky = watched / "drop"
        sticky.mkdir()
        sticky.chmod(0o1777)
        agent.docs(lambda d: {"modified", "deleted", "renamed", "attributes_modified"} <= {x["event"]["action"] for x in d}
                   and sum(x["event"]["action"] == "attributes_modified" for x in d) >= 2, timeout=30)
        shared.write_text("anyone wrote this\n")  # a write to a file that was already world-writable
        # The look-alikes are really in the record, so the exact totals below mean something.
        agent.docs(lambda d: any(x["event"]["action"] == "modified" and x["file"]["name"] == "shared.cfg" for x in d)
                   and any(x["file"]["name"] == "link" and x["file"].get("mode") == "0777" for x in d)
                   and any(x["file"]["name"] == "drop" and x["file"].get("mode") == "1777" for x in d))
        # Health reports every second; wait for one that follows the activity.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            status, res = es.request("POST", f"/{stream}/_search", {"size": 0, "query": {"term": {"event.kind": "metric"}}})
            if status == 200 and res["hits"]["total"]["value"] >= 2:
                break
            time.sleep(0.5)
    finally:
        agent.stop()
    es.request("POST", f"/{stream}/_refresh")
    return stream


def test_the_test_stream_is_one_the_data_view_covers(recorded):
    assert fnmatch.fnmatch(recorded, "logs-fimon.file-*")


def test_every_field_used_is_mapped_and_aggregatable_where_needed(es, recorded):
    status, caps = es.request("GET", f"/{recorded}/_field_caps?fields=*")
    assert status == 200, caps
    mapped = caps["fields"]
    for obj in saved_objects():
        for field, aggregated in fields_of(obj):
            assert field in mapped, f"{obj['id']} uses {field}, which the index template does not map"
            (kind,) = mapped[field].values()  # one type across the stream's indices
            if aggregated:
                assert kind["aggregatable"], f"{obj['id']} aggregates {field}, which is not aggregatable"
        if obj["type"] == "lens":  # what Lens is told a column holds must be what the mapping says
            for c in lens_layer(obj)["columns"].values():
                if c["sourceField"] == "___records___" or c["operationType"] in ("unique_count", "sum"):
                    continue
                es_type = next(iter(mapped[c["sourceField"]]))
                expected = {"keyword": "string", "long": "number", "float": "number", "date": "date"}[es_type]
                assert c["dataType"] == expected, f"{obj['id']}: {c['sourceField']} is {es_type}, column says {c['dataType']}"


# Exactly one file was made world-writable (shared.cfg) and one setuid (helper), though a symlink
# (0777), a sticky directory (1777) and a write to the already world-writable file were recorded too.
EXPECTED_TOTALS = {"fimon-world-writable-count": 1, "fimon-setuid-count": 1, "fimon-high-entropy-count": 1}

# What the activity in `recorded` must put in the first column of these tables (file names), and what not.
EXPECTED_ROWS = {
    "fimon-high-entropy": ({"notes.txt"}, {"doomed.log", "shared.cfg"}),
    "fimon-new-executables": ({"install.sh"}, {"etc", "notes.txt"}),
    "fimon-permission-changes": ({"shared.cfg", "helper"}, {"notes.txt"}),
    "fimon-deletions-renames": ({"doomed.log", "new-name.conf"}, {"notes.txt"}),
}


@pytest.mark.parametrize("lens_id", [o["id"] for o in by_type(saved_objects(), "lens")])
def test_each_panel_returns_data_from_the_agent_s_events(es, recorded, lens_id):
    (lens,) = [o for o in by_type(saved_objects(), "lens") if o["id"] == lens_id]
    body, bucketed, metrics = lens_search(lens)
    status, res = es.request("POST", f"/{recorded}/_search", body)
    assert status == 200, res
    assert res["hits"]["total"]["value"] > 0, f"{lens_id}: no document matches {body['query']}"
    rows = list(leaves(res.get("aggregations", {}), bucketed))
    assert rows and all(r.get("doc_count", 1) > 0 for r in rows), f"{lens_id}: no buckets"
    for cid, agg_name in metrics.items():
        column = lens_layer(lens)["columns"][cid]
        if column["operationType"] == "count" and "filter" not in column:
            continue
        values = [metric_value(r.get(agg_name)) for r in rows]
        # Health counters are honestly 0 on a healthy agent; everything else must show something.
        empty = (None,) if column["sourceField"].startswith("fim.health.") else (None, 0)
        assert any(v not in empty for v in values), f"{lens_id}: column {cid} is empty in every row: {values}"
    if lens_id in EXPECTED_TOTALS:
        assert res["hits"]["total"]["value"] == EXPECTED_TOTALS[lens_id], f"{lens_id}: {res['hits']['total']}"
    if lens_id in EXPECTED_ROWS:
        names = {os.path.basename(r["key"]) for r in rows}
        wanted, unwanted = EXPECTED_ROWS[lens_id]
        assert wanted <= names and not unwanted & names, f"{lens_id}: rows {sorted(names)}"


def test_latest_events_search_shows_file_events(es, recorded):
    (search,) = by_type(saved_objects(), "search")
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    (field, direction), = search["attributes"]["sort"]
    status, res = es.request("POST", f"/{recorded}/_search", {
        "size": 50, "sort": [{field: direction}], "query": {"bool": {"filter": query_clause(source["query"])}}})
    assert status == 200, res
    docs = [h["_source"] for h in res["hits"]["hits"]]
    assert docs and all(d["event"]["kind"] == "event" for d in docs)
    for column in search["attributes"]["columns"]:
        def has(doc, path=column):
            for part in path.split("."):
                if not isinstance(doc, dict) or part not in doc:
                    return False
                doc = doc[part]
            return True
        assert any(has(d) for d in docs), f"no event has {column}"


def test_each_control_offers_values(es, recorded):
    controls = json.loads(the_dashboard(saved_objects())["attributes"]["controlGroupInput"]["panelsJSON"])
    for control in controls.values():
        field = control["explicitInput"]["fieldName"]
        status, res = es.request("POST", f"/{recorded}/_search", {
            "size": 0, "aggs": {"values": {"terms": {"field": field, "size": 20}}}})
        assert status == 200, res
        values = [b["key"] for b in res["aggregations"]["values"]["buckets"]]
        assert values, f"control {field} would offer nothing"
        if field == "fim.path_prefix":  # selecting a directory keeps everything below it
            assert any(v.endswith("/etc") for v in values), values


# --- `fimon setup --kibana-url`: the import request, on a loopback endpoint that records it ----------------


class Recorder:
    """A loopback HTTP endpoint standing in for Kibana's import API: records requests, answers as told."""

    def __init__(self, status=200, answer=None):
        self.requests = []
        self.status = status
        self.answer = answer if answer is not None else {"success": True, "successCount": len(saved_objects()),
                                                         "successResults": []}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers),
                                          "body": body})
                payload = json.dumps(recorder.answer).encode()
                self.send_response(recorder.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def kibana():
    r = Recorder()
    yield r
    r.close()


def setup(fimon_bin, es, *args, env=None):
    return subprocess.run([fimon_bin, "setup", "--es-url", es.url, *args], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL, env=env)


def file_part(request):
    """The one part of the multipart body, parsed by the standard library, not by our own reading."""
    head = f"Content-Type: {request['headers']['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request["body"])
    assert message.is_multipart()
    (part,) = message.iter_parts()
    return part


def test_setup_imports_the_dashboard_with_overwrite_xsrf_and_auth(fimon_bin, es, installed, kibana, tmp_path):
    password = tmp_path / "pw"
    password.write_text("kibana-s3cret\n")
    res = setup(fimon_bin, es, "--kibana-url", kibana.url + "/", "--kibana-space", "secops",
                "--es-username", "analyst", "--es-password-file", str(password))
    assert res.returncode == 0, res.stderr
    assert f"{len(saved_objects())} saved objects imported into space 'secops'" in res.stdout
    assert "kibana-s3cret" not in res.stdout + res.stderr
    (request,) = kibana.requests
    assert request["path"] == "/s/secops/api/saved_objects/_import?overwrite=true"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["kbn-xsrf"]
    assert headers["authorization"] == "Basic " + base64.b64encode(b"analyst:kibana-s3cret").decode()
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    part = file_part(request)
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_filename() == "fimon-dashboard.ndjson"  # Kibana refuses other extensions
    assert part.get_payload(decode=True) == NDJSON.read_bytes()


def test_setup_is_idempotent_and_uses_an_api_key_when_given(fimon_bin, es, installed, kibana):
    env = dict(os.environ, FIMON_ES_API_KEY="aWQ6a2V5")
    for _ in range(2):
        res = setup(fimon_bin, es, "--kibana-url", kibana.url, env=env)
        assert res.returncode == 0, res.stderr
        assert "into the default space" in res.stdout
    first, second = kibana.requests
    assert first["path"] == second["path"] == "/api/saved_objects/_import?overwrite=true"
    assert {k.lower(): v for k, v in first["headers"].items()}["authorization"] == "ApiKey aWQ6a2V5"
    assert file_part(first).get_payload(decode=True) == file_part(second).get_payload(decode=True)


def test_setup_names_each_object_kibana_did_not_import(fimon_bin, es, installed, kibana):
    kibana.answer = {"success": False, "successCount": 19, "errors": [
        {"id": "fimon-top-files", "type": "lens", "meta": {"title": "Top changed files"},
         "error": {"type": "missing_references", "references": [{"type": "index-pattern", "id": "x"}]}},
        {"id": "fimon-file-activity", "type": "dashboard", "title": "fimon",
         "error": {"type": "unknown", "message": "belongs to a more recent version", "statusCode": 400}}]}
    res = setup(fimon_bin, es, "--kibana-url", kibana.url)
    assert res.returncode == 1
    assert "not imported: lens 'Top changed files' (fimon-top-files): missing_references [index-pattern/x]" in res.stderr
    assert "not imported: dashboard 'fimon' (fimon-file-activity): unknown: belongs to a more recent version" in res.stderr
    assert "Saved objects > Import" in res.stdout  # and how to do it by hand


def test_setup_reports_kibana_refusing_the_credentials(fimon_bin, es, installed, kibana):
    kibana.status = 401
    kibana.answer = {"statusCode": 401, "error": "Unauthorized", "message": "unable to authenticate user"}
    res = setup(fimon_bin, es, "--kibana-url", kibana.url)
    assert res.returncode == 1
    assert "Kibana answered HTTP 401 (the credentials were refused): unable to authenticate user" in res.stderr


def test_setup_with_kibana_unreachable_says_so_in_one_line(fimon_bin, es, installed):
    closed = Recorder()
    url = closed.url
    closed.close()
    res = setup(fimon_bin, es, "--kibana-url", url)
    assert res.returncode == 1
    errors = [line for line in res.stderr.splitlines() if "kibana" in line.lower()]
    assert len(errors) == 1 and f"Kibana at {url} is unreachable" in errors[0], res.stderr
    # The index template went in all the same.
    assert "index template" in res.stdout


# --- deploy/docker-compose.yml: no Docker engine here, so its shape is what can be checked -----------------


def test_docker_compose_pairs_matching_versions_with_security_on(tmp_path):
    import yaml  # python3-yaml, installed by scripts/bootstrap

    compose = yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    es_image, kibana_image = services["es01"]["image"], services["kibana"]["image"]
    assert es_image.split(":", 1)[1] == kibana_image.split(":", 1)[1], "Elasticsearch and Kibana must match"
    assert services["setup"]["image"] == es_image
    env = services["es01"]["environment"]
    assert env["xpack.security.enabled"] == "true" and env["xpack.security.http.ssl.enabled"] == "true"
    assert services["kibana"]["environment"]["ELASTICSEARCH_HOSTS"].startswith("https://")
    for name in ("es01", "kibana"):
        assert all(p.startswith("127.0.0.1:") for p in services[name]["ports"]), "published on loopback only"
    # The setup script, as the container's bash would see it once Compose has replaced $$ with $.
    script = tmp_path / "setup.sh"
    script.write_text(services["setup"]["command"][2].replace("$$", "$"))
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    example = (REPO / "deploy" / "docker-compose.env.example").read_text()
    assert "ELASTIC_PASSWORD=" in example and "KIBANA_PASSWORD=" in example
