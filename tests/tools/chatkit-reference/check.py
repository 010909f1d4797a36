"""Checks JSON the service sends against the reference ChatKit server's own types.

The files under chatkit/ are copied unchanged from openai/chatkit-python 1.6.5 (commit dacc133, Apache-2.0, see
LICENSE and NOTICE): types.py, widgets.py, actions.py, icons.py, errors.py, without the server and agents modules
(so only pydantic and jinja2 are needed).

Input: one JSON object a line, {"as": <kind>, "json": <what the service sent>}. Each is validated as the reference
type of its kind, serialised back the way the reference server writes it (model_dump by_alias, exclude_none), and
compared with what was sent: same keys, same values (times compared as instants). A "request" (what a client sends)
is only validated. Output: "ok" or "FAIL <n>: why"
a line; the exit code is the number of failures.
"""

import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from pydantic import TypeAdapter  # noqa: E402

from chatkit import types  # noqa: E402

KINDS = {
    "event": TypeAdapter(types.ThreadStreamEvent),
    "item": TypeAdapter(types.ThreadItem),
    "thread": TypeAdapter(types.Thread),
    "threads_page": TypeAdapter(types.Page[types.Thread]),
    "items_page": TypeAdapter(types.Page[types.ThreadItem]),
    "sync_action_response": TypeAdapter(types.SyncCustomActionResponse),
    "request": TypeAdapter(types.ChatKitReq),
    "attachment": TypeAdapter(types.Attachment),
}


def instant(value):
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def differences(sent, dumped, path="$"):
    if isinstance(sent, dict) and isinstance(dumped, dict):
        for key in sorted(set(sent) | set(dumped)):
            if key not in dumped:
                yield f"{path}.{key}: sent, but not a key of the reference type"
            elif key not in sent:
                yield f"{path}.{key}: the reference writes it, the service did not"
            else:
                yield from differences(sent[key], dumped[key], f"{path}.{key}")
    elif isinstance(sent, list) and isinstance(dumped, list):
        if len(sent) != len(dumped):
            yield f"{path}: {len(sent)} elements sent, {len(dumped)} after the reference"
        for i, (a, b) in enumerate(zip(sent, dumped)):
            yield from differences(a, b, f"{path}[{i}]")
    elif sent != dumped:
        a, b = instant(sent), instant(dumped)
        if a is None or a != b:
            yield f"{path}: sent {json.dumps(sent)[:80]}, reference {json.dumps(dumped)[:80]}"


def main():
    failures = 0
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        case = json.loads(line)
        sent = case["json"]
        try:
            model = KINDS[case["as"]].validate_python(sent)
            dumped = KINDS[case["as"]].dump_python(model, mode="json", by_alias=True, exclude_none=True)
            # A request is what a client sends: it must validate; the reference fills in defaults the client may leave out.
            problems = [] if case["as"] == "request" else list(differences(sent, dumped))
        except Exception as e:  # a validation error names the field
            problems = [str(e).replace("\n", " | ")[:600]]
        if problems:
            failures += 1
            print(f"FAIL {n} ({case['as']} {json.dumps(sent)[:160]}): " + "; ".join(problems[:5]))
        else:
            print("ok")
    sys.exit(min(failures, 100))


if __name__ == "__main__":
    main()
