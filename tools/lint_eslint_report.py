"""Prints ESLint's JSON report (on stdin) one finding per line: path:line: message."""
# pylint: disable=print-used  (a command-line filter: printing is what it does)

import json
import os
import sys

for report in json.load(sys.stdin):
    for message in report["messages"]:
        path = os.path.relpath(report["filePath"])
        rule = message.get("ruleId")
        print(f"{path}:{message.get('line', 0)}: {message['message']} ({rule})")
