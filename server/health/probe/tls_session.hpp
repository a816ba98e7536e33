// A client-side TLS session driven through memory BIOs, so that libuv does all socket I/O and
// OpenSSL never blocks; plus the runner's cache of SSL_CTX objects.
#pragma once
#include <openssl/ssl.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "wire/c_ptr.hpp"

namespace sipdns::health::detail {

using ssl_ctx_ptr = wire::c_ptr<SSL_CTX, SSL_CTX_free>;
using ssl_ptr = wire::c_ptr<SSL, SSL_free>;

// One SSL_CTX per (verify, CA file): loading a CA bundle is expensive and the same few
// combinations serve every peer. A failed load is not cached, so fixing the file is enough.
class tls_context_cache {
 public:
  // nullptr with `err` set ("TLS: cannot load CA file ...") on failure.
  SSL_CTX* get(bool verify, const std::string& ca_file, std::string& err);

 private:
  std::map<std::pair<bool, std::string>, ssl_ctx_ptr> contexts_;
};

// Design note: bytes from the socket go in with feed(); whatever OpenSSL wants to send comes
// out of take_output() and must be written to the socket after every call. Each SSL object
// holds its own reference to its SSL_CTX, so a session outlives the runner's cache safely.
class tls_session {
 public:
  enum class status { in_progress, done, failed };

  // `sni`: server name for RFC 6066 section 3 (omitted for IP literals, which it forbids).
  // `verify_name`: when non-empty, the certificate must match it (RFC 6125; an IP literal
  // is matched against iPAddress SANs).
  tls_session(SSL_CTX* ctx, const std::string& sni, const std::string& verify_name);
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  bool valid() const noexcept { return ssl_ != nullptr; }
  void feed(const char* data, size_t len);
  status handshake();
  bool write(std::string_view plain);
  // Appends every decrypted byte available to `out`; false on a fatal error.
  bool read(std::string& out);
  std::string take_output();
  // "TLS: certificate verify failed: hostname mismatch", "TLS: wrong version number", ...
  const std::string& error() const noexcept { return error_; }

 private:
  void set_error(int ssl_ret);

  ssl_ptr ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  std::string error_;
};

}  // namespace sipdns::health::detail
