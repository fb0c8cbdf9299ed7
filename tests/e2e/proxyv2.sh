#!/usr/bin/env bash
# PROXY protocol v2 end to end: nginx backends listening with
# proxy_protocol behind VIPs with proxy_protocol = v2 (IPv4, IPv6, and with
# the SYN proxy too), two workers. Each backend must see the real client
# address and port (in its response and in its access log of
# $proxy_protocol_addr), and transfers both ways must survive the header's
# sequence shift. Usage: proxyv2.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=topo.sh
. "$here/topo.sh"
# shellcheck source=sluice_env.sh
. "$here/sluice_env.sh"

NGINX=${NGINX:-/usr/sbin/nginx}
[ -x "$NGINX" ] || { echo "nginx not found (tools/deps.sh installs it)"; exit 1; }

sl_env_init "$1" "$SL_TOP/conf/demo.ini" e2epp
T=$TOPO_TMP
{
	sl_vip_conf pp4 198.18.100.7 80 tcp '198.18.1.1%s:8081' proxy_protocol=v2
	sl_vip_conf pp6 2001:db8:100::7 80 tcp '[2001:db8:1::1%s]:8081' proxy_protocol=v2
	sl_vip_conf ppsyn4 198.18.100.8 80 tcp '198.18.1.1%s:8081' proxy_protocol=v2 \
		syn_proxy=on
	sl_vip_conf ppsyn6 2001:db8:100::8 80 tcp '[2001:db8:1::1%s]:8081' proxy_protocol=v2 \
		syn_proxy=on
} >>"$SL_CONF"
sl_env_up

# nginx in each backend namespace, on 8081 with proxy_protocol only.
for i in 1 2 3; do
	mkdir -p "$T/ngx$i"
	cat >"$T/ngx$i/nginx.conf" <<NGX
daemon off;
user root;
worker_processes 1;
pid $T/ngx$i/nginx.pid;
error_log $T/ngx$i/error.log notice;
events { worker_connections 256; }
http {
	client_body_temp_path $T/ngx$i/body;
	proxy_temp_path $T/ngx$i/proxy;
	fastcgi_temp_path $T/ngx$i/fastcgi;
	uwsgi_temp_path $T/ngx$i/uwsgi;
	scgi_temp_path $T/ngx$i/scgi;
	log_format pp '\$proxy_protocol_addr \$proxy_protocol_port \$remote_addr \$status \$request_length';
	server {
		listen 8081 proxy_protocol;
		listen [::]:8081 proxy_protocol ipv6only=on;
		access_log $T/ngx$i/access.log pp;
		client_max_body_size 16m;
		location = /big { alias $T/www/big; }
		location = /upload {
			client_body_buffer_size 16m;
			proxy_pass http://127.0.0.1:9/;
			error_page 502 = @ok;
		}
		location @ok { return 200 "got \$content_length\n"; }
		location / {
			return 200 "b$i \$proxy_protocol_addr \$proxy_protocol_port\n";
		}
	}
}
NGX
	in_backend "$i" "$NGINX" -p "$T/ngx$i" -c "$T/ngx$i/nginx.conf" \
		>"$T/ngx$i/stdout" 2>&1 &
	topo_register_pid $!
done
for i in 1 2 3; do
	for ((n = 0; n < 50; n++)); do
		in_backend "$i" curl -s --max-time 1 --haproxy-protocol \
			http://127.0.0.1:8081/ >/dev/null 2>&1 && break
		sleep 0.1
	done
	check "nginx with proxy_protocol up in b$i" [ "$n" -lt 50 ]
done


# requests URL N CLIENT_ADDR: each answer must name CLIENT_ADDR and the
# client's own source port; prints the number that did.
requests() {
	local url=$1 n=$2 want=$3 i good=0 out body port
	for ((i = 0; i < n; i++)); do
		out=$(in_cli curl -gs --max-time 5 -w ' %{local_port}' "$url") ||
			continue
		body=${out% *} port=${out##* }
		body=${body%$'\n'}
		[[ "$body" =~ ^b[123]\ ([^ ]+)\ ([0-9]+)$ ]] || continue
		[[ "${BASH_REMATCH[1]}" == "$want" &&
			"${BASH_REMATCH[2]}" == "$port" ]] && good=$((good + 1))
	done
	echo "$good"
}

for v in "pp4 http://198.18.100.7/ $TOPO_CLI_IP4" \
	 "pp6 http://[2001:db8:100::7]/ $TOPO_CLI_IP6" \
	 "ppsyn4 http://198.18.100.8/ $TOPO_CLI_IP4" \
	 "ppsyn6 http://[2001:db8:100::8]/ $TOPO_CLI_IP6"; do
	read -r name url addr <<<"$v"
	good=$(requests "$url" 30 "$addr")
	check "$name: 30 backends' answers name the client $addr and its port ($good)" \
		[ "$good" = 30 ]
	check "$name: 30 PROXY v2 headers counted ($(sl_vip_metric proxy_v2_headers "$name"))" \
		[ "$(sl_vip_metric proxy_v2_headers "$name")" = 30 ]
done
logged=$(cat "$T"/ngx[123]/access.log | awk -v a="$TOPO_CLI_IP4" '$1 == a && $3 == "198.18.1.1"' | wc -l)
check "nginx logged \$proxy_protocol_addr = $TOPO_CLI_IP4 from SNAT 198.18.1.1 ($logged of 60)" \
	[ "$logged" = 60 ]
logged=$(cat "$T"/ngx[123]/access.log | awk -v a="$TOPO_CLI_IP6" '$1 == a && $3 == "2001:db8:1::1"' | wc -l)
check "nginx logged \$proxy_protocol_addr = $TOPO_CLI_IP6 ($logged of 60)" \
	[ "$logged" = 60 ]

# --- the shift holds over long transfers, both ways ---------------------
head -c 4000000 /dev/urandom >"$T/up.bin"
for url in http://198.18.100.7 'http://[2001:db8:100::7]' \
	   http://198.18.100.8 'http://[2001:db8:100::8]'; do
	size=$(in_cli curl -gsf --max-time 60 -o /dev/null \
		-w '%{size_download}' "$url/big" || echo 0)
	check "64 MiB download through $url with the header's shift ($size)" \
		[ "$size" = 67108864 ]
	got=$(in_cli curl -gsf --max-time 60 --data-binary @"$T/up.bin" \
		"$url/upload" || echo fail)
	check "4 MB upload through $url arrives whole ($got)" \
		[ "$got" = "got 4000000" ]
done
sl_finish
