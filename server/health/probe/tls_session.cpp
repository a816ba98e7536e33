// Client TLS over memory BIOs, and the SSL_CTX cache.
#include "health/probe/tls_session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace sipdns::health::detail {

namespace {

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string last_ssl_error() {
  unsigned long e = ERR_peek_last_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return r != nullptr ? r : "unknown error";
}

}  // namespace

SSL_CTX* tls_context_cache::get(bool verify, const std::string& ca_file, std::string& err) {
  auto key = std::make_pair(verify, verify ? ca_file : std::string());
  if (auto it = contexts_.find(key); it != contexts_.end()) return it->second.get();
  ERR_clear_error();
  ssl_ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    err = "TLS: " + last_ssl_error();
    return nullptr;
  }
  // RFC 8996 deprecates TLS 1.0 and 1.1.
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    int ok = key.second.empty()
                 ? SSL_CTX_set_default_verify_paths(ctx.get())
                 : SSL_CTX_load_verify_locations(ctx.get(), key.second.c_str(), nullptr);
    if (ok != 1) {
      err = key.second.empty() ? "TLS: cannot load the default CA paths: " + last_ssl_error()
                               : "TLS: cannot load CA file " + key.second + ": " + last_ssl_error();
      return nullptr;
    }
  } else {
    // A health check without verification asks "does the peer speak TLS", nothing more.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  return contexts_.emplace(key, std::move(ctx)).first->second.get();
}

tls_session::tls_session(SSL_CTX* ctx, const std::string& sni, const std::string& verify_name) {
  ERR_clear_error();
  ssl_.reset(SSL_new(ctx));
  wire::c_ptr<BIO, BIO_free> rbio(BIO_new(BIO_s_mem()));
  wire::c_ptr<BIO, BIO_free> wbio(BIO_new(BIO_s_mem()));
  if (!ssl_ || !rbio || !wbio) {
    ssl_.reset();
    error_ = "TLS: " + last_ssl_error();
    return;
  }
  // An empty memory BIO must say "retry", not EOF, while we wait for the socket.
  BIO_set_mem_eof_return(rbio.get(), -1);
  rbio_ = rbio.release();  // from here on owned by ssl_
  wbio_ = wbio.release();
  SSL_set_bio(ssl_.get(), rbio_, wbio_);
  SSL_set_connect_state(ssl_.get());
  if (!sni.empty() && !is_ip_literal(sni)) SSL_set_tlsext_host_name(ssl_.get(), sni.c_str());
  if (!verify_name.empty()) {
    bool ok = is_ip_literal(verify_name) ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()),
                                                                         verify_name.c_str()) == 1
                                         : SSL_set1_host(ssl_.get(), verify_name.c_str()) == 1;
    if (!ok) {
      error_ = "TLS: cannot set the expected name " + verify_name;
      ssl_.reset();
    }
  }
}

void tls_session::feed(const char* data, size_t len) {
  if (len > 0) BIO_write(rbio_, data, static_cast<int>(len));
}

tls_session::status tls_session::handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_.get());
  if (r == 1) return status::done;
  int e = SSL_get_error(ssl_.get(), r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return status::in_progress;
  set_error(r);
  return status::failed;
}

void tls_session::set_error(int ssl_ret) {
  // Without SSL_VERIFY_PEER OpenSSL still records a verify result, but it did not fail on it.
  long v = SSL_get_verify_result(ssl_.get());
  if ((SSL_get_verify_mode(ssl_.get()) & SSL_VERIFY_PEER) != 0 && v != X509_V_OK) {
    error_ = std::string("TLS: certificate verify failed: ") + X509_verify_cert_error_string(v);
    ERR_clear_error();
    return;
  }
  if (ERR_peek_last_error() != 0) {
    error_ = "TLS: " + last_ssl_error();
    return;
  }
  int e = SSL_get_error(ssl_.get(), ssl_ret);
  error_ = e == SSL_ERROR_ZERO_RETURN ? "TLS: closed by peer" : "TLS: error " + std::to_string(e);
}

bool tls_session::write(std::string_view plain) {
  ERR_clear_error();
  // With memory BIOs a write never waits: the whole record lands in wbio_.
  int r = SSL_write(ssl_.get(), plain.data(), static_cast<int>(plain.size()));
  if (r > 0) return true;
  set_error(r);
  return false;
}

bool tls_session::read(std::string& out) {
  char buf[4096];
  for (;;) {
    ERR_clear_error();
    int r = SSL_read(ssl_.get(), buf, sizeof buf);
    if (r > 0) {
      out.append(buf, static_cast<size_t>(r));
      continue;
    }
    int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
    set_error(r);
    return false;
  }
}

std::string tls_session::take_output() {
  std::string out;
  char buf[4096];
  int n;
  while ((n = BIO_read(wbio_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace sipdns::health::detail
