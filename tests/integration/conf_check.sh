#!/usr/bin/env bash
# Every shipped config must pass sluice-control --check, and the systemd
# units must order the control plane after the data plane.
# Usage: conf_check.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
for f in "$top"/conf/*.ini; do
	"$build/control/sluice-control" --check "$f"
done
unit=$top/conf/systemd/sluice-control.service
grep -q '^After=sluice-dataplane.service' "$unit"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$unit"
if command -v systemd-analyze >/dev/null &&
   ! systemd-analyze verify "$top"/conf/systemd/*.service 2>&1 |
	grep -v -e 'Command .* is not executable' -e 'not found' |
	grep -q .; then
	echo "systemd units verified"
fi
echo "conf_check: ok"
