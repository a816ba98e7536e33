// TSIG: key files, request verification, response signing (RFC 8945).
#include "xfr/tsig.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "wire/constants.hpp"
#include "wire/name.hpp"
#include "xfr/walk.hpp"

namespace sipdns::xfr {

namespace {

constexpr uint16_t type_tsig = 250;
constexpr uint16_t class_any = 255;
constexpr uint16_t fudge_s = 300;  // RFC 8945 section 10: 300 seconds recommended

const EVP_MD* digest_of(const std::string& algorithm_wire) {
  const std::string a = wire::name_to_text(algorithm_wire);
  if (a == "hmac-sha256.") return EVP_sha256();
  if (a == "hmac-sha512.") return EVP_sha512();
  if (a == "hmac-sha384.") return EVP_sha384();
  if (a == "hmac-sha224.") return EVP_sha224();
  if (a == "hmac-sha1.") return EVP_sha1();
  return nullptr;
}

std::string hmac(const tsig_key& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  const EVP_MD* md = digest_of(key.algorithm);
  if (!md || !HMAC(md, key.secret.data(), int(key.secret.size()),
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    return {};
  return std::string(reinterpret_cast<char*>(out), len);
}

void put16(std::string& s, uint16_t v) {
  s.push_back(char(v >> 8));
  s.push_back(char(v));
}
void put48(std::string& s, uint64_t v) {
  for (int shift = 40; shift >= 0; shift -= 8) s.push_back(char(v >> shift));
}

// The TSIG variables (section 4.3.3): name, class, TTL, algorithm, time, fudge, error,
// other data; `timers_only` for later messages of a transfer (section 5.3.1).
std::string variables(const std::string& key_name, const std::string& algorithm,
                      uint64_t time, uint16_t error, const std::string& other,
                      bool timers_only) {
  std::string v;
  if (!timers_only) {
    v += key_name;
    put16(v, class_any);
    v.append(4, '\0');  // TTL 0
    v += algorithm;
  }
  put48(v, time);
  put16(v, fudge_s);
  if (!timers_only) {
    put16(v, error);
    put16(v, uint16_t(other.size()));
    v += other;
  }
  return v;
}

void append_tsig(message& m, const std::string& key_name, const std::string& algorithm,
                 uint64_t time, const std::string& mac, uint16_t error,
                 const std::string& other) {
  std::string rr = key_name;
  put16(rr, type_tsig);
  put16(rr, class_any);
  rr.append(4, '\0');
  std::string rdata = algorithm;
  put48(rdata, time);
  put16(rdata, fudge_s);
  put16(rdata, uint16_t(mac.size()));
  rdata += mac;
  rdata.push_back(char(m[0]));  // original ID: the message's own
  rdata.push_back(char(m[1]));
  put16(rdata, error);
  put16(rdata, uint16_t(other.size()));
  rdata += other;
  put16(rr, uint16_t(rdata.size()));
  rr += rdata;
  m.insert(m.end(), rr.begin(), rr.end());
  wire::put16(m.data() + 10, uint16_t(wire::get16(m.data() + 10) + 1));
}

std::string with_length(const std::string& mac) {
  std::string s;
  put16(s, uint16_t(mac.size()));
  return s + mac;
}

// tsig-keygen's format, tokenised: quoted strings, words, and { } ; (comments skipped).
std::vector<std::pair<std::string, int>> tokens(std::istream& in) {
  std::vector<std::pair<std::string, int>> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    for (size_t i = 0; i < line.size();) {
      char c = line[i];
      if (std::isspace(static_cast<unsigned char>(c))) { ++i; continue; }
      if (c == '#' || (c == '/' && i + 1 < line.size() && line[i + 1] == '/')) break;
      if (c == '"') {
        size_t e = line.find('"', i + 1);
        if (e == std::string::npos) e = line.size();
        std::string quoted(1, '"');  // appends: GCC 12 warns falsely on "\"" + string
        quoted += line.substr(i + 1, e - i - 1);
        out.push_back({std::move(quoted), n});
        i = e + 1;
      } else if (c == '{' || c == '}' || c == ';') {
        out.push_back({std::string(1, c), n});
        ++i;
      } else {
        size_t e = i;
        while (e < line.size() && !std::isspace(static_cast<unsigned char>(line[e])) &&
               line[e] != ';' && line[e] != '{' && line[e] != '}')
          ++e;
        out.push_back({line.substr(i, e - i), n});
        i = e;
      }
    }
  }
  return out;
}

bool base64(const std::string& text, std::string& out) {
  if (text.empty() || text.size() % 4) return false;
  std::string buf(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (n < 0) return false;
  size_t pad = text.size() - text.find_last_not_of('=') - 1;
  out = buf.substr(0, size_t(n) - pad);
  return true;
}

// A key or algorithm name as text ("transfer-key", "hmac-sha256.") in wire form; empty when
// it is not a plain host-like name (no escapes in key names).
std::string wire_of(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string::npos) dot = text.size();
    const size_t len = dot - start;
    if (len == 0 || len > 63) return {};
    out.push_back(char(len));
    for (size_t i = start; i < dot; ++i) {
      const char c = text[i];
      if (c == '\\' || static_cast<unsigned char>(c) < 0x21) return {};
      out.push_back(char(std::tolower(static_cast<unsigned char>(c))));
    }
    start = dot + 1;
  }
  out.push_back('\0');
  return out.size() > 255 || out.size() == 1 ? std::string() : out;
}

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string key_wire_name(const std::string& text) { return wire_of(text); }

bool supported_algorithm(const std::string& text) {
  const std::string a = lower(text);
  return a == "hmac-sha256" || a == "hmac-sha512" || a == "hmac-sha384" ||
         a == "hmac-sha224" || a == "hmac-sha1";
}

bool read_key_file(const std::string& path, std::map<std::string, tsig_key>& keys,
                   std::string& err) {
  std::ifstream in(path);
  if (!in) {
    err = path + ": cannot read";
    return false;
  }
  auto t = tokens(in);
  size_t i = 0;
  auto fail = [&](const std::string& why) {
    err = path + ":" + std::to_string(i < t.size() ? t[i].second : (t.empty() ? 1 : t.back().second)) +
          ": " + why;
    return false;
  };
  auto word = [&](const std::string& w) { return i < t.size() && t[i].first == w; };
  size_t found = 0;
  while (i < t.size()) {
    if (!word("key")) return fail("expected 'key \"NAME\" { algorithm ...; secret \"...\"; };'");
    ++i;
    if (i >= t.size()) return fail("key without a name");
    std::string name = t[i].first[0] == '"' ? t[i].first.substr(1) : t[i].first;
    ++i;
    if (!word("{")) return fail("expected '{' after the key name");
    ++i;
    std::string alg, secret;
    while (i < t.size() && !word("}")) {
      std::string k = t[i].first;
      ++i;
      if (i >= t.size()) return fail("unfinished key");
      std::string v = t[i].first[0] == '"' ? t[i].first.substr(1) : t[i].first;
      ++i;
      if (!word(";")) return fail("expected ';' after " + k);
      ++i;
      if (k == "algorithm") alg = lower(v);
      else if (k == "secret") secret = v;
      else return fail("unknown key field '" + k + "'");
    }
    if (!word("}")) return fail("expected '}'");
    ++i;
    if (word(";")) ++i;
    if (!supported_algorithm(alg))
      return fail("key \"" + name + "\": algorithm '" + alg +
                  "' (use hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224 or hmac-sha1)");
    tsig_key key;
    key.name = wire_of(name);
    key.algorithm = wire_of(alg);
    if (key.name.empty() || !base64(secret, key.secret) || key.secret.empty())
      return fail("key \"" + name + "\": the secret is not base64");
    keys[key.name] = std::move(key);
    ++found;
  }
  if (!found) return fail("no key in the file");
  return true;
}

namespace {
// The TSIG RR's fields (section 4.2), read from `q` where its RDATA starts; false if malformed.
struct tsig_fields {
  std::string algorithm, mac, other;
  uint64_t time = 0;
  uint16_t fudge = 0, original_id = 0, error = 0;
};
bool read_fields(std::span<const uint8_t> q, size_t rd, size_t rd_end, tsig_fields& f) {
  const size_t a = walk::read_name(q, rd, f.algorithm);
  if (a == 0 || a + 10 > rd_end) return false;
  for (int k = 0; k < 6; ++k) f.time = f.time << 8 | q[a + k];
  f.fudge = wire::get16(q.data() + a + 6);
  const size_t mac_len = wire::get16(q.data() + a + 8);
  if (a + 10 + mac_len + 6 > rd_end) return false;
  f.mac.assign(reinterpret_cast<const char*>(q.data()) + a + 10, mac_len);
  const size_t after = a + 10 + mac_len;
  f.original_id = wire::get16(q.data() + after);
  f.error = wire::get16(q.data() + after + 2);
  const size_t other_len = wire::get16(q.data() + after + 4);
  if (after + 6 + other_len != rd_end) return false;
  f.other.assign(reinterpret_cast<const char*>(q.data()) + after + 6, other_len);
  return true;
}
}  // namespace

tsig_request verify_request(std::span<const uint8_t> q, size_t question_end,
                            const std::map<std::string, tsig_key>& keys, uint64_t now) {
  tsig_request r;
  if (q.size() < wire::header_size || wire::get16(q.data() + 10) == 0) return r;
  const size_t records = size_t(wire::get16(q.data() + 6)) + wire::get16(q.data() + 8) +
                         wire::get16(q.data() + 10);
  size_t at = question_end, last = 0;
  for (size_t i = 0; i < records; ++i) {
    last = at;
    if ((at = walk::skip_rr(q, at)) == 0) return r;
  }
  const size_t p = walk::read_name(q, last, r.key_name);
  if (p == 0 || p + 10 > q.size() || wire::get16(q.data() + p) != type_tsig) return r;
  r.present = true;
  r.error = tsig_error::badsig;  // until proven
  const size_t rd = p + 10, rd_end = rd + wire::get16(q.data() + p + 8);
  tsig_fields f;
  if (wire::get16(q.data() + p + 2) != class_any || rd_end != q.size() ||
      !read_fields(q, rd, rd_end, f))
    return r;
  r.algorithm = f.algorithm;
  auto k = keys.find(r.key_name);
  if (k == keys.end() || k->second.algorithm != f.algorithm) {
    r.error = tsig_error::badkey;
    return r;
  }
  r.key = &k->second;
  // The digest (section 4.3): the message as sent before signing, then the variables.
  std::string data(reinterpret_cast<const char*>(q.data()), last);
  data[0] = char(f.original_id >> 8);
  data[1] = char(f.original_id);
  const uint16_t arcount = wire::get16(q.data() + 10) - 1;
  data[10] = char(arcount >> 8);
  data[11] = char(arcount);
  data += variables(r.key_name, f.algorithm, f.time, f.error, f.other, false);
  const std::string want = hmac(*r.key, data);
  if (want.empty() || want.size() != f.mac.size() ||
      CRYPTO_memcmp(want.data(), f.mac.data(), want.size()) != 0)
    return r;  // BADSIG
  r.mac = f.mac;
  const uint64_t skew = now > f.time ? now - f.time : f.time - now;
  r.error = skew > f.fudge ? tsig_error::badtime : tsig_error::none;
  return r;
}

tsig_signer::tsig_signer(const tsig_key& key, std::string request_mac, uint64_t now)
    : key_(key), prior_mac_(std::move(request_mac)), now_(now) {}

void tsig_signer::sign(message& m, tsig_error error) {
  std::string other;
  if (error == tsig_error::badtime) put48(other, now_);  // section 5.2.3: our time
  std::string data = prior_mac_.empty() ? std::string() : with_length(prior_mac_);
  data.append(reinterpret_cast<const char*>(m.data()), m.size());
  data += variables(key_.name, key_.algorithm, now_, uint16_t(error), other, !first_);
  const std::string mac = hmac(key_, data);
  append_tsig(m, key_.name, key_.algorithm, now_, mac, uint16_t(error), other);
  prior_mac_ = mac;
  first_ = false;
}

void append_unsigned_tsig(message& m, const std::string& key_name, const std::string& algorithm,
                          uint64_t now, tsig_error error) {
  append_tsig(m, key_name, algorithm, now, {}, uint16_t(error), {});
}

}  // namespace sipdns::xfr
