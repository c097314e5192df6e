#!/usr/bin/env bash
# python-karborclient 2.1.0 (and python-openstackclient, for `openstack data protection`),
# unchanged, in a venv of their own: the clients the service's tests and demo run against
# bulwark serve; and schemathesis. Idempotent.
set -euo pipefail
venv=${BULWARK_KARBORCLIENT_VENV:-${PEERS_DIR:-/tmp/bulwark-peers}/karborclient}
if ! { [ -x "$venv/bin/karbor" ] && [ -x "$venv/bin/openstack" ] && "$venv/bin/karbor" --version 2>&1 | grep -q '^2\.1\.0$'; }; then
    echo "karborclient: installing python-karborclient 2.1.0 and python-openstackclient into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check python-karborclient==2.1.0 python-openstackclient
    "$venv/bin/karbor" --version
fi

# schemathesis, pinned, in a venv of its own: the tests check the server against
# docs/openapi.json with it.
st=${BULWARK_SCHEMATHESIS_VENV:-${PEERS_DIR:-/tmp/bulwark-peers}/schemathesis}
if ! "$st/bin/schemathesis" --version 2>/dev/null | grep -q '4\.32\.5'; then
    echo "karborclient: installing schemathesis 4.32.5 into $st"
    python3 -m venv "$st"
    "$st/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
fi

# croniter and python-dateutil, pinned: the references of the schedule module's
# differential test (scripts/schedule_oracle.py).
sv=${BULWARK_SCHEDULE_VENV:-${PEERS_DIR:-/tmp/bulwark-peers}/schedule}
if ! "$sv/bin/python" -c 'from importlib.metadata import version as v; assert v("croniter") == "7.0.0" and v("python-dateutil") == "4.0.0"' 2>/dev/null; then
    echo "karborclient: installing croniter 7.0.0 and python-dateutil 4.0.0 into $sv"
    python3 -m venv "$sv"
    "$sv/bin/pip" install -q --disable-pip-version-check croniter==7.0.0 python-dateutil==4.0.0
fi
