#!/bin/bash
# Bulwark's copy of ../shared/peers/cinder.sh, changed in three places so that Cinder's own
# backup API works here (docs/testing.md, "Cinder"):
#  1. the volume driver is cinder_file_driver.FileVolumeDriver (beside this script): the fake
#     driver, but each volume and snapshot is a sparse file, attached through os-brick's
#     `local` connector instead of an iSCSI target that does not exist;
#  2. cinder-backup runs in the same process, with Cinder's PosixBackupDriver writing
#     backups under $BASE/backups;
#  3. a Cinder left behind by an earlier run is killed first (same state directory).
# The rest is as the shared script:
# OpenStack Cinder (PyPI 29.x, venv) on 127.0.0.1:8776, auth_strategy=noauth_include_project_id, sqlite,
# transport_url=fake://. Default mode "aio": cinder-api + cinder-scheduler + cinder-volume
# (cinder.tests.fake_driver.FakeLoggingVolumeDriver) in ONE process, because the fake:// transport is
# in-memory per process. Volumes/snapshots reach 'available'. No cinder-backup (see notes).
# Mode "api" (CINDER_MODE=api): stock cinder-api only; volumes stay 'creating' (use os-reset_status).
# Auth: header "X-Auth-Token: <user>:<project>" (user/project are free-form; requests are admin).
# Usage: bash cinder.sh | bash cinder.sh stop
set -euo pipefail
BASE=${CINDER_BASE:-${PEERS_DIR:-/tmp/bulwark-peers}/cinder}
VENV=${CINDER_VENV:-${PEERS_DIR:-/tmp/bulwark-peers}/cvenv}
PORT=${CINDER_PORT:-8776}
MODE=${CINDER_MODE:-aio}
PY=${PYTHON:-python3}
IP=127.0.0.1

if [ "${1:-}" = stop ]; then
  [ -f "$BASE/cinder.pid" ] && kill "$(cat "$BASE/cinder.pid")" 2>/dev/null && echo "stopped cinder pid $(cat "$BASE/cinder.pid")"
  rm -f "$BASE/cinder.pid"; exit 0
fi

# 1. install (~55 s, ~330 MB). 'fixtures' is needed to import cinder.tests.fake_driver.
if [ ! -x "$VENV/bin/cinder-api" ] || ! "$VENV/bin/python" -c "import fixtures" 2>/dev/null; then
  $PY -m venv "$VENV"
  "$VENV/bin/pip" install -q "cinder${CINDER_VERSION:-}" fixtures
fi
ETCDIR="$VENV/etc/cinder"   # api-paste.ini + resource_filters.json are installed here by the wheel
HERE=$(cd "$(dirname "$0")" && pwd)

[ -f "$BASE/cinder.pid" ] && kill "$(cat "$BASE/cinder.pid")" 2>/dev/null && sleep 1 || true
pkill -9 -f "$BASE/cinder_aio.py" 2>/dev/null && sleep 1 || true  # one left behind by an earlier run
rm -rf "$BASE"; mkdir -p "$BASE/state" "$BASE/locks" "$BASE/backups"
cat > "$BASE/cinder.conf" <<EOF
[DEFAULT]
host = aio
enabled_backends = fake
auth_strategy = noauth_include_project_id
# default regex is [0-9a-f\-]+ : any non-hex project id in the URL gives a bare 404
project_id_regex = [0-9a-zA-Z_\-]+
transport_url = fake://
state_path = $BASE/state
api_paste_config = $ETCDIR/api-paste.ini
resource_query_filters_file = $ETCDIR/resource_filters.json
osapi_volume_listen = $IP
osapi_volume_listen_port = $PORT
osapi_volume_workers = 1
scheduler_driver_init_wait_time = 1
use_stderr = true
backup_driver = cinder.backup.drivers.posix.PosixBackupDriver
backup_posix_path = $BASE/backups
backup_driver_init_check_interval = 5
# the scheduler learns of backup services from capability reports sent every 60 s; on the
# same host it checks the service table instead, so backups work as soon as it is up
backup_use_same_host = true
# with cinder-backup in this process the other services stop sending heartbeats about a minute
# after start (they keep working); a long service_down_time keeps them scheduled
service_down_time = 86400
[database]
connection = sqlite:///$BASE/state/cinder.db
[oslo_concurrency]
lock_path = $BASE/locks
[coordination]
backend_url = file://$BASE/locks
[fake]
volume_driver = cinder_file_driver.FileVolumeDriver
volume_backend_name = fake
EOF
"$VENV/bin/cinder-manage" --config-file "$BASE/cinder.conf" db sync >"$BASE/dbsync.log" 2>&1

cat > "$BASE/cinder_aio.py" <<'EOF'
"""cinder-api + cinder-scheduler + cinder-volume in one process (shared fake:// transport)."""
import logging as python_logging
import sys
from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import service as os_service
from cinder import i18n  # noqa
i18n.enable_lazy()
from cinder.common import config, constants
from cinder import coordination, objects, rpc, service, utils, version
CONF = cfg.CONF

def main():
    objects.register_all()
    CONF(sys.argv[1:], project='cinder', version=version.version_string())
    config.set_middleware_defaults()
    logging.setup(CONF, "cinder")
    python_logging.captureWarnings(True)
    utils.monkey_patch()
    coordination.COORDINATOR.start()
    rpc.init(CONF)
    launcher = os_service.ServiceLauncher(CONF, restart_method='mutate')
    launcher.launch_service(service.WSGIService('osapi_volume'))
    launcher.launch_service(service.Service.create(binary='cinder-scheduler'))
    for backend in filter(None, CONF.enabled_backends):
        launcher.launch_service(service.Service.create(
            host="%s@%s" % (CONF.host, backend), service_name=backend,
            binary=constants.VOLUME_BINARY, coordination=True))
    launcher.launch_service(service.Service.create(binary='cinder-backup', coordination=True))
    launcher.wait()

if __name__ == '__main__':
    main()
EOF

if [ "$MODE" = api ]; then
  nohup "$VENV/bin/cinder-api" --config-file "$BASE/cinder.conf" >"$BASE/cinder.log" 2>&1 &
else
  PYTHONPATH="$HERE" nohup "$VENV/bin/python" "$BASE/cinder_aio.py" --config-file "$BASE/cinder.conf" >"$BASE/cinder.log" 2>&1 &
fi
echo $! > "$BASE/cinder.pid"
t0=$(date +%s.%N)
for i in $(seq 1 120); do
  curl -fsS -m 2 -o /dev/null "http://$IP:$PORT/v3/x/volumes" -H "X-Auth-Token: a:x" 2>/dev/null && break
  kill -0 "$(cat "$BASE/cinder.pid")" 2>/dev/null || break
  sleep 0.25
done
curl -fsS -m 5 -o /dev/null "http://$IP:$PORT/v3/x/volumes" -H "X-Auth-Token: a:x" || { echo "cinder not ready; see $BASE/cinder.log" >&2; exit 1; }
if [ "$MODE" != api ]; then  # wait until the volume and backup services have registered and are up
  for i in $(seq 1 80); do
    curl -fsS -m 2 "http://$IP:$PORT/v3/x/os-services" -H "X-Auth-Token: a:x" | python3 -c '
import json, sys
up = {s["binary"] for s in json.load(sys.stdin)["services"] if s["state"] == "up"}
sys.exit(0 if {"cinder-volume", "cinder-backup"} <= up else 1)' && break
    sleep 0.25
  done
fi
echo "cinder ($MODE) ready after $(echo "$(date +%s.%N) - $t0" | bc) s at http://$IP:$PORT/v3/<project>/ (X-Auth-Token: user:project)"
echo "cinder pid $(cat "$BASE/cinder.pid")"
