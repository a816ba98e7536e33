#!/usr/bin/env bash
# The TSIG key of docker/compose.yaml's demo (RFC 8945, hmac-sha256, named xfr-key), made at
# the first start by the one-shot service xfr-key into the shared volume, and kept afterwards:
#
#   xfr-keygen DIR     writes DIR/xfr.key (tsig-keygen's format, for sipdnsd --tsig-key-file)
#                      and DIR/xfr-key.conf (Knot's key: section, included by docker/knot.conf)
#                      from one secret made by Knot's keymgr; does nothing when both exist
#
# Each file is readable by its server only: xfr.key is owned by SIPDNS_OWNER (default 953:953,
# the image's sipdns user, docker/Dockerfile), xfr-key.conf by KNOT_OWNER (default knot:knot);
# an empty owner leaves the file to whoever runs this (tests/integration/transfer/compose_knot.sh).
set -euo pipefail

dir=${1:?usage: xfr-keygen DIR}
if [[ -s $dir/xfr.key && -s $dir/xfr-key.conf ]]; then
  echo "xfr-keygen: $dir/xfr.key and $dir/xfr-key.conf exist; kept" >&2
  exit 0
fi
umask 077
conf=$(keymgr -t xfr-key hmac-sha256)
secret=$(sed -n 's/^[[:space:]]*secret:[[:space:]]*\([A-Za-z0-9+/=]*\)[[:space:]]*$/\1/p' <<<"$conf")
[[ -n $secret ]] || { echo "xfr-keygen: no secret in keymgr's output" >&2; exit 1; }
printf '%s\n' "$conf" >"$dir/xfr-key.conf.new"
printf 'key "xfr-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" >"$dir/xfr.key.new"
owner=${SIPDNS_OWNER-953:953}
[[ -z $owner ]] || chown "$owner" "$dir/xfr.key.new"
owner=${KNOT_OWNER-knot:knot}
[[ -z $owner ]] || chown "$owner" "$dir/xfr-key.conf.new"
mv "$dir/xfr-key.conf.new" "$dir/xfr-key.conf"
mv "$dir/xfr.key.new" "$dir/xfr.key"
echo "xfr-keygen: made $dir/xfr.key and $dir/xfr-key.conf (key xfr-key, hmac-sha256)" >&2
