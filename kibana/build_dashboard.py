#!/usr/bin/env python3
"""Builds kibana/fimon-dashboard.ndjson: the data view, the panels and the dashboard.

The panels are described in PANELS below, in a few lines each; this script turns them into the saved
objects Kibana exports (8.11 format, which 8.11+ and 9.x import and migrate up). Run it after
editing and commit both files; `--check` fails when the committed NDJSON is stale (the tests run it).

Format decisions (docs/dashboard.md has the reasoning and the sources):
- coreMigrationVersion 8.8.0 with each type's 8.11-era typeMigrationVersion: Kibana refuses objects
  from a newer version than itself and migrates older ones, so the oldest supported version's format
  is the one that imports everywhere.
- Lens panels are saved objects of their own, referenced by the dashboard (panel_<panelIndex>).
- Panel queries are Lucene, so the tests can run each one as Elasticsearch query_string unchanged.
- Every *JSON attribute is a JSON string; Lens `state` is an object.
"""
import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
OUTPUT = HERE / "fimon-dashboard.ndjson"

CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSION = {"index-pattern": "8.0.0", "lens": "8.9.0", "search": "8.0.0", "dashboard": "8.9.0"}
PANEL_VERSION = "8.11.0"

DATA_VIEW_ID = "fimon-file-activity-data-view"
DATA_VIEW_PATTERN = "logs-fimon.file-*"
DASHBOARD_ID = "fimon-file-activity"
DASHBOARD_TITLE = "fimon — File activity"

# Health reports (event.kind: metric) share the data stream with file events.
FILE_EVENTS = "event.kind:event"
HEALTH = "event.kind:metric"
WORLD_WRITABLE_MODE = r"/[0-7]{3}[2367]/"  # file.mode is 4 octal digits, e.g. 0644 or 4755
SETUID_SETGID_MODE = r"/[2-7][0-7]{3}/"
# A regular file that *became* so: created that way, or changed from a mode that was not. Symlinks
# (always 0777), sticky directories (1777) and later writes to such a file are not news.
WORLD_WRITABLE = (f"event.action:(created OR attributes_modified) AND file.type:file AND file.mode:{WORLD_WRITABLE_MODE}"
                  f" AND NOT fim.previous.mode:{WORLD_WRITABLE_MODE}")
SETUID_SETGID = (f"event.action:(created OR attributes_modified) AND file.type:file AND file.mode:{SETUID_SETGID_MODE}"
                 f" AND NOT fim.previous.mode:{SETUID_SETGID_MODE}")
ANY_EXEC_BIT = r"file.mode:/[0-7]([1357][0-7][0-7]|[0-7][1357][0-7]|[0-7][0-7][1357])/"
EXECUTABLE_OR_SCRIPT = (
    "(" + ANY_EXEC_BIT
    + " OR file.extension:(sh OR bash OR py OR pl OR rb OR php OR js OR so OR ko"
    + " OR ps1 OR psm1 OR bat OR cmd OR vbs OR exe OR dll OR sys OR scr"  # a keyword match, and Windows
    + " OR PS1 OR PSM1 OR BAT OR CMD OR VBS OR EXE OR DLL OR SYS OR SCR)"  # names come in both cases
    + ' OR file.mime_type:("application/x-executable" OR "application/x-pie-executable"'
    + ' OR "application/x-sharedlib" OR "application/x-dosexec" OR "text/x-shellscript"))'
)
HIGH_ENTROPY = "fim.change.entropy:>=7.2"

# Field types as the index template maps them (the tests check these against the real mapping).
NUMBER_FIELDS = {"fim.change.bytes_added", "fim.change.bytes_removed", "fim.change.entropy", "fim.entropy",
                 "fim.previous.entropy", "file.size"}


# --- columns: one Lens column each; `id` is unique within its panel ----------------------------------------

def count(label="Events", only=None):
    """Documents per row; `only`: a Lucene query narrowing this column alone."""
    column = {"id": "count", "label": label, "operationType": "count", "sourceField": "___records___",
              "dataType": "number", "isBucketed": False, "scale": "ratio", "params": {"emptyAsNull": True}}
    if only:
        column["filter"] = {"language": "lucene", "query": only}
    return column


def metric(op, field, label):
    assert op in ("sum", "max", "min", "unique_count")
    return {"id": f"{op}-{field}", "label": label, "operationType": op, "sourceField": field,
            "dataType": "date" if field == "@timestamp" else "number", "isBucketed": False, "scale": "ratio",
            "params": {"emptyAsNull": True}}


def increase(counter, label):
    """A health counter's increase per report, added up: right across hosts and agent restarts."""
    return metric("sum", "fim.health.increase." + counter, label)


def last(field, label):
    numeric = field in NUMBER_FIELDS or field.startswith("fim.health.")
    return {"id": f"last-{field}", "label": label, "operationType": "last_value", "sourceField": field,
            "dataType": "number" if numeric else "string", "isBucketed": False,
            "scale": "ratio" if numeric else "ordinal",
            "params": {"sortField": "@timestamp", "showArrayValues": False},
            # As Lens itself does: the latest event *that has the field*, not "-" for the latest event.
            "filter": {"language": "kuery", "query": f"{field}: *"}}


def over_time():
    return {"id": "time", "label": "@timestamp", "operationType": "date_histogram", "sourceField": "@timestamp",
            "dataType": "date", "isBucketed": True, "scale": "interval",
            "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False}}


def top(field, label, size=10, by="count", direction="desc"):
    """Top values of `field` by the column `by` (a count or a single-value metric), or alphabetical (by=None)."""
    order = {"orderBy": {"type": "column", "columnId": by}, "orderDirection": direction} if by else \
        {"orderBy": {"type": "alphabetical", "fallback": False}, "orderDirection": "asc"}
    return {"id": f"top-{field}", "label": label, "operationType": "terms", "sourceField": field,
            "dataType": "number" if field in NUMBER_FIELDS else "string", "isBucketed": True, "scale": "ordinal",
            "params": {"size": size, **order, "otherBucket": False, "missingBucket": False,
                       "parentFormat": {"id": "terms"}}}


# --- panels: what the analyst sees, in reading order --------------------------------------------------------
# kind: metric (one number), table (rows of buckets), bars / lines (over time). Layout: w x h on the
# 48-column grid, placed left to right, top to bottom.

PANELS = [
    dict(slug="events", kind="metric", title="File events", w=8, h=6, query=FILE_EVENTS, columns=[count()]),
    dict(slug="files-changed", kind="metric", title="Files changed", w=8, h=6, query=FILE_EVENTS,
         columns=[metric("unique_count", "file.path", "Distinct files")]),
    dict(slug="hosts", kind="metric", title="Hosts reporting", w=8, h=6, query=FILE_EVENTS,
         columns=[metric("unique_count", "host.name", "Hosts")]),
    dict(slug="high-entropy-count", kind="metric", title="High-entropy modifications", w=8, h=6,
         query=f"{FILE_EVENTS} AND event.action:modified AND {HIGH_ENTROPY}", columns=[count("Modifications")]),
    dict(slug="world-writable-count", kind="metric", title="Files made world-writable", w=8, h=6,
         query=f"{FILE_EVENTS} AND {WORLD_WRITABLE}", columns=[count("Events")]),
    dict(slug="setuid-count", kind="metric", title="Files made setuid / setgid", w=8, h=6,
         query=f"{FILE_EVENTS} AND {SETUID_SETGID}", columns=[count("Events")]),

    dict(slug="events-over-time", kind="bars", title="Events over time by action", w=32, h=12, query=FILE_EVENTS,
         columns=[top("event.action", "Action"), over_time(), count()], split="top-event.action"),
    # Health reports too: a quiet host still reports; the longest silent comes first.
    dict(slug="hosts-last-report", kind="table", title="Hosts and their last report (silent first)", w=16, h=12,
         query="",
         columns=[top("host.name", "Host", size=100, by="max-@timestamp", direction="asc"),
                  metric("max", "@timestamp", "Last report"), count("File events", only=FILE_EVENTS)]),

    dict(slug="bytes-changed", kind="bars", title="Bytes changed over time", w=24, h=12,
         query=f"{FILE_EVENTS} AND event.action:modified",
         columns=[over_time(), metric("sum", "fim.change.bytes_added", "Bytes added"),
                  metric("sum", "fim.change.bytes_removed", "Bytes removed")]),
    dict(slug="high-entropy", kind="table", title="Modifications with high-entropy changed bytes (encryption?)",
         w=24, h=12, query=f"{FILE_EVENTS} AND event.action:modified AND {HIGH_ENTROPY}",
         columns=[top("file.path", "File", size=20, by="max-fim.change.entropy"),
                  metric("max", "fim.change.entropy", "Entropy of the change"),
                  metric("max", "fim.previous.entropy", "Entropy before"),
                  last("process.executable", "Writer"), last("host.name", "Host")]),

    dict(slug="top-files", kind="table", title="Top changed files", w=16, h=12, query=FILE_EVENTS,
         columns=[top("file.path", "File", size=20), count(),
                  metric("sum", "fim.change.bytes_added", "Bytes added")]),
    dict(slug="top-processes", kind="table", title="Top writing processes", w=16, h=12,
         query=FILE_EVENTS,
         columns=[top("process.executable", "Executable", size=20), count(),
                  metric("unique_count", "file.path", "Files")]),
    dict(slug="top-users", kind="table", title="Top writing users", w=16, h=12, query=FILE_EVENTS,
         columns=[top("user.name", "User", size=20), count(), metric("unique_count", "file.path", "Files")]),

    dict(slug="new-executables", kind="table", title="Newly created executables and scripts", w=24, h=12,
         query=f"{FILE_EVENTS} AND event.action:created AND file.type:file AND {EXECUTABLE_OR_SCRIPT}",
         columns=[top("file.path", "File", size=20), last("file.mode", "Mode"),
                  last("process.executable", "Created by"), last("file.hash.sha256", "SHA-256"), count()]),
    dict(slug="permission-changes", kind="table", title="Permission and owner changes", w=24, h=12,
         query=f"{FILE_EVENTS} AND event.action:attributes_modified",
         columns=[top("file.path", "File", size=20), last("file.mode", "Mode"),
                  last("fim.previous.mode", "Mode before"), last("file.owner", "Owner"),
                  last("process.executable", "Changed by"), count()]),

    dict(slug="deletions-renames", kind="table", title="Deletions and renames", w=24, h=12,
         query=f"{FILE_EVENTS} AND event.action:(deleted OR renamed)",
         columns=[top("file.path", "File", size=20), last("event.action", "Action"),
                  last("fim.previous.path", "Renamed from"), last("process.executable", "By"), count()]),
    dict(slug="coverage-lost", kind="bars",
         title="Coverage lost: kernel drops, rescans, blinded tracers, dead letters (all hosts)",
         w=24, h=12, query=HEALTH,
         columns=[over_time(), increase("kernel_drops", "Kernel drops"), increase("rescans", "Rescans"),
                  increase("tracer_blinded", "Tracer blinded"), increase("dead_lettered", "Dead letters")]),
    dict(slug="health-by-host", kind="table", title="Agent health by host (counters since agent start)",
         w=48, h=10, query=HEALTH,
         columns=[top("host.name", "Host", size=50, by=None),
                  last("fim.health.uptime_s", "Uptime (s)"), last("fim.health.kernel_drops", "Kernel drops"),
                  last("fim.health.rescans", "Rescans"), last("fim.health.dead_lettered", "Dead letters"),
                  last("fim.health.spool_bytes", "Spool bytes"), last("fim.health.queue_full", "Spool full")]),
]

LATEST_EVENTS = dict(
    slug="latest-events", title="fimon — latest file events", w=48, h=18, query=FILE_EVENTS,
    columns=["host.name", "event.action", "file.path", "process.executable", "user.name", "file.hash.sha256",
             "fim.previous.hash.sha256", "fim.change.bytes_added"])

CONTROLS = [  # dashboard controls (options lists); fim.path_prefix holds every ancestor directory
    dict(id="host", field="host.name", title="Host", search="prefix"),
    dict(id="path-prefix", field="fim.path_prefix", title="Path prefix", search="prefix"),
    dict(id="action", field="event.action", title="Action", search="prefix"),
    dict(id="process", field="process.executable", title="Process", search="wildcard"),
]

FIELD_FORMATS = {f: {"id": "bytes"} for f in ("file.size", "fim.change.bytes_added", "fim.change.bytes_removed",
                                             "fim.previous.size", "fim.health.spool_bytes")}


def compact(value):
    """A *JSON attribute: a JSON string, written as Kibana's own export writes it."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


# --- saved objects --------------------------------------------------------------------------------------------

def saved_object(type_, id_, attributes, references):
    return {"attributes": attributes, "coreMigrationVersion": CORE_MIGRATION_VERSION, "id": id_,
            "managed": False, "references": references, "type": type_,
            "typeMigrationVersion": TYPE_MIGRATION_VERSION[type_]}


def data_view():
    return saved_object("index-pattern", DATA_VIEW_ID, {
        "title": DATA_VIEW_PATTERN, "name": "fimon file activity", "timeFieldName": "@timestamp",
        "fields": "[]", "fieldAttrs": "{}", "runtimeFieldMap": "{}", "typeMeta": "{}",
        "fieldFormatMap": compact(FIELD_FORMATS)}, [])


def lens(panel):
    layer = "layer-1"
    columns = {}
    for c in panel["columns"]:
        column = {k: v for k, v in c.items() if k != "id"}
        column["customLabel"] = True
        columns[c["id"]] = column
    bucketed = [c["id"] for c in panel["columns"] if c["isBucketed"]]
    metrics = [c["id"] for c in panel["columns"] if not c["isBucketed"]]
    kind = panel["kind"]
    if kind == "metric":
        assert len(metrics) == 1 and not bucketed
        visualization, vis_type = {"layerId": layer, "layerType": "data", "metricAccessor": metrics[0]}, "lnsMetric"
    elif kind == "table":
        visualization = {"layerId": layer, "layerType": "data", "rowHeight": "single", "rowHeightLines": 1,
                         "paging": {"enabled": True, "size": 10},
                         "columns": [{"columnId": c["id"], "isTransposed": False} for c in panel["columns"]]}
        vis_type = "lnsDatatable"
    else:
        series = "bar_stacked" if kind == "bars" else "line"
        xy_layer = {"layerId": layer, "layerType": "data", "seriesType": series, "xAccessor": "time",
                    "accessors": metrics, "position": "top", "showGridlines": False}
        if "split" in panel:
            xy_layer["splitAccessor"] = panel["split"]
        visualization = {"layers": [xy_layer], "legend": {"isVisible": True, "position": "right"},
                         "preferredSeriesType": series, "valueLabels": "hide", "fittingFunction": "None",
                         "axisTitlesVisibilitySettings": {"x": False, "yLeft": True, "yRight": True},
                         "tickLabelsVisibilitySettings": {"x": True, "yLeft": True, "yRight": True},
                         "gridlinesVisibilitySettings": {"x": True, "yLeft": True, "yRight": True},
                         "labelsOrientation": {"x": 0, "yLeft": 0, "yRight": 0}}
        vis_type = "lnsXY"
    state = {
        "datasourceStates": {"formBased": {"layers": {layer: {
            "columnOrder": bucketed + metrics, "columns": columns, "incompleteColumns": {}, "sampling": 1}}}},
        "visualization": visualization,
        "query": {"language": "lucene", "query": panel["query"]},
        "filters": [], "internalReferences": [], "adHocDataViews": {},
    }
    references = [
        {"id": DATA_VIEW_ID, "name": "indexpattern-datasource-current-indexpattern", "type": "index-pattern"},
        {"id": DATA_VIEW_ID, "name": f"indexpattern-datasource-layer-{layer}", "type": "index-pattern"},
    ]
    return saved_object("lens", "fimon-" + panel["slug"], {
        "title": panel["title"], "description": "", "visualizationType": vis_type, "state": state}, references)


def search(spec):
    source = {"query": {"language": "lucene", "query": spec["query"]}, "filter": [], "highlightAll": True,
              "version": True, "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return saved_object("search", "fimon-" + spec["slug"], {
        "title": spec["title"], "description": "", "columns": spec["columns"], "sort": [["@timestamp", "desc"]],
        "grid": {}, "hideChart": False, "isTextBasedQuery": False, "usesAdHocDataView": False,
        "timeRestore": False, "hits": 0, "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": compact(source)}},
        [{"id": DATA_VIEW_ID, "name": "kibanaSavedObjectMeta.searchSourceJSON.index", "type": "index-pattern"}])


def layout(specs):
    """Places panels left to right, wrapping at 48 columns; a row is as tall as its tallest panel."""
    x = y = row_height = 0
    for spec in specs:
        if x + spec["w"] > 48:
            x, y, row_height = 0, y + row_height, 0
        yield spec, {"x": x, "y": y, "w": spec["w"], "h": spec["h"]}
        x += spec["w"]
        row_height = max(row_height, spec["h"])


def dashboard(panel_objects):
    panels, references = [], []
    for index, ((spec, grid), obj) in enumerate(zip(layout(PANELS + [LATEST_EVENTS]), panel_objects)):
        panel_index = str(index + 1)
        ref_name = f"panel_{panel_index}"
        panels.append({"version": PANEL_VERSION, "type": obj["type"], "panelIndex": panel_index,
                       "gridData": {**grid, "i": panel_index}, "embeddableConfig": {"enhancements": {}},
                       "panelRefName": ref_name})
        references.append({"id": obj["id"], "name": f"{panel_index}:{ref_name}", "type": obj["type"]})
    controls = {}
    for order, c in enumerate(CONTROLS):
        controls[c["id"]] = {"order": order, "width": "medium", "grow": True, "type": "optionsListControl",
                             "explicitInput": {"id": c["id"], "fieldName": c["field"], "title": c["title"],
                                               "dataViewId": DATA_VIEW_ID, "searchTechnique": c["search"],
                                               "selectedOptions": [], "enhancements": {}}}
        references.append({"id": DATA_VIEW_ID, "name": f"controlGroup_{c['id']}:optionsListDataView",
                           "type": "index-pattern"})
    attributes = {
        "title": DASHBOARD_TITLE,
        "description": "What changed, where, by whom: file events recorded by fimon agents "
                       "(changed bytes, hashes, writers, permissions) and the agents' own health.",
        "panelsJSON": compact(panels),
        "optionsJSON": compact({"useMargins": True, "syncColors": False, "syncCursor": True,
                                   "syncTooltips": False, "hidePanelTitles": False}),
        "timeRestore": True, "timeFrom": "now-24h", "timeTo": "now",
        "refreshInterval": {"pause": False, "value": 60000},
        "kibanaSavedObjectMeta": {"searchSourceJSON": compact({"query": {"language": "kuery", "query": ""},
                                                                  "filter": []})},
        "controlGroupInput": {
            "controlStyle": "oneLine", "chainingSystem": "HIERARCHICAL", "panelsJSON": compact(controls),
            "ignoreParentSettingsJSON": compact({"ignoreFilters": False, "ignoreQuery": False,
                                                    "ignoreTimerange": False, "ignoreValidations": False})},
        "version": 1,
    }
    return saved_object("dashboard", DASHBOARD_ID, attributes, references)


def build():
    panel_objects = [lens(p) for p in PANELS] + [search(LATEST_EVENTS)]
    objects = [data_view(), *panel_objects, dashboard(panel_objects)]
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for o in objects)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed NDJSON is not what this builds")
    args = parser.parse_args()
    text = build()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUTPUT.name} is stale: run kibana/build_dashboard.py and commit the result")
        return
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.splitlines())} saved objects, {len(text.encode())} bytes)")


if __name__ == "__main__":
    main()
