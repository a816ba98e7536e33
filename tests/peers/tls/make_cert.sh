#!/bin/sh
# Writes a self-signed certificate for NAME (CN and DNS SAN) into DIR/cert.pem and DIR/key.pem.
# usage: make_cert.sh DIR NAME [DAYS]
set -eu
dir=${1:?usage: make_cert.sh DIR NAME [DAYS]}
name=${2:?usage: make_cert.sh DIR NAME [DAYS]}
days=${3:-2}
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" \
  -subj "/CN=$name" -addext "subjectAltName=DNS:$name" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem"
