# Data for bench/perf.sh: the zones every server loads and the query mix dnsperf sends.
# Sourced; needs SIPDNS_TOOL (build/tools/sipdns). Every function writes into the directory
# it is given, never into the work tree.

PERF_HOSTS=${PERF_HOSTS:-1000}

# perf_make_toml DIR: DIR/uctest.local.toml (the bundled zone, NAPTR on, PERF_HOSTS host
# records hostNNNN A 10.99.x.y: data only, never contacted) and DIR/53.48.10.in-addr.arpa.toml.
perf_make_toml() {
  local dir=$1
  mkdir -p "$dir"
  # The records key must stay one array: rewrite the file, adding the hosts after its first
  # entry. zones/uctest.local.toml publishes SRV and round-robin A but no NAPTR; a SIP
  # discovery mix starts with NAPTR, so the benchmark's copy turns naptr on for its cluster.
  awk -v n="$PERF_HOSTS" '
    { print }
    /^records = \[/ && !done {
      for (i = 0; i < n; i++)
        printf "  \"host%04d A 10.99.%d.%d\",\n", i, int(i / 250), i % 250 + 1
      done = 1
    }
    /^services = / && in_cluster { print "naptr = true" }
    /^\[\[cluster\]\]/ { in_cluster = 1 }
  ' zones/uctest.local.toml >"$dir/uctest.local.toml"
  cp zones/53.48.10.in-addr.arpa.toml "$dir/"
  grep -q '^naptr = true' "$dir/uctest.local.toml" &&
    (($(grep -c '"host[0-9]* A ' "$dir/uctest.local.toml") == PERF_HOSTS)) || {
    echo "perf.sh: could not derive the benchmark zone from zones/uctest.local.toml" >&2
    return 1
  }
}

# perf_export TOML_DIR OUT_DIR: OUT_DIR/<zone>.zone for each zone, in RFC 1035 text, from
# `sipdns export` (so every server answers from the same records sipdnsd derives).
perf_export() {
  local src=$1 out=$2
  mkdir -p "$out"
  "$SIPDNS_TOOL" export "$src" >"$out/all.txt" || return 1
  awk -v out="$out" '
    /^; zone / { name = $3; sub(/\.$/, "", name); file = out "/" name ".zone"; next }
    file != "" && NF { print > file }
  ' "$out/all.txt"
  [[ -s $out/uctest.local.zone && -s $out/53.48.10.in-addr.arpa.zone ]] || {
    echo "perf.sh: sipdns export gave no uctest.local or reverse zone" >&2
    return 1
  }
}

# perf_make_mix FILE [LINES]: the dnsperf query file ("name type" per line), a SIP discovery
# mix, shuffled with a fixed seed so every run and every server gets the same sequence.
#   NAPTR at the domain 10%, SRV _sip._tcp 20%, _sips._tcp 10%, round-robin cluster A 15%,
#   peer A 15%, AAAA NODATA at a peer 5%, PTR of a peer 5%, NXDOMAIN 10%, host A 10%.
perf_make_mix() {
  local file=$1 lines=${2:-10000}
  awk -v n="$lines" -v hosts="$PERF_HOSTS" 'BEGIN {
    srand(20261125)
    for (i = 0; i < n; i++) {
      r = i % 100
      if (r < 10) q = "uctest.local NAPTR"
      else if (r < 30) q = "_sip._tcp.uctest.local SRV"
      else if (r < 40) q = "_sips._tcp.uctest.local SRV"
      else if (r < 55) q = "habibexpc-cluster.uctest.local A"
      else if (r < 70) q = sprintf("habibexpc%d.uctest.local A", 1 + i % 2)
      else if (r < 75) q = "habibexpc1.uctest.local AAAA"
      else if (r < 80) q = sprintf("%d.53.48.10.in-addr.arpa PTR", 127 + i % 2)
      else if (r < 90) q = sprintf("nope-%d.uctest.local A", i)
      else q = sprintf("host%04d.uctest.local A", int(rand() * hosts))
      printf "%.9f\t%s\n", rand(), q
    }
  }' | sort -k1,1 | cut -f2 >"$file"
}
