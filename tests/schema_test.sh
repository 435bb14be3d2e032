#!/bin/sh
# Every JSON plan the tests keep as a golden, and plans the jailplan binary
# makes of the examples (with changes, drift-free and drifted, saved with
# -o), are valid against docs/schema/plan.schema.json, checked by Debian's
# python3-jsonschema (scripts/deps.sh --tests). Without it the test fails
# under CI=true and is skipped, loudly, elsewhere.
set -eu
binary=$1
source_dir=$2
missing=
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || missing=" python3-jsonschema"
. "$source_dir/tests/requirements.sh"
require plan_schema "$missing"
work=$(mktemp -d /tmp/jailplan-schema-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
printf '%s\n' '{"format": "jailplan-state", "version": 1, "jails": [], "host": {"hostname": "h", "host_id": "1"}}' \
	> "$work/empty.json"
"$binary" plan --backend freebsd --state "$work/empty.json" --json "$source_dir/examples/site.conf" > "$work/create.json"
"$binary" plan --backend freebsd --state "$work/empty.json" -o "$work/saved.json" "$source_dir/examples/site.conf" >/dev/null
"$binary" plan --backend freebsd --state "$source_dir/examples/host.jls" --adopt --json \
	"$source_dir/examples/site.conf" > "$work/adopt.json" || true
/usr/bin/python3 - "$source_dir/docs/schema/plan.schema.json" "$source_dir"/tests/golden/plan/*.json "$work"/*.json <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
checked = 0
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8").read()
    if not text.strip() or '"jailplan-plan"' not in text:
        continue
    checked += 1
    for e in validator.iter_errors(json.loads(text)):
        bad += 1
        print("%s: %s: %s" % (path, "/".join(str(p) for p in e.path), e.message[:300]))
if checked < 3:
    print("plan_schema: only %d plans checked" % checked)
    sys.exit(1)
print("plan_schema: %d plans valid" % checked if not bad else "plan_schema: %d errors" % bad)
sys.exit(1 if bad else 0)
PY
